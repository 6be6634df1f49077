"""A brief as it stood at any revision or moment, rebuilt from the history tables, and as it is now.

Only changed objects get history rows, so the state of each object is its latest row at or before the
revision. Three queries rebuild a whole brief, whatever the number of revisions.

:func:`reader_view` is what a reader can see of a state: the rule that decides whether a revision is
public, whether a page's validators move, and whether it needs the publish permission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max

from ..models import Brief, BriefStatus, Revision, Section, TaggedEntity

BRIEF_FIELDS = ("title", "slug", "dek", "language", "status", "first_published_at")
# The brief fields a reader sees on its pages.
READER_FIELDS = ("title", "slug", "dek", "language", "first_published_at")


@dataclass(frozen=True)
class SectionState:
    id: int
    position: int
    heading: str
    body: str
    hidden: bool
    entity_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class BriefState:
    brief_id: int | None
    revision_id: int | None
    fields: dict
    sections: tuple[SectionState, ...]

    def section(self, section_id: int) -> SectionState | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def visible(self) -> BriefState:
        """The state as a reader saw it: hidden sections left out."""
        return BriefState(
            self.brief_id, self.revision_id, self.fields, tuple(s for s in self.sections if not s.hidden)
        )

    @property
    def entity_ids(self) -> frozenset[int]:
        return frozenset().union(*(s.entity_ids for s in self.sections))


EMPTY = BriefState(None, None, {}, ())


@dataclass(frozen=True)
class ReaderView:
    """What readers see of a brief: nothing unless it is published; then its fields and its visible
    sections in order, each with its text and entities."""

    fields: tuple
    sections: tuple[tuple, ...]

    @property
    def entity_ids(self) -> frozenset[int]:
        return frozenset().union(*(entities for *_rest, entities in self.sections))


def reader_view(state: BriefState) -> ReaderView | None:
    if state.fields.get("status") != BriefStatus.PUBLISHED:
        return None
    return ReaderView(
        tuple(state.fields.get(name) for name in READER_FIELDS),
        tuple((s.id, s.heading, s.body, s.entity_ids) for s in state.sections if not s.hidden),
    )


def entities_shown_differently(before: ReaderView | None, after: ReaderView | None) -> frozenset[int]:
    """Entities whose pages list something that changed between two reader views: those of sections
    that appeared, went or changed, or every one of them when the brief itself changed."""
    if before == after:
        return frozenset()
    if before is None or after is None or before.fields != after.fields:
        return (before.entity_ids if before else frozenset()) | (after.entity_ids if after else frozenset())
    old = {s[0]: s for s in before.sections}
    new = {s[0]: s for s in after.sections}
    changed: set[int] = set()
    for section_id in old.keys() | new.keys():
        was, now = old.get(section_id), new.get(section_id)
        if was != now:
            changed |= (was[3] if was else frozenset()) | (now[3] if now else frozenset())
    return frozenset(changed)


def _latest_rows(history_model, revision_id, **filters):
    """Latest history row per object at or before ``revision_id``, deleted objects excluded."""
    upto = history_model.objects.filter(revision_id__lte=revision_id, **filters)
    latest = upto.values("id").annotate(last=Max("history_id")).values("last")
    return history_model.objects.filter(history_id__in=latest).exclude(history_type="-").order_by()


def revision_at(at: datetime) -> int | None:
    """The id of the latest revision, of any brief or of none, saved at or before ``at``."""
    return Revision.objects.filter(created_at__lte=at).order_by("-pk").values_list("pk", flat=True).first()


def state_as_of(brief, revision=None, *, at: datetime | None = None) -> BriefState:
    """The brief at ``revision`` (a Revision or its id), at the moment ``at``, or now.

    Revisions without a brief (an entity merged) change a brief's taggings too, so "now" and "at a
    moment" count every revision, not only the brief's own.
    """
    brief_id = brief.pk if isinstance(brief, Brief) else int(brief)
    if at is not None:
        revision = revision_at(at)
    elif revision is None:
        revision = Revision.objects.order_by("-pk").values_list("pk", flat=True).first()
    if revision is None:
        return BriefState(brief_id, None, {}, ())
    revision_id = revision.pk if isinstance(revision, Revision) else int(revision)

    brief_row = _latest_rows(Brief.history.model, revision_id, id=brief_id).first()
    if brief_row is None:
        return BriefState(brief_id, revision_id, {}, ())
    fields = {name: getattr(brief_row, name) for name in BRIEF_FIELDS}

    section_rows = list(_latest_rows(Section.history.model, revision_id, brief_id=brief_id))
    section_ids = [row.id for row in section_rows]
    entities: dict[int, set[int]] = {pk: set() for pk in section_ids}
    for tagging in _latest_rows(
        TaggedEntity.history.model, revision_id, content_object_id__in=section_ids
    ).values("content_object_id", "tag_id"):
        entities[tagging["content_object_id"]].add(tagging["tag_id"])

    sections = tuple(
        sorted(
            (
                SectionState(
                    id=row.id,
                    position=row.position,
                    heading=row.heading,
                    body=row.body,
                    hidden=row.hidden,
                    entity_ids=frozenset(entities[row.id]),
                )
                for row in section_rows
            ),
            key=lambda s: (s.position, s.id),
        )
    )
    return BriefState(brief_id, revision_id, fields, sections)


def live_sections(brief_id: int) -> tuple[SectionState, ...]:
    """The sections of a brief as they are in the content tables now, in order: two queries."""
    entities: dict[int, set[int]] = {}
    for section_id, tag_id in TaggedEntity.objects.filter(content_object__brief_id=brief_id).values_list(
        "content_object_id", "tag_id"
    ):
        entities.setdefault(section_id, set()).add(tag_id)
    return tuple(
        SectionState(
            id=pk,
            position=position,
            heading=heading,
            body=body,
            hidden=hidden,
            entity_ids=frozenset(entities.get(pk, ())),
        )
        for pk, position, heading, body, hidden in Section.objects.filter(brief_id=brief_id)
        .order_by("position", "pk")
        .values_list("pk", "position", "heading", "body", "hidden")
    )


def live_state(brief: Brief) -> BriefState:
    """The brief as it is in the content tables now, in the same shape as :func:`state_as_of`.

    ``brief`` is taken as it is in memory: refresh it first if it may be stale.
    """
    latest = Revision.objects.order_by("-pk").values_list("pk", flat=True).first()
    return BriefState(
        brief.pk, latest, {name: getattr(brief, name) for name in BRIEF_FIELDS}, live_sections(brief.pk)
    )
