"""The worst inputs found for the section renderer and the word diff, before and after the guards. Prints
figures; asserts nothing.

    python bench/bench_worst_input.py                # each "before" case stopped after 20 s
    python bench/bench_worst_input.py --timeout 5    # quicker, more cases shown as ">5 s"

Rendering: each pathological body at the longest allowed length (BRIEFS_SECTION_MAX_CHARS, 30,000
characters), rendered by raw Python-Markdown ("before") and by ``render_markdown`` ("after", which shows a
body Markdown would be slow on as plain paragraphs), with a seed body and a page of dense Markdown for
comparison. Word diff: a 30,000-character body against itself with one word added, with every paragraph
edited and fully rewritten, by raw ``difflib.SequenceMatcher`` over the tokens (the old ``word_diff``)
and by ``word_diff``. A "before" case runs in a child process stopped after the timeout, so the script
always finishes; "after" figures are medians of five runs in this process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

import difflib  # noqa: E402

import markdown  # noqa: E402

from briefs import conf  # noqa: E402
from briefs.revisions.diff import word_diff  # noqa: E402
from briefs.text import markdown_cost, markdown_is_cheap, render_markdown, tokens  # noqa: E402

RUNS = 5
DENSE = (
    "Rusija ir Šiaurės Korėja (KLDR) pasirašė sutartį; [Kremlius](https://kremlin.ru) teigia, kad "
    "*santykiai* yra **strateginiai**. "
)


def fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def seed_bodies() -> list[str]:
    fixture = json.loads((ROOT / "briefs" / "fixtures" / "russia_north_korea.json").read_text("utf-8"))
    return [row["fields"]["body"] for row in fixture if row["model"] == "briefs.section"]


def render_cases(size: int) -> list[tuple[str, str]]:
    paragraph = fill(DENSE, 1_000)
    dense = "\n\n".join([paragraph] * (size // 1_002))
    return [
        ("seed body (normal)", max(seed_bodies(), key=len)),
        ("dense Markdown (normal)", dense),
        ("[ repeated", fill("[", size)),
        ("![[ repeated", fill("![[", size)),
        ("[x][ repeated", fill("[x][", size)),
        ("[a repeated", fill("[a ", size)),
        ("[a]( repeated", fill("[a](", size)),
        ("[a]((( repeated", fill("[a](((", size)),
        ("([ repeated", fill("([", size)),
        ("`` [ repeated", fill("``[", size)),
        ("backtick runs 1, 2, 3...", "".join("`" * k + " " for k in range(1, 400))[:size]),
        ("*a **b repeated", fill("*a **b ", size)),
        ("*a* repeated", fill("*a*", size)),
        ("*_ repeated", fill("*_", size)),
        ("_ repeated", fill("_", size)),
        ("\\* repeated", fill("\\*", size)),
        ("< repeated", fill("<", size)),
        ("<a repeated (open tags)", fill("<a ", size)),
        ("<b c=' repeated", fill("<b c='", size)),
        ("<![CDATA[ repeated", fill("<![CDATA[", size)),
        ("<http://a repeated", fill("<http://a", size)),
        ("&amp; repeated", fill("&amp;", size)),
        ("> repeated (nested quote)", fill(">", size)),
        ("> > > nested by line", "\n".join("> " * i + "x" for i in range(1, 400))[:size]),
        ("list indented 4 more a line", "\n".join("    " * i + "- x" for i in range(300))[:size]),
        ("+ + + on one line", fill("+ ", size)),
        ("a / === setext headings", fill("a\n=\n", size)),
        ("- lines (rules)", fill("-\n", size)),
        ("# headings", fill("# a\n", size)),
        ("one-character paragraphs", fill("a\n\n", size)),
    ]


def diff_cases(size: int) -> list[tuple[str, str, str]]:
    words = " ".join(seed_bodies()).split()
    paragraphs, length, index = [], 0, 0
    while length < size:
        paragraph = " ".join(words[(index + k * 7) % len(words)] for k in range(120))
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
        index += 1
    old = "\n\n".join(paragraphs)[:size]
    at = old.index(" ", len(old) // 2)
    added = old[:at] + " naujas" + old[at:]
    edited = "\n\n".join(p.replace(" ", " naujas ", 1) for p in old.split("\n\n"))
    rewritten = "\n\n".join(" ".join(w + "x" for w in p.split(" ")) for p in old.split("\n\n"))
    return [
        ("one word added", old, added),
        ("every paragraph edited", old, edited),
        ("fully rewritten", old, rewritten),
    ]


def _old_render(source: str) -> None:
    markdown.markdown(source)


def _old_diff(pair: tuple[str, str]) -> None:
    a, b = tokens(pair[0]), tokens(pair[1])
    difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def _child(function, argument, connection) -> None:
    started = time.perf_counter()
    try:
        function(argument)
    except RecursionError:
        connection.send("RecursionError")
        return
    connection.send((time.perf_counter() - started) * 1000)


def before(function, argument, timeout: float) -> str:
    """One run of ``function(argument)`` in a child process, stopped after ``timeout`` seconds."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.Process(target=_child, args=(function, argument, sender))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return f">{timeout:g} s"
    if not receiver.poll():
        return "crashed"
    result = receiver.recv()
    return result if isinstance(result, str) else f"{result:.1f}"


def after(function, *arguments) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        function(*arguments)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds a 'before' case may take")
    options = parser.parse_args()
    size = conf.section_max_chars()
    multiprocessing.set_start_method("fork")

    print(f"Rendering, bodies of {size:,} characters; 'before' stopped after {options.timeout:g} s")
    print(f"{'input':32} {'size':>7} {'before ms':>10} {'after ms':>9}  {'path':8} {'estimate ms':>11}")
    for name, source in render_cases(size):
        old = before(_old_render, source, options.timeout)
        new = after(render_markdown, source)
        path = "markdown" if markdown_is_cheap(source) else "plain"
        estimate = markdown_cost(source) / 1000
        shown = f"{estimate:11.1f}" if estimate < 1e6 else f"{'refused':>11}"
        print(f"{name:32} {len(source):7} {old:>10} {new:9.1f}  {path:8} {shown}", flush=True)

    print()
    print(f"Word diff, a body of {size:,} characters against a changed copy")
    print(f"{'input':32} {'size':>7} {'before ms':>10} {'after ms':>9}")
    for name, old_text, new_text in diff_cases(size):
        old = before(_old_diff, (old_text, new_text), options.timeout)
        new = after(word_diff, old_text, new_text)
        print(f"{name:32} {len(new_text):7} {old:>10} {new:9.1f}", flush=True)


if __name__ == "__main__":
    main()
