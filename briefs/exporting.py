"""Briefs out: Markdown that :mod:`briefs.importing` reads back, and plain JSON. (ninjs is
:mod:`briefs.ninjs`.)"""

from __future__ import annotations

from django.db.models import Prefetch

from .importing import MD_ESCAPED, trim_blank
from .models import Brief, TaggedEntity

__all__ = ["brief_to_json", "brief_to_markdown", "normalize_body", "sections_to_markdown"]


def normalize_body(body: str) -> str:
    """A body as the Markdown reader gives it back: Unix line ends, no blank lines at either end."""
    return "\n".join(trim_blank(body.replace("\r\n", "\n").replace("\r", "\n").split("\n")))


def sections_to_markdown(title: str, sections) -> str:
    """Markdown for ``title`` and ``sections`` (anything with ``heading`` and ``body``) that
    :func:`parse_text` reads back as the same sections, bodies normalised by :func:`normalize_body`."""
    out = [f"# {' '.join(title.split())}"]
    for number, section in enumerate(sections):
        heading = " ".join(section.heading.split())
        if number or heading:
            out.append(f"## {heading}".rstrip())
        body = normalize_body(section.body)
        if body:
            out.append(
                "\n".join("\\" + line if MD_ESCAPED.match(line) else line for line in body.split("\n"))
            )
    return "\n\n".join(out) + "\n"


def brief_to_markdown(brief: Brief) -> str:
    return sections_to_markdown(brief.title, brief.sections.order_by("position"))


def brief_to_json(brief: Brief) -> dict:
    """The brief, its sections and their entities as plain JSON-ready data, in reading order."""
    sections = brief.sections.order_by("position").prefetch_related(
        _tag_prefetch(),
    )
    return {
        "title": brief.title,
        "slug": brief.slug,
        "dek": brief.dek,
        "language": brief.language,
        "status": brief.status,
        "first_published_at": _iso(brief.first_published_at),
        "last_material_update_at": _iso(brief.last_material_update_at),
        "sections": [
            {
                "position": section.position,
                "heading": section.heading,
                "body": section.body,
                "hidden": section.hidden,
                "entities": [
                    {
                        "name": tagging.tag.name,
                        "slug": tagging.tag.slug,
                        "kind": tagging.tag.kind,
                        "wikidata_id": tagging.tag.wikidata_id,
                    }
                    for tagging in section.tagged_entities.all()
                ],
            }
            for section in sections
        ],
    }


def _tag_prefetch():
    return Prefetch(
        "tagged_entities", queryset=TaggedEntity.objects.select_related("tag").order_by("tag__name")
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None
