"""Section text: Markdown limited to paragraphs, emphasis, links and lists, sanitized with nh3."""

import html
import re

import markdown
import nh3

ALLOWED_TAGS = {"p", "em", "strong", "a", "ul", "ol", "li", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_TAG = re.compile(r"<[^>]+>")


def render_markdown(source: str) -> str:
    """Markdown to safe HTML. Anything outside the allowed subset is dropped, never passed through."""
    if not source.strip():
        return ""
    # Raw HTML in the source is escaped by Markdown's own rules only partly, so nh3 has the last word.
    raw = markdown.markdown(source, extensions=[], output_format="html")
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


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
