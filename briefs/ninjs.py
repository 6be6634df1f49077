"""A brief as an IPTC ninjs 3.1 news item (https://iptc.org/standards/ninjs/).

Only what readers see goes out: visible sections of the brief, with the entities tagged on them.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape, strip_tags

from . import conf
from .jsonld import entity_roles
from .models import Brief, BriefStatus, EntityKind, Section

NINJS_VERSION = "3.1"
NINJS_SCHEMA = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/{}"

# Where each kind of entity goes in ninjs; events have no list of their own and become subjects.
KIND_LISTS = {
    EntityKind.PERSON: "people",
    EntityKind.ORGANISATION: "organisations",
    EntityKind.COUNTRY: "places",
    EntityKind.PLACE: "places",
    EntityKind.EVENT: "subjects",
}


def _base_url(request) -> str:
    """The configured site address when set (stable identifiers whatever host served the request), else the
    request's own scheme and host, else nothing."""
    base = conf.site_url()
    if base:
        return base
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return ""


def brief_uri(brief: Brief, request=None) -> str:
    """A stable identifier: the brief's address in the site's default interface language."""
    base = _base_url(request)
    with translation.override(settings.LANGUAGE_CODE):
        path = brief.get_absolute_url()
    return f"{base}{path}" if base else f"urn:newsroom-briefs:brief:{brief.slug}"


def _entity(entity, rel: str, base: str) -> dict:
    data = {"name": entity.name, "rel": rel, "literal": entity.slug}
    if entity.wikidata_id:
        data["uri"] = WIKIDATA_ENTITY.format(entity.wikidata_id)
    elif base:
        data["uri"] = f"{base}{entity.get_absolute_url()}"
    return data


def _body_html(sections) -> str:
    parts = []
    for section in sections:
        heading = f"<h2>{escape(section.heading)}</h2>" if section.heading else ""
        parts.append(f'<section id="{section.anchor}">{heading}{section.body_html}</section>')
    return "\n".join(parts)


def brief_to_ninjs(brief: Brief, request=None) -> dict:
    """The reader-visible content of ``brief`` as a ninjs 3.1 dict, ready for ``json.dumps``. Its
    addresses are those of the site's default interface language, whatever language asked."""
    with translation.override(settings.LANGUAGE_CODE):
        return _ninjs(brief, request)


def _ninjs(brief: Brief, request=None) -> dict:
    sections = Section.objects.filter(brief=brief, hidden=False).for_readers()
    base = _base_url(request)
    html = _body_html(sections)
    text = strip_tags(html)

    item: dict = {
        "uri": brief_uri(brief, request),
        "standard": {"name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA},
        "type": "text",
        "representationType": "full",
        "profile": "newsroom-brief",
        # Moves only when what readers see changes: drafts and hidden sections leave it alone.
        "version": str(brief.version),
        "pubStatus": "usable" if brief.status == BriefStatus.PUBLISHED else "withheld",
        "language": brief.language,
        "slugline": brief.slug,
        "headlines": [{"role": "main", "value": brief.title}],
        "bodies": [
            {
                "role": "main",
                "contentType": "text/html",
                "value": html,
                "charCount": len(text),
                "wordCount": len(re.findall(r"\w+", text)),
            }
        ],
        "altIds": [{"role": "internal", "value": str(brief.pk)}, {"role": "slug", "value": brief.slug}],
    }
    if brief.dek:
        item["descriptions"] = [{"role": "summary", "contentType": "text/plain", "value": brief.dek}]
    first = brief.first_published_at
    if first:
        item["firstCreated"] = first.isoformat()
    changed = brief.changed_at or first
    if changed:
        item["versionCreated"] = changed.isoformat()
    if base:
        item["renditions"] = [
            {"name": "web", "href": f"{base}{brief.get_absolute_url()}", "contentType": "text/html"}
        ]

    about, mentions = entity_roles(sections)
    for rel, entities in (("about", about), ("mentioned", mentions)):
        for entity in sorted(entities, key=lambda e: e.name):
            item.setdefault(KIND_LISTS.get(entity.kind, "subjects"), []).append(_entity(entity, rel, base))
    return item


def brief_summary(brief: Brief, request=None) -> dict:
    """One entry of the API's brief list."""
    api = reverse("briefs_api:detail", kwargs={"slug": brief.slug})
    return {
        "uri": brief_uri(brief, request),
        "slug": brief.slug,
        "headline": brief.title,
        "language": brief.language,
        "firstCreated": brief.first_published_at.isoformat() if brief.first_published_at else None,
        "lastMaterialUpdate": (
            brief.last_material_update_at.isoformat() if brief.last_material_update_at else None
        ),
        "href": request.build_absolute_uri(api) if request is not None else api,
    }
