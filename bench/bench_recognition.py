"""How long entity recognition and import take at newsroom scale. Prints figures; asserts nothing.

    python bench/bench_recognition.py

Recognition: a 60-section brief against 500 entities with 5 aliases each, the alias index built once
per run. Import: a 1 MB plain-text file parsed, planned (recognition included) and written through the
services into a throw-away SQLite database.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefs.actors import SYSTEM  # noqa: E402

ENTITIES = 500
ALIASES = 5
SECTIONS = 60
PARAGRAPHS_PER_SECTION = 8
RUNS = 5
TARGET_SECONDS = 1.0

SYLLABLES = ["ka", "ri", "no", "vi", "las", "tu", "mo", "ge", "ra", "šiau", "rė", "ko", "pa", "džia", "ū"]
ENDINGS = ["as", "o", "ui", "ą", "u", "e"]
WORDS = [
    "ir",
    "per",
    "kad",
    "kai",
    "po",
    "jau",
    "buvo",
    "yra",
    "bus",
    "šalis",
    "šalies",
    "karių",
    "ryšių",
    "pranešė",
    "teigia",
    "pripažino",
    "sostinė",
    "susitikimas",
    "paramą",
    "santykius",
    "vizitas",
    "metais",
    "kariuomenė",
]


def fake_name(rng: random.Random) -> list[str]:
    return [
        "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        for _ in range(rng.choice([1, 1, 2, 2, 3]))
    ]


def make_entities(rng: random.Random):
    from briefs.models import Entity, EntityKind

    entities, seen = [], set()
    while len(entities) < ENTITIES:
        words = fake_name(rng)
        if tuple(words) in seen:
            continue
        seen.add(tuple(words))
        stem = " ".join(words)
        name = f"{stem}as"
        aliases = [f"{stem}{ending}" for ending in ENDINGS[1 : ALIASES + 1]]
        entities.append(
            Entity(name=name, kind=rng.choice(EntityKind.values), aliases=aliases, slug=f"e{len(entities)}")
        )
    return entities


def make_paragraph(rng: random.Random, entities, words: int = 40) -> str:
    out = []
    for _ in range(words):
        if rng.random() < 0.08:
            entity = rng.choice(entities)
            out.append(rng.choice(entity.surface_forms))
        else:
            out.append(rng.choice(WORDS))
    sentence = " ".join(out)
    return sentence[0].upper() + sentence[1:] + "."


def make_brief_text(rng: random.Random, entities, paragraphs: int, words: int) -> str:
    lines = [make_paragraph(rng, entities, words) for _ in range(3)]
    for number in range(SECTIONS - 1):
        lines.append(f"Skyrius {number + 1}")
        lines.extend(make_paragraph(rng, entities, words) for _ in range(paragraphs))
    return "\n".join(lines) + "\n"


def bench_recognition(rng: random.Random, entities) -> None:
    from briefs.importing import parse_text
    from briefs.recognition import build_alias_index, possible_new_entities, section_text, suggest_entities

    parsed = parse_text(make_brief_text(rng, entities, PARAGRAPHS_PER_SECTION, 40))
    texts = [section_text(s.heading, s.body) for s in parsed.sections]
    words = sum(len(t.split()) for t in texts)
    totals, suggestions = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        index = build_alias_index(entities, "lt")
        built = time.perf_counter()
        suggestions = 0
        for text in texts:
            suggestions += len(suggest_entities(text, "lt", index=index))
            possible_new_entities(text, "lt", index)
        done = time.perf_counter()
        totals.append((built - started, done - built))
    build = statistics.median(t[0] for t in totals)
    scan = statistics.median(t[1] for t in totals)
    cold_build, cold_scan = totals[0]
    print(
        f"Recognition: {len(texts)} sections, {words} words, {ENTITIES} entities x {ALIASES} aliases, "
        f"{len(index.keys)} index keys"
    )
    print(
        f"  first run, cold stem cache: index {cold_build * 1000:.1f} ms, "
        f"sections {cold_scan * 1000:.1f} ms ({cold_scan / len(texts) * 1000:.2f} ms per section)"
    )
    print(f"  median of {RUNS} runs:")
    print(f"  index build:          {build * 1000:8.1f} ms (once per call)")
    print(f"  all sections:         {scan * 1000:8.1f} ms (suggestions and possible new entities)")
    print(f"  per section:          {scan / len(texts) * 1000:8.2f} ms")
    print(f"  total with the index: {(build + scan) * 1000:8.1f} ms; {suggestions} suggestions")
    worst = max(b + s for b, s in totals)
    print(
        f"  target: whole brief well under {TARGET_SECONDS * 1000:.0f} ms; "
        f"slowest run {worst * 1000:.1f} ms: "
        f"{'ok' if worst < TARGET_SECONDS else 'MISSED'}"
    )


def bench_import(rng: random.Random, entities) -> None:
    from django.core.management import call_command

    from briefs.history import bulk_create_with_history, revision
    from briefs.importing import import_brief, plan_import, read_brief_file

    call_command("migrate", verbosity=0)
    with revision(None, note="Benchmark entities", kind="minor", actor=SYSTEM):
        bulk_create_with_history(entities, type(entities[0]))

    # About 1 MB: 60 sections of long paragraphs.
    text = make_brief_text(rng, entities, 30, 80)
    while len(text.encode()) < 1_000_000:
        text += make_paragraph(rng, entities, 80) + "\n"
    path = Path(tempfile.mkdtemp()) / "brief.txt"
    path.write_text(text, encoding="utf-8")

    started = time.perf_counter()
    parsed = read_brief_file(path)
    read = time.perf_counter()
    plan = plan_import(parsed, title="Benchmark", language="lt")
    planned = time.perf_counter()
    brief = import_brief(plan, source=path.name, actor=SYSTEM)
    written = time.perf_counter()
    tags = sum(len(p.suggestions) for p in plan.sections)
    print(
        f"Import of {path.stat().st_size / 1_000_000:.2f} MB: "
        f"{len(plan.sections)} sections, {tags} entity tags"
    )
    print(f"  read and parse:       {(read - started) * 1000:8.1f} ms")
    print(f"  recognition:          {(planned - read) * 1000:8.1f} ms")
    print(f"  write (services):     {(written - planned) * 1000:8.1f} ms")
    print(f"  total:                {(written - started) * 1000:8.1f} ms")
    print(f"  sections written:     {brief.sections.count()}")


def main() -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    rng = random.Random(20251027)
    entities = make_entities(rng)
    bench_recognition(rng, entities)
    bench_import(rng, entities)


if __name__ == "__main__":
    main()
