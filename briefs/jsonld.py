"""schema.org NewsArticle for a brief page, built from data the page has already fetched."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .models import EntityKind, RevisionKind

SCHEMA_TYPES = {
    EntityKind.PERSON: "Person",
    EntityKind.COUNTRY: "Country",
    EntityKind.ORGANISATION: "Organization",
    EntityKind.PLACE: "Place",
    EntityKind.EVENT: "Event",
}

# Characters that could end the script element or open a comment; JSON allows them escaped anywhere.
# Replaced one by one: str.translate with a mapping is about ten times slower on a long non-ASCII text.
_SCRIPT_ESCAPES = ((">", "\\u003E"), ("<", "\\u003C"), ("&", "\\u0026"))


def entity_roles(sections) -> tuple[list, list]:
    """Split the entities of rendered sections into what the brief is about (those tagged in the lead,
    its first section) and what it merely mentions. Uses the sections' ``chips`` only."""
    about: dict = {}
    mentions: dict = {}
    for index, section in enumerate(sections):
        for entity in section.chips:
            target = about if index == 0 else mentions
            if entity.pk not in about:
                target.setdefault(entity.pk, entity)
    for pk in about:
        mentions.pop(pk, None)
    return list(about.values()), list(mentions.values())


def _entity(entity) -> dict:
    data = {
        "@type": SCHEMA_TYPES.get(entity.kind, "Thing"),
        "name": entity.name,
        "url": getattr(entity, "url", None) or entity.get_absolute_url(),
    }
    if entity.wikidata_id:
        data["sameAs"] = entity.wikidata_url
    return data


def brief_jsonld(brief, sections, changelog) -> dict:
    """NewsArticle data for ``brief`` from its already fetched visible ``sections`` (with prefetched
    taggings) and public ``changelog`` revisions, with addresses relative to the site (see
    :func:`with_origin`). Makes no query."""
    about, mentions = entity_roles(sections)
    url = brief.get_absolute_url()
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "headline": brief.title,
        "inLanguage": brief.language,
    }
    if brief.dek:
        data["description"] = brief.dek
    if brief.first_published_at:
        data["datePublished"] = brief.first_published_at.isoformat(timespec="seconds")
    modified = brief.last_material_update_at or brief.first_published_at
    if modified:
        data["dateModified"] = modified.isoformat(timespec="seconds")
    headings = [s.heading for s in sections if s.heading]
    if headings:
        data["articleSection"] = headings
    if about:
        data["about"] = [_entity(e) for e in about]
    if mentions:
        data["mentions"] = [_entity(e) for e in mentions]
    corrections = [
        {
            "@type": "CorrectionComment",
            "text": rev.public_note,
            "datePublished": rev.created_at.isoformat(timespec="seconds"),
            "url": f"{url}#rev-{rev.pk}",
        }
        for rev in changelog
        if rev.kind == RevisionKind.CORRECTION
    ]
    if corrections:
        data["correction"] = corrections
    return data


_URL_KEYS = ("@id", "url", "mainEntityOfPage")
_LISTS = ("about", "mentions", "correction")


def with_origin(data: dict, request) -> dict:
    """``data`` built without a request (its addresses relative to the site), made absolute for the
    host ``request`` came to. Stored articles keep relative addresses because one site may answer on
    several hosts."""
    origin = request.build_absolute_uri("/")[:-1]

    def absolute(item: dict) -> dict:
        result = dict(item)
        for key in _URL_KEYS:
            value = result.get(key)
            if isinstance(value, str) and value.startswith("/"):
                result[key] = origin + value
        return result

    result = absolute(data)
    for key in _LISTS:
        if key in result:
            result[key] = [absolute(item) for item in result[key]]
    return result


def jsonld_script(data: dict) -> SafeString:
    """``data`` as a ``<script type="application/ld+json">`` block that no text in it can close."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    for character, escaped in _SCRIPT_ESCAPES:
        payload = payload.replace(character, escaped)
    return format_html('<script type="application/ld+json">{}</script>', SafeString(payload))
