"""The article of the brief page: rendered when the brief changes, so that readers do not pay for it.

When a revision that changed what readers see commits, :func:`refresh_articles` (run by the task in
:mod:`briefs.tasks`) renders the article of each brief it touched again, in each interface language,
and stores it as a :class:`~briefs.models.RenderedArticle`. A reader's page then
needs the brief row and that one stored row. A stored article is used only while its key matches the
brief's version and the templates, catalogue and settings it was rendered with; otherwise the article
is rendered on the spot and stored again (:func:`reader_article`).

Inside the article, the section loop is the part whose cost grows with the brief: at 60 sections the
template engine spends several milliseconds resolving the same handful of variables. Here that markup
is joined from strings that are escaped once each. ``body_html`` was sanitised when the section was saved.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, router, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from . import conf, fingerprint
from .caching import brief_version
from .jsonld import brief_jsonld
from .models import Brief, RenderedArticle

logger = logging.getLogger(__name__)


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
    # The lead's label is in the interface language, which may not be the brief's.
    ui = escape(get_language())
    # Every interpolated value is escaped.
    return mark_safe(
        "".join(
            f'<li><a href="#{section.anchor}">{escape(section.heading)}</a></li>'
            if section.heading
            else f'<li><a lang="{ui}" href="#{section.anchor}">{escape(summary_label)}</a></li>'
            for section in sections
        )
    )


def render_sections(
    sections, *, summary_label: str, mentioned_label: str, hidden_label: str = ""
) -> SafeString:
    """``<section>`` elements for sections fetched with ``Section.objects.for_readers()``. Readers never
    get hidden sections; in the staff preview they are marked with ``hidden_label``."""
    parts = []
    ui = escape(get_language())
    for section in sections:
        anchor = section.anchor
        if section.heading:
            heading = f'<h2 id="{anchor}-h">{escape(section.heading)}</h2>'
        else:
            heading = f'<h2 id="{anchor}-h" class="visually-hidden" lang="{ui}">{escape(summary_label)}</h2>'
        css, mark = "brief-section", ""
        if section.hidden:
            css += " is-hidden"
            mark = f'\n    <p class="hidden-mark" role="note" lang="{ui}">{escape(hidden_label)}</p>'
        parts.append(
            f'<section class="{css}" id="{anchor}" aria-labelledby="{anchor}-h">{mark}\n    {heading}\n'
            f'    <div class="section-body">{section.body_html}</div>'
            f"{_chips(section.chips, mentioned_label)}\n  </section>"
        )
    # body_html is sanitised on save; every other value is escaped.
    return mark_safe("\n  ".join(parts))


# The article, rendered when the brief changes ------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """The ``<article>`` of a brief page and its schema.org data (addresses relative to the site)."""

    html: SafeString
    jsonld: dict


def build_article(brief, sections) -> Article:
    """Render the article of ``brief`` from a queryset of the sections readers (or previewers) see."""
    sections = sections.for_readers()
    entities = {entity.pk: entity for section in sections for entity in section.chips}
    # The change log comes from where the brief came from (the primary, when rendering after a save).
    changelog = list(
        brief.revisions.using(brief._state.db).public().order_by("-pk")[: conf.changelog_limit()]
    )
    html = render_to_string(
        fingerprint.ARTICLE_TEMPLATE,
        {
            "brief": brief,
            "sections": sections,
            "entities": sorted(entities.values(), key=lambda e: (e.kind, e.name)),
            "changelog": changelog,
        },
    )
    return Article(mark_safe(html), brief_jsonld(brief, sections, changelog))


def article_key(brief, language: str) -> str:
    # Settings that change the article are read on every call: they may differ between requests in tests.
    parts = (
        fingerprint.deployed(language),
        conf.changelog_limit(),
        timezone.get_current_timezone_name(),
        brief_version(brief).token,
    )
    return ".".join(map(str, parts))[:200]


def reader_article(brief) -> Article:
    """The published article of ``brief`` in the active language: one query when it was rendered
    ahead (see :func:`refresh_articles`), else rendered now and stored for the next reader."""
    language = get_language()
    key = article_key(brief, language)
    row = next(
        iter(
            RenderedArticle.objects.using(router.db_for_read(RenderedArticle, instance=brief))
            .filter(brief_id=brief.pk, language=language, key=key)
            .order_by()
            .values_list("article", "jsonld")[:1]
        ),
        None,
    )
    if row is not None:
        return Article(mark_safe(row[0]), json.loads(row[1]))
    article = build_article(brief, brief.sections.visible())
    # A reader's own time zone would make the stored article wrong for everyone else.
    if timezone.get_current_timezone_name() == conf.time_zone():
        _store(brief, language, key, article)
    return article


def refresh_articles(brief_ids) -> int:
    """Render and store the article of each published brief in ``brief_ids`` in every interface
    language, so that no reader pays for it. Returns how many articles were rendered."""
    # From the primary: a replica may not have the save that asked for this yet. Not in one transaction:
    # on SQLite that would hold the write lock through every render. Each brief row is read before its
    # sections, so an article is never older than the version in its key.
    alias = router.db_for_write(RenderedArticle)
    count = 0
    with timezone.override(conf.time_zone()):
        for brief in Brief.objects.using(alias).published().filter(pk__in=list(brief_ids)):
            for language in conf.languages():
                with translation.override(language):
                    article = build_article(brief, brief.sections.using(alias).visible())
                    _store(brief, language, article_key(brief, language), article)
                count += 1
    return count


def _store(brief, language: str, key: str, article: Article) -> None:
    # An upsert: two readers storing the same article at once must not fail on the unique constraint.
    try:
        # Its own transaction, or a savepoint inside the caller's, so that a failure leaves the
        # caller's transaction usable.
        with transaction.atomic(using=router.db_for_write(RenderedArticle)):
            RenderedArticle.objects.bulk_create(
                [
                    RenderedArticle(
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
