"""Plain-text and Markdown briefs in and out.

Two input formats are read:

* **Plain text**, as newsrooms receive wire copy and translations: UTF-8, one paragraph per line, blank
  lines ignored. A line is a heading when it is short, has no sentence-final punctuation, starts with a
  capital letter or a digit (after any opening quotation mark), follows a finished paragraph and is
  followed by text. Lines before the first heading are the unheaded lead. Paragraphs are escaped, so
  that a stray ``*`` or ``#`` in wire copy is shown as written.
* **Markdown**, as written by :func:`briefs.exporting.brief_to_markdown`: the file opens with
  ``# Title``; ``## Heading`` lines start sections (a bare ``##`` is a section without a heading); the
  text between them is the section body, kept verbatim. A body line that starts with ``#`` is written
  with one extra leading backslash, which the reader removes again, so every body survives the round
  trip.

Parsing is pure and raises :class:`BriefImportError` with a message meant for the person importing.
:func:`import_brief` writes the brief through :mod:`briefs.services`, so the import is one Revision.
"""

from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from . import conf, rules, services
from .actors import SystemActor
from .models import Brief, Entity
from .recognition import (
    AliasIndex,
    Suggestion,
    build_alias_index,
    possible_new_entities,
    section_text,
    suggest_entities,
)
from .text import paragraphs_to_markdown, validate_section_body

__all__ = [
    "BriefImportError",
    "ImportPlan",
    "ParsedBrief",
    "ParsedSection",
    "decode",
    "import_brief",
    "is_heading",
    "parse_bytes",
    "parse_text",
    "plan_import",
    "read_brief_file",
]

# A heading is a short line: more than this reads as a sentence that lost its full stop.
HEADING_MAX_CHARS = 100
HEADING_MAX_WORDS = 12
HEADING_FIELD_MAX_CHARS = 255
_CLOSERS = "\"'“”„‘’»«)]›‹"
_OPENERS = "\"'“”„‘’«»([‹›"
_FINAL = ".!?…:;,"
_MD_TITLE = re.compile(r"^# (?P<title>.*\S.*)$")
_MD_HEADING = re.compile(r"^##(?:[ \t]+(?P<heading>.*))?$")
MD_ESCAPED = re.compile(r"^\\*#")
_LIST_ITEM = re.compile(r"^(?:[-*+•–—]|\d+[.)])\s")


class BriefImportError(ValueError):
    """The input cannot become a brief. The message says why, in terms of the file."""


@dataclass(frozen=True)
class ParsedSection:
    heading: str
    body: str

    @property
    def paragraph_count(self) -> int:
        return len([block for block in re.split(r"\n[ \t]*\n", self.body) if block.strip()])


@dataclass(frozen=True)
class ParsedBrief:
    sections: tuple[ParsedSection, ...]
    title: str = ""
    format: str = "plain"


# Reading ----------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of ``data``, or a :class:`BriefImportError` saying what is wrong with it."""
    if len(data) > conf.import_max_bytes():
        raise BriefImportError(
            f"The file is {len(data)} bytes long; the limit is {conf.import_max_bytes()} bytes."
        )
    nul = data.find(b"\x00")
    if nul != -1:
        raise BriefImportError(f"This looks like a binary file, not text: it has a NUL byte at offset {nul}.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BriefImportError(
            f"The file is not valid UTF-8: byte 0x{data[error.start]:02x} at offset {error.start} "
            f"cannot be decoded. Save it as UTF-8 and try again."
        ) from None
    return text.removeprefix("\ufeff")


def _lines(text: str) -> list[str]:
    # Not str.splitlines(): it also splits on form feeds and Unicode separators, which are text here.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    limit = conf.import_max_line_chars()
    for number, line in enumerate(lines, start=1):
        if len(line) > limit:
            raise BriefImportError(f"Line {number} is {len(line)} characters long; the limit is {limit}.")
        for char in line:
            if char != "\t" and unicodedata.category(char) == "Cc":
                raise BriefImportError(
                    f"Line {number} contains the control character U+{ord(char):04X}; "
                    f"this does not look like a text file."
                )
    return lines


def _ends_sentence(line: str) -> bool:
    stripped = line.rstrip().rstrip(_CLOSERS).rstrip()
    return bool(stripped) and stripped[-1] in _FINAL


def is_heading(line: str, previous: str | None, following: str | None) -> bool:
    """Whether a plain-text ``line`` is a heading, given the non-blank lines around it (``None`` at the
    start or end of the file)."""
    line = line.strip()
    if not line or following is None:
        return False
    if len(line) > HEADING_MAX_CHARS or len(line.split()) > HEADING_MAX_WORDS:
        return False
    if _ends_sentence(line) or line.rstrip(_CLOSERS).rstrip() == "":
        return False
    if _LIST_ITEM.match(line):
        return False
    first = line.lstrip(_OPENERS + " ")[:1]
    if not first or not (first.isupper() or first.isdigit()):
        return False
    # A line after an unfinished paragraph (or after another heading) continues it.
    return previous is None or _ends_sentence(previous)


def _check_count(count: int) -> None:
    if count > conf.import_max_sections():
        raise BriefImportError(
            f"The text has {count} sections; the limit is {conf.import_max_sections()}. "
            f"Is every line being taken for a heading?"
        )


def _parse_plain(lines: list[str]) -> ParsedBrief:
    paragraphs = [line.strip() for line in lines if line.strip()]
    groups: list[tuple[str, list[str]]] = [("", [])]
    for number, line in enumerate(paragraphs):
        previous = paragraphs[number - 1] if number else None
        following = paragraphs[number + 1] if number + 1 < len(paragraphs) else None
        if is_heading(line, previous, following):
            groups.append((" ".join(line.split()), []))
            _check_count(len(groups) - (0 if groups[0][1] else 1))
        else:
            groups[-1][1].append(line)
    if not groups[0][1]:
        groups.pop(0)
    return ParsedBrief(
        tuple(ParsedSection(heading, paragraphs_to_markdown(body)) for heading, body in groups)
    )


def trim_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _parse_markdown(lines: list[str], title: str, after: int) -> ParsedBrief:
    groups: list[tuple[str | None, list[str]]] = [(None, [])]
    for number, line in enumerate(lines[after:], start=after + 1):
        heading = _MD_HEADING.match(line)
        if heading:
            text = (heading.group("heading") or "").strip()
            if len(text) > HEADING_FIELD_MAX_CHARS:
                raise BriefImportError(
                    f"The heading on line {number} is {len(text)} characters long; "
                    f"the limit is {HEADING_FIELD_MAX_CHARS}."
                )
            groups.append((text, []))
            _check_count(len(groups) - 1)
        else:
            groups[-1][1].append(line[1:] if MD_ESCAPED.match(line) and line[0] == "\\" else line)
    sections = []
    for heading, body in groups:
        body = "\n".join(trim_blank(body))
        if heading is None and not body:
            continue
        sections.append(ParsedSection(heading or "", body))
    _check_count(len(sections))
    return ParsedBrief(tuple(sections), title=title, format="markdown")


def parse_text(text: str) -> ParsedBrief:
    """Sections of a plain-text or Markdown brief. Raises :class:`BriefImportError`."""
    lines = _lines(text)
    if not any(line.strip() for line in lines):
        raise BriefImportError("The file is empty or contains only white space.")
    first = next(number for number, line in enumerate(lines) if line.strip())
    title = _MD_TITLE.match(lines[first])
    parsed = _parse_markdown(lines, title.group("title").strip(), first + 1) if title else _parse_plain(lines)
    if not parsed.sections:
        raise BriefImportError("The file has a title but no text.")
    return parsed


def parse_bytes(data: bytes) -> ParsedBrief:
    return parse_text(decode(data))


def read_brief_file(path: str | Path) -> ParsedBrief:
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > conf.import_max_bytes():
            # Refused before reading, so an oversized upload costs no memory.
            raise BriefImportError(
                f"The file is {path.stat().st_size} bytes long; the limit is {conf.import_max_bytes()} bytes."
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise BriefImportError(f"No such file: {path}") from None
    except IsADirectoryError:
        raise BriefImportError(f"{path} is a directory, not a file.") from None
    except OSError as error:
        raise BriefImportError(f"Cannot read {path}: {error.strerror}") from None
    return parse_bytes(data)


# Writing --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedSection:
    section: ParsedSection
    suggestions: tuple[Suggestion, ...]
    possible_new: tuple[str, ...]


@dataclass(frozen=True)
class ImportPlan:
    title: str
    slug: str
    language: str
    sections: tuple[PlannedSection, ...]


def plan_import(
    parsed: ParsedBrief,
    *,
    title: str = "",
    slug: str = "",
    language: str = "lt",
    index: AliasIndex | None = None,
) -> ImportPlan:
    """Everything an import would write, checked against the database but writing nothing."""
    title = " ".join((title or parsed.title).split())
    if not title:
        raise BriefImportError("The brief needs a title: pass --title.")
    if len(title) > Brief._meta.get_field("title").max_length:
        raise BriefImportError("The title is longer than 255 characters.")
    explicit = bool(slug)
    slug = slug or slugify(title)[: Brief._meta.get_field("slug").max_length].strip("-")
    if not slug:
        raise BriefImportError("No slug can be made from this title: pass --slug.")
    try:
        Brief(title=title, slug=slug, language=language).full_clean(
            validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        raise BriefImportError(_validation_message(error)) from None
    if Brief.objects.filter(slug=slug).exists():
        hint = "" if explicit else " Choose another with --slug."
        raise BriefImportError(f"A brief with the slug “{slug}” already exists.{hint}")
    if index is None:
        index = build_alias_index(Entity.objects.current(), language)
    planned = []
    for number, section in enumerate(parsed.sections):
        try:
            validate_section_body(section.body)
        except ValidationError as error:
            name = section.heading or "the lead"
            raise BriefImportError(f"Section {number} ({name}): {' '.join(error.messages)}") from None
        text = section_text(section.heading, section.body)
        planned.append(
            PlannedSection(
                section,
                tuple(suggest_entities(text, language, index=index)),
                tuple(possible_new_entities(text, language, index)),
            )
        )
    return ImportPlan(title, slug, language, tuple(planned))


IMPORTER = SystemActor("import_brief")


def import_brief(plan: ImportPlan, *, source: str, actor=IMPORTER, publish: bool = False) -> Brief:
    """Create the planned brief as a draft, its sections tagged with the suggested entities, in one
    Revision noted "Imported from <source>"; then publish it if asked, as a second Revision.

    Publishing needs a user with the publish permission: the system does not publish on its own."""
    if publish and (isinstance(actor, SystemActor) or not rules.may_publish(actor)):
        raise BriefImportError("Publishing needs a user with the publish permission (--user).")
    with transaction.atomic(), _as_import_error():
        brief = services.create_brief(
            title=plan.title,
            slug=plan.slug,
            language=plan.language,
            sections=[
                services.SectionInput(
                    heading=p.section.heading,
                    body=p.section.body,
                    entities=[s.entity for s in p.suggestions],
                )
                for p in plan.sections
            ],
            actor=actor,
            note=f"Imported from {source}",
        )
        if publish:
            services.publish_brief(brief, actor=actor)
    return brief


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


@contextmanager
def _as_import_error():
    try:
        yield
    except ValidationError as error:
        raise BriefImportError(_validation_message(error)) from None
