"""The article of the brief page: rendered when the brief changes, so that readers do not pay for it.

Every save that changes what a brief shows renders its article again, in each interface language, and
stores it as a :class:`~briefs.models.Rendition` (:func:`refresh_renditions`, called when the save
commits). A reader's page then needs the brief row and that one stored row. A rendition is used only
while its key matches the brief's version and the template, catalogue and settings it was rendered
with; otherwise the article is rendered on the spot and stored again (:func:`reader_article`).

Inside the article, the section loop is the part whose cost grows with the brief: at 60 sections the
template engine spends several milliseconds resolving the same handful of variables. Here that markup
is joined from strings that are escaped once each. ``body_html`` was sanitised when the section was saved.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connections, router, transaction
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation.trans_real import translation as translation_catalogue

from . import conf

logger = logging.getLogger(__name__)

# Bump when code changes the shape of reader output (the markup built here, feeds, ninjs), so that stored
# articles, cached pages and ETags of the old code are replaced: it is part of deployed_fingerprint().
RENDER_VERSION = "1"


def escape(value) -> str:
    # What django.utils.html.escape does, without its lazy-string check, which costs more than the
    # escaping itself when a 60-section page escapes a few thousand values.
    return html.escape(str(value))


def _chips(entities, label: str) -> str:
    if not entities:
        return ""
    items = "".join(
        f'<li><a class="chip chip-{escape(e.kind)}" href="{escape(e.url)}">{escape(e.name)}</a></li>'
        for e in entities
    )
    return f'\n    <ul class="entity-chips" aria-label="{escape(label)}">{items}</ul>'


def render_toc(sections, summary_label: str) -> SafeString:
    # Every interpolated value is escaped.
    return mark_safe(
        "".join(
            f'<li><a href="#{section.anchor}">{escape(section.heading or summary_label)}</a></li>'
            for section in sections
        )
    )


def render_sections(sections, *, summary_label: str, mentioned_label: str) -> SafeString:
    """``<section>`` elements for sections fetched with ``Section.objects.for_readers()``."""
    parts = []
    for section in sections:
        anchor = section.anchor
        if section.heading:
            heading = f'<h2 id="{anchor}-h">{escape(section.heading)}</h2>'
        else:
            heading = f'<h2 id="{anchor}-h" class="visually-hidden">{escape(summary_label)}</h2>'
        parts.append(
            f'<section class="brief-section" id="{anchor}" aria-labelledby="{anchor}-h">\n    {heading}\n'
            f'    <div class="section-body">{section.body_html}</div>'
            f"{_chips(section.chips, mentioned_label)}\n  </section>"
        )
    # body_html is sanitised on save; every other value is escaped.
    return mark_safe("\n  ".join(parts))


# The article, rendered when the brief changes ------------------------------------------------------

ARTICLE_TEMPLATE = "briefs/includes/article.html"


@dataclass(frozen=True)
class Article:
    """The ``<article>`` of a brief page and its schema.org data (addresses relative to the site)."""

    html: SafeString
    jsonld: dict


def build_article(brief, sections) -> Article:
    """Render the article of ``brief`` from a queryset of the sections readers (or previewers) see."""
    from .jsonld import brief_jsonld

    sections = sections.for_readers()
    entities = {entity.pk: entity for section in sections for entity in section.chips}
    # The change log comes from where the brief came from (the primary, when rendering after a save).
    changelog = list(
        brief.revisions.using(brief._state.db).public().order_by("-pk")[: conf.changelog_limit()]
    )
    html = render_to_string(
        ARTICLE_TEMPLATE,
        {
            "brief": brief,
            "sections": sections,
            "entities": sorted(entities.values(), key=lambda e: (e.kind, e.name)),
            "changelog": changelog,
        },
    )
    return Article(mark_safe(html), brief_jsonld(brief, sections, changelog))


# The templates of the pages that are cached and answered with 304s, the article's included.
READER_TEMPLATES = (
    "briefs/base.html",
    "briefs/brief_detail.html",
    "briefs/brief_changes.html",
    "briefs/brief_list.html",
    "briefs/entity_detail.html",
    "briefs/search.html",
    "briefs/includes/change.html",
    "briefs/includes/pagination.html",
    ARTICLE_TEMPLATE,
)


def deployed_fingerprint(language: str | None) -> str:
    """What reader pages depend on besides the data: the code, the templates, the catalogue and the
    static file names.

    Computed once per process and language, so a deploy that changes any of them (a host project's
    template override included) makes every stored article, cached page and ETag stale.
    """
    language = language or settings.LANGUAGE_CODE
    found = _fingerprints.get(language)
    if found is None:
        from django.contrib.staticfiles.storage import staticfiles_storage

        sources = [get_template(name).template.source for name in READER_TEMPLATES]
        # Django offers no public view of a loaded catalogue; _catalog is stable since Django 4.2.
        catalogue = sorted(map(repr, translation_catalogue(language)._catalog.items()))
        # Hashed static names (ManifestStaticFilesStorage) change when a stylesheet or script does.
        static = str(getattr(staticfiles_storage, "manifest_hash", ""))
        digest = hashlib.sha256()
        for part in (RENDER_VERSION, static, *sources, *catalogue):
            digest.update(part.encode())
            digest.update(b"\0")
        found = _fingerprints[language] = digest.hexdigest()[:16]
    return found


_fingerprints: dict[str, str] = {}


def rendition_key(brief, language: str) -> str:
    from .caching import brief_version

    # Settings that change the article are read on every call: they may differ between requests in tests.
    parts = (
        deployed_fingerprint(language),
        conf.changelog_limit(),
        timezone.get_current_timezone_name(),
        brief_version(brief).token,
    )
    return ".".join(map(str, parts))[:200]


def reader_article(brief) -> Article:
    """The published article of ``brief`` in the active language: one query when it was rendered
    ahead (see :func:`refresh_renditions`), else rendered now and stored for the next reader."""
    from .models import Rendition

    language = get_language()
    key = rendition_key(brief, language)
    row = _stored_row(Rendition, brief, language, key)
    if row is not None:
        return Article(mark_safe(row[0]), json.loads(row[1]))
    article = build_article(brief, brief.sections.visible())
    # A reader's own time zone would make the stored article wrong for everyone else.
    if timezone.get_current_timezone_name() == settings.TIME_ZONE:
        _store(brief, language, key, article)
    return article


def _stored_row(model, brief, language: str, key: str):
    """``(article, jsonld)`` of the matching stored article, or ``None``.

    Written out once per database rather than built by the ORM on each call: building and compiling the
    query cost as much as running it, on the one query that every uncached reader page makes.
    """
    alias = router.db_for_read(model, instance=brief)
    connection = connections[alias]
    sql = _stored_sql.get(alias)
    if sql is None:
        quote = connection.ops.quote_name
        meta = model._meta
        article, jsonld, brief_column, language_column, key_column = (
            quote(meta.get_field(name).column) for name in ("article", "jsonld", "brief", "language", "key")
        )
        # Only quoted names from the model are interpolated; every value is a parameter.
        sql = _stored_sql[alias] = (
            f"SELECT {article}, {jsonld} FROM {quote(meta.db_table)} "  # noqa: S608
            f"WHERE {brief_column} = %s AND {language_column} = %s AND {key_column} = %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [brief.pk, language, key])
        return cursor.fetchone()


_stored_sql: dict[str, str] = {}


def refresh_renditions(brief_ids) -> int:
    """Render and store the article of each published brief in ``brief_ids`` in every interface
    language, so that no reader pays for it. Returns how many articles were rendered."""
    from .models import Brief, Rendition

    # From the primary: a replica may not have the save that asked for this yet. Not in one transaction:
    # on SQLite that would hold the write lock through every render. Each brief row is read before its
    # sections, so an article is never older than the version in its key.
    alias = router.db_for_write(Rendition)
    count = 0
    with timezone.override(settings.TIME_ZONE):
        for brief in Brief.objects.using(alias).published().filter(pk__in=list(brief_ids)):
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    article = build_article(brief, brief.sections.using(alias).visible())
                    _store(brief, language, rendition_key(brief, language), article)
                count += 1
    return count


def _store(brief, language: str, key: str, article: Article) -> None:
    from .models import Rendition

    # An upsert: two readers storing the same article at once must not fail on the unique constraint.
    try:
        # Its own transaction, or a savepoint inside the caller's, so that a failure leaves the
        # caller's transaction usable.
        with transaction.atomic(using=router.db_for_write(Rendition)):
            Rendition.objects.bulk_create(
                [
                    Rendition(
                        brief_id=brief.pk,
                        language=language,
                        key=key,
                        article=str(article.html),
                        jsonld=json.dumps(article.jsonld, cls=DjangoJSONEncoder, ensure_ascii=False),
                        rendered_at=timezone.now(),
                    )
                ],
                update_conflicts=True,
                unique_fields=["brief", "language"],
                update_fields=["key", "article", "jsonld", "rendered_at"],
            )
    except DatabaseError:
        # Storing is an optimisation: the reader already has the article.
        logger.warning("Could not store the rendered article of brief %s.", brief.pk, exc_info=True)
