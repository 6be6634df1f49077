"""The sections block of the brief page, rendered without the template engine.

The section loop is the one part of the reader page whose cost grows with the brief: at 60 sections the
template engine spends several milliseconds resolving the same handful of variables. Here the same markup
is joined from strings that are escaped once each. ``body_html`` was sanitised when the section was saved.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


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
