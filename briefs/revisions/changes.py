"""What changed in a brief since a given moment, as readers saw it then and see it now.

Both ends are reader-visible states only. The earlier end is the brief at its last *public* revision at
or before the moment (:func:`base_revision`); the later end is the live, published content with hidden
sections left out. Text that only ever existed in drafts, hidden sections or between two public
revisions never appears. Everything on the page depends on that base revision alone, so every moment
between two public revisions gives the same page.

Readers see rendered, sanitised text only: sections are compared by the text their Markdown renders to,
never by the source, so markup that the sanitiser removes from the page is not shown in a diff either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ..models import Brief, BriefStatus, Entity, Revision, Withdrawal
from ..text import html_to_paragraphs, render_markdown
from .diff import DELETE, EQUAL, INSERT, BriefDiff, SectionChange, diff_states
from .state import BriefState, live_state, state_as_of


class InvalidSince(ValueError):
    """The ``since`` parameter is missing or not an ISO 8601 date or date-time."""


# In a query string "+" decodes to a space, which would eat the "+" of a UTC offset.
_SPACED_OFFSET = re.compile(r"(T\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d(?::?\d\d)?)$")


def parse_since(value: str | None) -> datetime:
    """An aware datetime from an ISO date (midnight, local time) or date-time (local if naive)."""
    value = (value or "").strip()
    if not value:
        raise InvalidSince(_("Say since when, for example ?since=2025-10-27."))
    value = _SPACED_OFFSET.sub(r"\1+\2", value)
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = datetime.combine(day, time.min) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidSince(
            _("“%(value)s” is not a date. Use an ISO date such as 2025-10-27 or 2025-10-27T14:30.")
            % {"value": value[:40]}
        )
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # The database compares in UTC: a moment that has no UTC value (year 1 east of Greenwich).
        moment.astimezone(UTC)
    except (OverflowError, ValueError) as error:
        raise InvalidSince(_("That date is out of range.")) from error
    return moment


def ops_html(ops) -> SafeString:
    """Word-level diff runs as escaped text with ``<del>``/``<ins>`` marks."""
    out = []
    for op, text in ops:
        if op == EQUAL:
            out.append(escape(text))
        elif op == INSERT:
            out.append(format_html("<ins>{}</ins>", text))
        elif op == DELETE:
            out.append(format_html("<del>{}</del>", text))
    return mark_safe("".join(out))


@dataclass
class SectionView:
    """One section of the changes page, in reading order."""

    change: SectionChange
    section: object | None = None  # the live Section, absent for removed sections
    old_body_html: str = ""
    entities_added: list = field(default_factory=list)
    # The earlier wording was withdrawn (legal or safety): shown to nobody but staff.
    withdrawn: Revision | None = None

    @property
    def status(self) -> str:
        return self.change.status

    @property
    def heading(self) -> str:
        return (self.change.new or self.change.old).heading

    @property
    def heading_diff(self) -> SafeString:
        return ops_html(self.change.heading)

    @property
    def body_diff(self) -> SafeString:
        return ops_html(self.change.body)

    @property
    def text_changed(self) -> bool:
        return self.change.status == "changed" and self.change.text_changed

    @property
    def earlier_wording(self) -> bool:
        """Whether readers may see the earlier wording of this section."""
        return self.text_changed and self.withdrawn is None


@dataclass
class ChangesSince:
    brief: Brief
    base: Revision | None
    diff: BriefDiff
    sections: list[SectionView]
    new_entities: list[Entity]
    notes: list[Revision]

    @property
    def field_changes(self) -> list:
        return [
            {"name": f.name, "diff": ops_html(f.words)}
            for f in self.diff.fields
            if f.name in ("title", "dek") and self.base is not None
        ]

    @property
    def counts(self) -> dict:
        return {
            status: sum(1 for v in self.sections if v.status == status)
            for status in ("added", "changed", "removed")
        }


def base_revision(since: datetime, field: str = "pk") -> Subquery:
    """For a brief query: ``field`` of its last public revision at or before ``since``, what readers had
    seen by then. An annotation, so that the brief and its base cost one query."""
    public = Revision.objects.public().filter(brief=OuterRef("pk"), created_at__lte=since)
    return Subquery(public.order_by("-pk").values(field)[:1])


# Before the first public revision of any brief: every page counted from then is the whole brief.
BEFORE_PUBLICATION = datetime(1970, 1, 1, tzinfo=UTC)


def canonical_since(base_created_at: datetime | None) -> str:
    """The one ``since`` that stands for every moment with the same base revision: its time, in UTC."""
    return (base_created_at or BEFORE_PUBLICATION).astimezone(UTC).isoformat()


def reader_state_at(brief: Brief, base: Revision | None) -> BriefState:
    """The reader-visible state the public revision ``base`` left (nothing when there is none)."""
    if base is None:
        return BriefState(brief.pk, None, {}, ())
    state = state_as_of(brief, base)
    if state.fields.get("status") != BriefStatus.PUBLISHED:
        return BriefState(brief.pk, base.pk, state.fields, ())
    return state.visible()


def withdrawn_since(brief: Brief, base: Revision | None) -> dict[int, Revision]:
    """The sections whose wording before a withdrawal made after ``base`` must not reach readers, each
    with the revision that withdrew it."""
    if base is None:
        return {}
    found: dict[int, Revision] = {}
    for withdrawal in Withdrawal.objects.filter(
        revision__brief=brief, revision__pk__gt=base.pk
    ).select_related("revision"):
        for section_id in withdrawal.section_ids:
            found.setdefault(section_id, withdrawal.revision)
    return found


def readable(state: BriefState, known: dict[int, tuple[str, str]] | None = None) -> BriefState:
    """``state`` with each body replaced by the text its Markdown renders to, one paragraph a block.

    ``known`` maps a section id to a (body, readable text) pair already stored for it, so that a body
    that has not changed since is not rendered again."""
    known = known or {}

    def text(section) -> str:
        body, stored = known.get(section.id, (None, ""))
        if body == section.body:
            return stored
        return "\n\n".join(html_to_paragraphs(render_markdown(section.body)))

    return replace(state, sections=tuple(replace(s, body=text(s)) for s in state.sections))


def changes_since(brief: Brief, base: Revision | None) -> ChangesSince:
    """What changed for readers after the public revision ``base`` (``None``: before the first)."""
    live = {s.pk: s for s in brief.sections.filter(hidden=False).with_entities()}
    before_source = reader_state_at(brief, base)
    now_source = live_state(brief).visible()
    known = {pk: (section.body, section.body_text) for pk, section in live.items()}
    diff = diff_states(readable(before_source, known), readable(now_source, known))

    new_entity_ids = now_source.entity_ids - before_source.entity_ids
    entities = {e.pk: e for e in Entity.objects.filter(pk__in=diff.entity_ids | new_entity_ids)}

    withdrawn = withdrawn_since(brief, base)
    views = []
    for change in diff.sections:
        view = SectionView(change, section=live.get(change.id), withdrawn=withdrawn.get(change.id))
        if change.status == "removed" and view.withdrawn is None:
            view.old_body_html = render_markdown(before_source.section(change.id).body)
        elif change.status == "changed":
            view.entities_added = sorted(
                (entities[pk] for pk in change.entities_added if pk in entities), key=lambda e: e.name
            )
        views.append(view)

    notes = brief.revisions.public().order_by("created_at", "pk")
    if base is not None:
        notes = notes.filter(pk__gt=base.pk)
    new_entities = sorted((entities[pk] for pk in new_entity_ids if pk in entities), key=lambda e: e.name)
    return ChangesSince(brief, base, diff, views, new_entities, list(notes))
