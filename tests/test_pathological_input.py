"""Hostile and broken input: bodies too long or nested too deep are refused with a clear message, any body
renders in bounded time (as plain paragraphs when Markdown would be slow), long bodies diff in bounded
time, and characters no page or feed can carry are cleaned away where text comes in."""

from __future__ import annotations

import html
import json
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import markdown
import nh3
import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils.feedgenerator import Atom1Feed
from django.utils.xmlutils import UnserializableContentError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefs import text
from briefs.revisions.diff import DELETE, EQUAL, INSERT, word_diff
from briefs.text import (
    clean_line,
    clean_text,
    markdown_is_cheap,
    nesting_depth,
    render_markdown,
    render_plain_text,
    validate_section_body,
)

ROOT = Path(__file__).resolve().parents[1]
MAX = 30_000
# Only a guard against hanging: the figures are in bench/bench_worst_input.py, and a shared machine is
# too noisy for a tighter bound.
HANG_SECONDS = 5.0


def seed_bodies() -> list[str]:
    fixture = json.loads((ROOT / "briefs" / "fixtures" / "russia_north_korea.json").read_text("utf-8"))
    return [row["fields"]["body"] for row in fixture if row["model"] == "briefs.section"]


def markdown_as_before(source: str) -> str:
    """What render_markdown made before it learnt to refuse slow input."""
    if not source.strip():
        return ""
    return nh3.clean(
        markdown.markdown(source, extensions=[], output_format="html"),
        tags=text.ALLOWED_TAGS,
        attributes=text.ALLOWED_ATTRIBUTES,
        url_schemes=text.ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def fill(unit: str, size: int = MAX) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def visible(rendered: str) -> str:
    """The characters a reader sees, white space left out."""
    return "".join(html.unescape(re.sub(r"<[^>]+>", "", rendered)).split())


NORMAL_BODIES = [
    "Plain paragraph.\n\nAnother one, with *emphasis*, **strong** and a [link](https://example.org).",
    "- one\n- two\n    - nested\n        - deeper\n            - four levels",
    "1. first\n2. second\n\n> A quotation\n> over two lines.",
    "Line one  \nline two after a hard break.\n\n* * *\n\nAfter a rule.",
    'A [link with a title](https://example.org "Title") and <https://example.org/auto>.',
    "Kainos (2024 m.) kilo 5 % — „citata“ ir [nuoroda](https://lrt.lt/a_(b)).",
    fill("Rusija ir Šiaurės Korėja pasirašė [sutartį](https://example.org), *teigia* Kremlius. ", 1_000)
    + "\n\n"
    + fill("Antra pastraipa su **paryškinimu** ir paprastu tekstu. ", 1_000),
]

PATHOLOGICAL = {
    "brackets": fill("["),
    "image brackets": fill("![["),
    "open links": fill("[a]("),
    "open link parentheses": fill("[a]((("),
    "reference brackets": fill("[x]["),
    "brackets and parentheses": fill("(["),
    "emphasis": fill("*a **b "),
    "emphasis pairs": fill("*a*"),
    "underscores": fill("_"),
    "stars and underscores": fill("*_"),
    "backticks": fill("`"),
    "backticks and brackets": fill("``["),
    "less-than": fill("<"),
    "open tags": fill("<a "),
    "open quoted attributes": fill("<b c='"),
    "autolinks": fill("<http://a"),
    "cdata": fill("<![CDATA["),
    "quote markers": fill(">"),
    "nested quotes by line": "\n".join("> " * i + "x" for i in range(1, 400))[:MAX],
    "list indentation": "\n".join("    " * i + "- x" for i in range(300))[:MAX],
    "list markers on one line": fill("+ "),
    "setext underlines": fill("a\n=\n"),
    "rules": fill("-\n"),
    "headings": fill("# a\n"),
    "escapes": fill("\\*"),
    "entities": fill("&amp;"),
    "one-character paragraphs": fill("a\n\n"),
}


# Validation -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", seed_bodies() + NORMAL_BODIES)
def test_normal_bodies_are_accepted_and_render_as_before(body):
    validate_section_body(body)
    assert markdown_is_cheap(body)
    assert render_markdown(body) == markdown_as_before(body)


def test_a_body_of_the_largest_size_is_accepted():
    validate_section_body("a" * MAX)


def test_a_body_too_long_is_refused_with_its_length():
    with pytest.raises(ValidationError) as refused:
        validate_section_body("a" * 31_204)
    assert refused.value.code == "section_too_long"
    assert refused.value.messages == ["A section may have at most 30,000 characters; this one has 31,204."]


@override_settings(BRIEFS_SECTION_MAX_CHARS=100)
def test_the_length_limit_is_a_setting():
    validate_section_body("a" * 100)
    with pytest.raises(ValidationError) as refused:
        validate_section_body("a" * 101)
    assert refused.value.messages == ["A section may have at most 100 characters; this one has 101."]


@pytest.mark.parametrize(
    "body",
    [
        "- a\n    - b\n        - c\n            - d\n                - e",
        "> > > > > five quotes",
        "> - > - > a quote in a list in a quote",
        "- - - - - a",
        "\n".join("    " * i + "- x" for i in range(100)),
        ">" * 1_000,
    ],
)
def test_nesting_too_deep_is_refused(body):
    with pytest.raises(ValidationError) as refused:
        validate_section_body(body)
    assert refused.value.code == "section_too_deep"
    assert refused.value.messages == ["Lists may be nested at most 4 levels deep."]


@override_settings(BRIEFS_SECTION_MAX_NESTING=1)
def test_the_nesting_limit_is_a_setting():
    validate_section_body("- a\n- b\n\n> quote")
    with pytest.raises(ValidationError, match="at most 1 level deep"):
        validate_section_body("- a\n    - b")


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        ("Plain text.", 0),
        ("* * *", 0),  # a rule, not three lists
        ("- - -", 0),
        ("        indented code, no list", 0),
        ("- a", 1),
        ("- a\n    - b", 2),
        ("- a\n\t- b", 2),
        ("1. a\n    1. b\n        1. c", 3),
        ("> > quote", 2),
        ("> - a", 2),
        ("- - a", 2),
    ],
)
def test_nesting_is_measured_from_the_source(body, depth):
    assert nesting_depth(body) == depth


# Rendering ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_a_pathological_body_is_rendered_plain_and_in_bounded_time(name):
    body = PATHOLOGICAL[name]
    assert not markdown_is_cheap(body)
    started = time.perf_counter()
    rendered = render_markdown(body)
    assert time.perf_counter() - started < HANG_SECONDS
    assert rendered == render_plain_text(body)
    assert "<script" not in rendered
    # Nothing the author typed is lost: every "[", "<" and "*" is still there, escaped.
    assert visible(rendered) == "".join(body.split())


def test_a_list_nested_three_hundred_deep_renders_without_recursion_error():
    body = "\n".join("    " * i + "- item" for i in range(300))
    rendered = render_markdown(body)
    assert rendered.count("item") == 300
    assert rendered.startswith("<p>")


def test_a_recursion_error_in_markdown_falls_back_to_plain_text(monkeypatch):
    def too_deep(*args, **kwargs):
        raise RecursionError

    monkeypatch.setattr(text.markdown, "markdown", too_deep)
    assert render_markdown("Some *text*") == "<p>Some *text*</p>"


def test_a_body_longer_than_allowed_renders_plain():
    body = "*a* " * (MAX // 4 + 1)
    assert not markdown_is_cheap(body)
    assert render_markdown(body) == render_plain_text(body)


def test_plain_rendering_escapes_and_keeps_paragraphs_and_lines():
    rendered = render_plain_text("a <script>alert(1)</script>\r\nb & c\n\n\n  [d](javascript:x)  \n")
    assert rendered == (
        "<p>a &lt;script&gt;alert(1)&lt;/script&gt;<br>\nb &amp; c</p>\n<p>[d](javascript:x)</p>"
    )
    assert render_plain_text(" \n\n ") == ""


# Word diff ------------------------------------------------------------------------------------------------


def long_body(size: int = MAX, salt: str = "") -> str:
    words = " ".join(seed_bodies()).split()
    paragraphs, length, index = [], 0, 0
    while length < size:
        paragraph = " ".join(words[(index + k * 7) % len(words)] + salt for k in range(120))
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
        index += 1
    return "\n\n".join(paragraphs)[:size]


def rebuilds(ops, old, new):
    return (
        "".join(t for op, t in ops if op != INSERT) == old
        and "".join(t for op, t in ops if op != DELETE) == new
        and all(t for _, t in ops)
    )


def test_word_diff_of_a_long_body_with_one_word_added_inserts_just_that_word():
    old = long_body()
    at = old.index(" ", len(old) // 2)
    new = old[:at] + " naujas" + old[at:]
    started = time.perf_counter()
    ops = word_diff(old, new)
    assert time.perf_counter() - started < HANG_SECONDS
    assert rebuilds(ops, old, new)
    assert [(op, t.strip()) for op, t in ops if op != EQUAL] == [(INSERT, "naujas")]


def test_word_diff_of_a_long_body_rewritten_is_bounded_and_rebuilds_both():
    old, new = long_body(), long_body(salt="x")
    started = time.perf_counter()
    ops = word_diff(old, new)
    assert time.perf_counter() - started < HANG_SECONDS
    assert rebuilds(ops, old, new)


def test_word_diff_of_a_long_body_with_every_paragraph_edited_stays_word_precise():
    old = long_body()
    new = "\n\n".join(p.replace(" ", " naujas ", 1) for p in old.split("\n\n"))
    ops = word_diff(old, new)
    assert rebuilds(ops, old, new)
    assert {t.strip() for op, t in ops if op != EQUAL} == {"naujas"}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("." * 500, ",." * 250),
        ("a " * 250, "a  " * 250),
        ("a.\n" * 10_000, "a,\n" * 10_000),
        ("a b\n" * 7_500, "b a\n" * 7_500),
    ],
    ids=["dots", "doubled spaces", "lines", "swapped words"],
)
def test_word_diff_of_repetitive_text_is_bounded(old, new):
    # Repeated tokens once made SequenceMatcher take seconds on a few hundred of them.
    started = time.perf_counter()
    ops = word_diff(old, new)
    assert time.perf_counter() - started < HANG_SECONDS
    assert rebuilds(ops, old, new)


def test_word_diff_of_short_texts_is_as_precise_as_before():
    assert word_diff("a b c", "a x c") == ((EQUAL, "a "), (DELETE, "b"), (INSERT, "x"), (EQUAL, " c"))


# Cleaning -------------------------------------------------------------------------------------------------

# Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
XML_CHARS = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
REMOVED = (
    [chr(c) for c in range(0x00, 0x20) if chr(c) not in "\t\n\r"]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff", "\ud800", "\udfff"]
)
BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def is_xml_text(value: str) -> bool:
    return XML_CHARS.fullmatch(value) is not None


@pytest.mark.parametrize("char", REMOVED, ids=lambda c: f"U+{ord(c):04X}")
def test_clean_text_and_clean_line_remove_characters_xml_cannot_carry(char):
    assert clean_text(f"a{char}b") == "ab"
    assert clean_line(f"a{char}b") == "ab"


def test_clean_text_keeps_tabs_and_line_feeds_and_makes_every_line_end_a_line_feed():
    assert clean_text("a\tb\nc\r\nd\re") == "a\tb\nc\nd\ne"


def test_clean_line_makes_line_breaks_and_tabs_one_space():
    assert clean_line("  Title\twith\r\n\n a  break \u2028 and more \n") == "Title with a  break and more"


def test_bidirectional_formatting_is_kept():
    value = f"שלום {BIDI} world"
    assert clean_text(value) == value
    assert clean_line(value) == value


def test_every_character_left_is_legal_in_xml():
    everything = "".join(chr(c) for c in range(0x110000))
    assert is_xml_text(clean_text(everything))
    assert is_xml_text(clean_line(everything))


def feed_xml(title: str) -> bytes:
    feed = Atom1Feed(title="Briefs", link="https://example.org/", description="d")
    feed.add_item(title=title, link="https://example.org/1", description=title)
    return feed.writeString("utf-8").encode()


def test_a_cleaned_title_makes_a_well_formed_feed():
    pasted = "Vertical\x0btab from Word\ufffe and\x00 more\x85"
    # Uncleaned, the control character stops the feed (a 500) and U+FFFE makes it ill-formed.
    with pytest.raises(UnserializableContentError):
        feed_xml(pasted)
    with pytest.raises(ET.ParseError):
        ET.fromstring(feed_xml("Word\ufffe"))  # noqa: S314 - our own output
    parsed = ET.fromstring(feed_xml(clean_line(pasted)))  # noqa: S314 - our own output
    titles = [e.text for e in parsed.iter("{http://www.w3.org/2005/Atom}title")]
    assert titles == ["Briefs", "Verticaltab from Word and more"]


# Properties -----------------------------------------------------------------------------------------------

MARKDOWNISH = st.text(alphabet=st.sampled_from(list("[]()*_`<>#-+> \n0123456789ab!&\\\"'=:")), max_size=600)
PROPERTIES = settings(max_examples=200, deadline=2_000, suppress_health_check=[HealthCheck.too_slow])


@PROPERTIES
@given(st.text(max_size=600))
def test_any_unicode_text_renders(source):
    rendered = render_markdown(source)
    assert isinstance(rendered, str)
    assert "<script" not in rendered


@PROPERTIES
@given(MARKDOWNISH)
def test_any_markdownish_text_renders_as_markdown_or_plain(source):
    rendered = render_markdown(source)
    expected = markdown_as_before(source) if markdown_is_cheap(source) else render_plain_text(source)
    assert rendered == expected


@PROPERTIES
@given(MARKDOWNISH, MARKDOWNISH)
def test_word_diff_of_markdownish_text_rebuilds_both(old, new):
    assert rebuilds(word_diff(old, new), old, new)


@PROPERTIES
@given(st.text(max_size=300))
def test_cleaned_text_is_xml_and_cleaning_is_idempotent(value):
    cleaned, line = clean_text(value), clean_line(value)
    assert is_xml_text(cleaned) and is_xml_text(line)
    assert clean_text(cleaned) == cleaned and clean_line(line) == line
    assert not set("\n\t\r") & set(line)
