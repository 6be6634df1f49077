"""Section text: Markdown limited to paragraphs, emphasis, links and lists, sanitized with nh3.

Also the checks at the edges where text comes in: control characters that no page or feed can carry are
cleaned away, section bodies are held to a length and a nesting depth, and the renderer stays fast on any
input, including rows that never went through those checks.
"""

import bisect
import html
import re
from dataclasses import dataclass

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import ngettext

from . import conf

ALLOWED_TAGS = {"p", "em", "strong", "a", "ul", "ol", "li", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_TAG = re.compile(r"<[^>]+>")


def _sanitize(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    """Markdown to safe HTML. Anything outside the allowed subset is dropped, never passed through.

    Python-Markdown is quadratic or worse on some inputs (runs of ``[``, unclosed tags, thousands of
    headings in one block...) and recurses once per level of list nesting. A body it would be slow on,
    judged by :func:`markdown_cost` in linear time, is shown as plain escaped paragraphs instead, so the
    cost of any body stays bounded and roughly linear in its length.
    """
    if not source.strip():
        return ""
    if not markdown_is_cheap(source):
        return render_plain_text(source)
    try:
        # Raw HTML in the source is escaped by Markdown's own rules only partly, so nh3 has the last word.
        raw = markdown.markdown(source, extensions=[], output_format="html")
    except RecursionError:
        # The cost model keeps nesting shallow; this is the last line of defence for what it missed.
        return render_plain_text(source)
    return _sanitize(raw)


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def render_plain_text(source: str) -> str:
    """``source`` as escaped paragraphs, with no Markdown: split on blank lines, ``<br>`` for single
    newlines. Linear in the length of the text whatever it holds; the fallback of :func:`render_markdown`."""
    text = source.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    paragraphs = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        lines = [html.escape(line.strip(), quote=False) for line in paragraph.split("\n")]
        paragraphs.append("<p>" + "<br>\n".join(line for line in lines if line) + "</p>")
    return _sanitize("\n".join(paragraphs))


def html_to_paragraphs(rendered: str) -> list[str]:
    """The readable text of rendered HTML, one string per block."""
    blocks = re.split(r"</(?:p|li)>", rendered)
    texts = [html.unescape(_TAG.sub("", block)).strip() for block in blocks]
    return [t for t in texts if t]


def paragraphs_to_markdown(paragraphs) -> str:
    """Plain paragraphs as a Markdown body, escaping what Markdown would otherwise interpret."""
    return "\n\n".join(escape_markdown(p.strip()) for p in paragraphs if p.strip())


_BLOCK_START = re.compile(r"^(\s*)(#+|[-+*]|\d+[.)])(?=\s|$)")
_INLINE = re.compile(r"([\\`*_\[\]>])")


def escape_markdown(text: str) -> str:
    """Escape ``text`` so that Markdown renders it as the same plain paragraph."""
    # Markdown has no backslash escape for "<" and keeps entities, so both go in as entities.
    text = _INLINE.sub(r"\\\1", text.replace("&", "&amp;").replace("<", "&lt;"))
    match = _BLOCK_START.match(text)
    if match:
        marker = match.group(2)
        escaped = marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else "\\" + marker
        text = match.group(1) + escaped + text[match.end(2) :]
    return text


_WORD = re.compile(r"\w+|[^\w\s]|\s+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Words, punctuation and runs of white space: the units of a word-level diff."""
    return _WORD.findall(text or "")


# Validation ---------------------------------------------------------------------------------------------

# One step into a line: indentation then a quote marker, or a list marker followed by a space (Markdown
# needs the space; "-" alone is not an item). Indentation counts only where it comes before a marker,
# since indented text without one is a code block and nests nothing.
_PREFIX_STEP = re.compile(r"( *)(>|[-+*](?= )|\d{1,9}[.)](?= ))")


def _normalized_lines(text: str) -> list[str]:
    # What Markdown does first: one kind of line end, tabs as four columns.
    return text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4).split("\n")


@dataclass
class _Line:
    depth: int  # lists and quotes open at the end of the prefix
    quotes: int
    items: int  # list markers on the line
    rest: str  # the line after its quote and list markers


def _rule_range(line: str) -> tuple[int, int]:
    """Where a list marker would start a rule ("* * *", "- - -") rather than a list: positions from which
    the rest of the line is one of ``-*_`` at least three times, with spaces. Found once per line, so that
    a line of thousands of markers stays linear."""
    end = len(line.rstrip(" "))
    if not end or line[end - 1] not in "-*_":
        return 1, 0
    char = line[end - 1]
    seen = []
    pos = end - 1
    while pos >= 0 and line[pos] in (char, " "):
        if line[pos] == char:
            seen.append(pos)
        pos -= 1
    return (pos + 1, seen[2]) if len(seen) >= 3 else (1, 0)


def _parse_line(line: str, stop: int) -> _Line:
    """The quote and list markers that open ``line``; parsing stops once the depth passes ``stop``."""
    depth = quotes = items = 0
    pos = 0
    after_item = False
    rule_from, rule_to = _rule_range(line)
    while depth <= stop:
        match = _PREFIX_STEP.match(line, pos)
        if match is None:
            break
        marker = match.group(2)
        if marker != ">" and rule_from <= match.start(2) <= rule_to:
            break
        # Python-Markdown nests a list for each four columns of indentation before its marker; after a
        # list marker the spaces only separate it from its text.
        if not after_item:
            depth += len(match.group(1)) // 4
        if marker == ">":
            quotes += 1
            after_item = False
        else:
            items += 1
            after_item = True
        depth += 1
        pos = match.end()
        if marker == ">" and line.startswith(" ", pos):
            pos += 1
    return _Line(depth, quotes, items, line[pos:])


def nesting_depth(text: str, stop: int = 100) -> int:
    """How deep lists and quotes nest in Markdown ``text``, measured on the source in linear time.

    Each list marker and ``>`` at the start of a line opens a level, as does each four columns of
    indentation before a list marker. It can overstate the depth of odd layouts, never understate it.
    Counting stops a level past ``stop``: a deeper text is only known to be deeper than that.
    """
    if not text:
        return 0
    return max(_parse_line(line, stop).depth for line in _normalized_lines(text))


def validate_section_body(body: str) -> None:
    """Refuse a section body longer than ``BRIEFS_SECTION_MAX_CHARS`` characters or with lists or quotes
    nested deeper than ``BRIEFS_SECTION_MAX_NESTING`` levels.

    Raises :class:`~django.core.exceptions.ValidationError` with code ``"section_too_long"`` or
    ``"section_too_deep"``; the numbers in ``params`` are formatted for the active language.
    """
    body = body or ""
    limit = conf.section_max_chars()
    if len(body) > limit:
        raise ValidationError(
            ngettext(
                "A section may have at most %(limit)s character; this one has %(length)s.",
                "A section may have at most %(limit)s characters; this one has %(length)s.",
                limit,
            ),
            code="section_too_long",
            params={"limit": _number(limit), "length": _number(len(body))},
        )
    deepest = conf.section_max_nesting()
    if nesting_depth(body, stop=deepest) > deepest:
        raise ValidationError(
            ngettext(
                "Lists may be nested at most %(limit)s level deep.",
                "Lists may be nested at most %(limit)s levels deep.",
                deepest,
            ),
            code="section_too_deep",
            params={"limit": _number(deepest)},
        )


def _number(value: int) -> str:
    # "30,000" in English, "30.000" in Lithuanian: grouped as the active language writes numbers.
    return number_format(value, force_grouping=True)


# What Python-Markdown would cost ------------------------------------------------------------------------

# Characters at which an inline pattern of Python-Markdown starts an attempt. Each attempt may scan or copy
# the rest of its paragraph, and each match adds an element whose place among its siblings is looked up in
# a list: the costs that are quadratic in a paragraph full of them.
_INLINE_TRIGGERS = "[`<&*_\\"
# A line starting otherwise has no quote or list marker and is not a heading, rule or definition.
_PREFIX_CHARS = frozenset(" >-+*0123456789#[=_")
_REFERENCE = re.compile(r"\[[^\]]*\]:")
_HTML_OPENER = re.compile(r"<[A-Za-z/!?]")

# Weights in microseconds, fitted on Python-Markdown 3.11 on a shared two-core machine whose speed varies
# by half (bench/bench_worst_input.py shows the figures): what each kind of work costs at most, and the
# most a body may cost before it is shown plain. The longest allowed body of dense Markdown (a link and
# two emphases every 120 characters) is estimated at 47 ms and takes 20 to 35 ms; bodies Markdown is
# quadratic on are estimated at seconds and shown plain in a few milliseconds.
_US_PER_CALL = 1_000.0
_US_PER_CHAR = 0.3
_US_PER_LINE = 1.0
_US_PER_ELEMENT = 50.0
_US_PER_TRIGGER = 20.0
_US_PER_SIBLING_PAIR = 0.002
_US_PER_COPIED_CHAR = 0.0001
_US_PER_SPLIT_CHAR = 0.02
_US_PER_SCANNED_CHAR = 0.15
_US_PER_TAG = 10.0
_US_PER_HTML_CHAR = 0.1
MARKDOWN_BUDGET_US = 50_000
# Past these the estimate itself is not worth computing: no body of prose comes near them.
_MAX_LINES = 3_000
_MAX_SCANNED = 8_000
_INFINITE = float("inf")


def markdown_is_cheap(source: str) -> bool:
    """Whether Python-Markdown renders ``source`` quickly: :func:`markdown_cost` within the budget."""
    return markdown_cost(source) <= MARKDOWN_BUDGET_US


def markdown_cost(source: str) -> float:
    """An upper estimate, in microseconds, of what rendering ``source`` with Python-Markdown costs.

    Linear in the length of ``source``. Infinite for a body longer than ``BRIEFS_SECTION_MAX_CHARS`` or
    nesting deeper than ``BRIEFS_SECTION_MAX_NESTING``: those are refused on input, and rendering them is
    not tried. The estimate stops adding once it is over :data:`MARKDOWN_BUDGET_US`.
    """
    if len(source) > conf.section_max_chars():
        return _INFINITE
    lines = _normalized_lines(source)
    if len(lines) > _MAX_LINES:
        return _INFINITE
    deepest = conf.section_max_nesting()
    cost = _US_PER_CALL + _US_PER_CHAR * sum(len(line) + 1 for line in lines) + _US_PER_LINE * len(lines)
    elements = 0.0
    # Runs of lines that Markdown's inline patterns see as one text at most: split at blank lines, and at
    # a quote's blank lines, which split the quote's own text. Each with the number of splits in it.
    blocks: list[tuple[str, float]] = []
    block: list[str] = []
    splits = 0.0
    previous_quotes = 0
    previous_empty_quote = False
    for line in lines:
        if not line.strip():
            if block:
                blocks.append(("\n".join(block), splits))
            block, splits, previous_quotes, previous_empty_quote = [], 0.0, 0, False
            continue
        if line[0] in _PREFIX_CHARS:
            shape = _parse_line(line, deepest)
            if shape.depth > deepest:
                return _INFINITE
            depth, quotes, items, rest = shape.depth, shape.quotes, shape.items, shape.rest
        else:
            depth, quotes, items, rest = 0, 0, 0, line
        empty_quote = quotes > 0 and not rest.strip()
        if quotes:
            # Where a quote starts or changes level the block is cut and the rest parsed again; so it is
            # after a second blank line in a row inside a quote.
            split = quotes != previous_quotes or (empty_quote and previous_empty_quote)
        else:
            split = rest[:1] in _PREFIX_CHARS and _splits(rest)
        # What is nested in a list or a quote is parsed again at each level, if more cheaply.
        weight = max(1.0, (1 + depth) / 2)
        if split:
            splits += weight
        if split or items or not block:
            elements += weight
            if _US_PER_ELEMENT * elements > MARKDOWN_BUDGET_US:
                return _INFINITE
        previous_quotes, previous_empty_quote = quotes, empty_quote
        if empty_quote:
            if block:
                blocks.append(("\n".join(block), splits))
            block, splits = [], 0.0
        else:
            block.append(line)
    if block:
        blocks.append(("\n".join(block), splits))
    cost += _US_PER_ELEMENT * elements
    for body, splits in blocks:
        cost += _US_PER_SPLIT_CHAR * splits * len(body)
        triggers = sum(body.count(char) for char in _INLINE_TRIGGERS) + body.count("  \n")
        if triggers:
            # Each match puts a placeholder of about fourteen characters in place of as few as two.
            stretched = len(body) + 12 * triggers
            cost += (
                _US_PER_TRIGGER * triggers
                + _US_PER_SIBLING_PAIR * triggers * triggers
                + _US_PER_COPIED_CHAR * triggers * stretched
            )
            if cost > MARKDOWN_BUDGET_US:
                return cost
            scanned = _scanned_chars(body)
            if scanned is None:
                return _INFINITE
            cost += _US_PER_SCANNED_CHAR * scanned * stretched / len(body)
        if cost > MARKDOWN_BUDGET_US:
            return cost
    if "<" in source:
        tags, scanned = _html_scanned_chars("\n".join(lines))
        cost += _US_PER_TAG * tags + _US_PER_HTML_CHAR * scanned
    return cost


def _splits(rest: str) -> bool:
    rest = rest.lstrip(" ")
    if not rest or rest[0] == "#" or _REFERENCE.match(rest):
        return True
    # A rule or a setext underline: nothing but these characters (str.strip, not a regex, so that a long
    # line of them is not a backtracking trap).
    return not rest.strip("-=_*+ ")


def _scanned_chars(block: str) -> int | None:
    """How many characters Python-Markdown's own loops walk through in ``block``: from each ``[`` to its
    ``]``, from each ``](`` to its ``)`` and from each run of backticks to the next run as long. None when
    there are too many openers to be worth counting."""
    openers = block.count("[") + block.count("`")
    if "](" in block:
        openers += block.count("(") + block.count(")")
    if not openers:
        return 0
    if openers > _MAX_SCANNED:
        return None
    end = len(block)
    # Closers Markdown may not see: escaped ones, and any between the first and last backtick, where a
    # code span could hide them. Leaving a closer out only lengthens the scans counted.
    first_tick, last_tick = block.find("`"), block.rfind("`")

    def hidden(pos: int) -> bool:
        return (pos and block[pos - 1] == "\\") or first_tick < pos < last_tick

    scanned = 0
    # Each "[" is tried by three processors (reference, link, short reference) or their image twins.
    open_brackets: list[int] = []
    for match in re.finditer(r"[\[\]]", block):
        pos = match.start()
        if block[pos] == "[":
            open_brackets.append(pos)
        elif open_brackets and not hidden(pos):
            scanned += 3 * (pos - open_brackets.pop())
    scanned += sum(3 * (end - pos) for pos in open_brackets)
    # A link's destination is read up to the matching ")"; a quote inside it may take the scan further.
    if "](" in block:
        quotes = [m.start() for m in re.finditer("['\"]", block)]
        closes = {}
        stack: list[int] = []
        for match in re.finditer(r"[()]", block):
            pos = match.start()
            if block[pos] == "(":
                stack.append(pos)
            elif stack and not hidden(pos):
                closes[stack.pop()] = pos
        for match in re.finditer(r"\]\(", block):
            start = match.end() - 1
            close = closes.get(start, end)
            if bisect.bisect(quotes, close) != bisect.bisect(quotes, start):
                close = end
            scanned += 2 * (close - start)
    # A run of backticks looks ahead for a run of the same length, to the end of the block if none.
    if first_tick >= 0:
        following: dict[int, int] = {}
        for match in reversed(list(re.finditer(r"`+", block))):
            length = len(match.group())
            scanned += following.get(length, end) - match.start()
            following[length] = match.start()
    return scanned


def _html_scanned_chars(text: str) -> tuple[int, int]:
    """How many ``<`` may open a tag in ``text``, and how far in all the HTML parser that Python-Markdown
    runs over the whole text looks from them: to the next ``>``, or to the end when a quote (which may hide
    a ``>``) or a comment, declaration or processing instruction comes first."""
    tags = scanned = 0
    cap = 10 * len(text) + 1_000_000
    for match in _HTML_OPENER.finditer(text):
        start = match.start()
        close = text.find(">", start)
        if close < 0 or text[start + 1] in "!?" or "'" in text[start:close] or '"' in text[start:close]:
            close = len(text)
        tags += 1
        scanned += close - start
        if scanned > cap:
            break
    return tags, scanned


# Cleaning -----------------------------------------------------------------------------------------------

# C0 controls but tab and line feed, DEL and the C1 controls, the noncharacters and lone surrogates: none
# is allowed in XML 1.0 (so a feed carrying one fails), none is text anyone meant to type.
_NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)
_SPACE_RUN = re.compile(r"\s+")
_BREAKS = frozenset("\n\t\u2028\u2029")


def clean_text(value: str) -> str:
    """``value`` with line ends made ``\\n`` and every character XML 1.0 cannot carry removed.

    Removed: C0 controls other than tab and line feed, DEL, C1 controls, Unicode noncharacters and lone
    surrogates. Kept: everything else, including the bidirectional formatting characters that right-to-left
    text needs (output is escaped wherever it goes).
    """
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_TEXT.sub("", value)


def _one_line(match: re.Match) -> str:
    run = match.group()
    return " " if any(char in _BREAKS for char in run) else run


def clean_line(value: str) -> str:
    """:func:`clean_text` for a single-line field (a title, a heading): a run of white space holding a
    line break or a tab becomes one space, and the ends are stripped."""
    return _SPACE_RUN.sub(_one_line, clean_text(value)).strip()
