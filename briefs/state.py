"""A brief as it stood at any revision or moment, rebuilt from the history tables.

Only changed objects get history rows, so the state of each object is its latest row at or before the
revision. Three queries rebuild a whole brief, whatever the number of revisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max

BRIEF_FIELDS = ("title", "slug", "dek", "language", "status", "first_published_at")


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
    brief_id: int
    revision_id: int | None
    fields: dict
    sections: tuple[SectionState, ...]

    @property
    def exists(self) -> bool:
        return bool(self.fields)

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


def _latest_rows(history_model, revision_id, **filters):
    """Latest history row per object at or before ``revision_id``, deleted objects excluded."""
    upto = history_model.objects.filter(revision_id__lte=revision_id, **filters)
    latest = upto.values("id").annotate(last=Max("history_id")).values("last")
    return history_model.objects.filter(history_id__in=latest).exclude(history_type="-").order_by()


def revision_at(brief, at: datetime):
    """The brief's latest revision saved at or before ``at``, or ``None``."""
    from .models import Revision

    return Revision.objects.filter(brief=brief, created_at__lte=at).order_by("-pk").first()


def state_as_of(brief, revision=None, *, at: datetime | None = None) -> BriefState:
    """The brief at ``revision`` (a Revision or its id), at the moment ``at``, or now."""
    from .models import Brief, Revision, Section, TaggedEntity

    brief_id = brief.pk if isinstance(brief, Brief) else int(brief)
    if at is not None:
        revision = revision_at(brief_id, at)
        if revision is None:
            return BriefState(brief_id, None, {}, ())
    if revision is None:
        revision = Revision.objects.filter(brief_id=brief_id).order_by("-pk").first()
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


def live_state(brief) -> BriefState:
    """The brief as it is in the content tables now, in the same shape as :func:`state_as_of`."""
    from .models import TaggedEntity

    entities: dict[int, set[int]] = {}
    for section_id, tag_id in TaggedEntity.objects.filter(content_object__brief=brief).values_list(
        "content_object_id", "tag_id"
    ):
        entities.setdefault(section_id, set()).add(tag_id)
    sections = tuple(
        SectionState(
            id=s.pk,
            position=s.position,
            heading=s.heading,
            body=s.body,
            hidden=s.hidden,
            entity_ids=frozenset(entities.get(s.pk, ())),
        )
        for s in brief.sections.order_by("position", "pk")
    )
    latest = brief.revisions.order_by("-pk").values_list("pk", flat=True).first()
    return BriefState(brief.pk, latest, {name: getattr(brief, name) for name in BRIEF_FIELDS}, sections)
