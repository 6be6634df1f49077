"""Revert as a plan: what to write so that a brief's live state becomes a wanted state.

:func:`plan_revert` is pure: it compares two :class:`~briefs.revisions.state.BriefState` values and
says which sections to create (under their old ids), update, delete and move, which brief fields to
set, and which entities to tag and untag. :func:`briefs.services.revert_brief` applies the plan with
bulk writes that still record history, so a revert costs the same number of queries at 4 sections as at
60.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .state import BriefState, SectionState

# Status and slug are decisions of their own (publishing, addresses): a revert leaves them alone.
REVERTED_FIELDS = ("title", "dek", "language")
SECTION_FIELDS = ("heading", "body", "hidden")


@dataclass(frozen=True)
class SectionUpdate:
    """New values for a kept section: any of heading, body, hidden and position."""

    id: int
    changes: dict


@dataclass(frozen=True)
class RevertPlan:
    fields: dict = field(default_factory=dict)
    create: tuple[SectionState, ...] = ()
    update: tuple[SectionUpdate, ...] = ()
    delete: tuple[int, ...] = ()
    # Every section id of the brief after the revert, in reading order.
    order: tuple[int, ...] = ()
    # Section id -> entity ids, for sections that are kept or created.
    tag: dict = field(default_factory=dict)
    untag: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.fields or self.create or self.update or self.delete or self.tag or self.untag)


def plan_revert(
    live: BriefState, wanted: BriefState, *, entity_map: dict[int, int] | None = None
) -> RevertPlan:
    """What turns ``live`` into ``wanted``.

    ``entity_map`` says what each entity of ``wanted`` is now: itself, the entity it was merged into,
    or nothing (left out) if it no longer exists. ``None`` means every entity is as it was.
    """
    fields = {
        name: wanted.fields[name]
        for name in REVERTED_FIELDS
        if name in wanted.fields and live.fields.get(name) != wanted.fields[name]
    }
    live_by_id = {s.id: s for s in live.sections}
    wanted_ids = [s.id for s in wanted.sections]

    create, update, tag, untag = [], [], {}, {}
    for index, target in enumerate(wanted.sections):
        entities = target.entity_ids
        if entity_map is not None:
            entities = frozenset(entity_map[pk] for pk in entities if pk in entity_map)
        current = live_by_id.get(target.id)
        if current is None:
            create.append(
                SectionState(
                    target.id, index, target.heading, target.body, target.hidden, frozenset(entities)
                )
            )
            if entities:
                tag[target.id] = frozenset(entities)
            continue
        changes = {
            name: getattr(target, name)
            for name in SECTION_FIELDS
            if getattr(current, name) != getattr(target, name)
        }
        # Positions are renumbered 0, 1, 2... in the wanted order.
        if current.position != index:
            changes["position"] = index
        if changes:
            update.append(SectionUpdate(target.id, changes))
        if entities - current.entity_ids:
            tag[target.id] = frozenset(entities - current.entity_ids)
        if current.entity_ids - entities:
            untag[target.id] = frozenset(current.entity_ids - entities)

    wanted_set = set(wanted_ids)
    return RevertPlan(
        fields=fields,
        create=tuple(create),
        update=tuple(update),
        delete=tuple(s.id for s in live.sections if s.id not in wanted_set),
        order=tuple(wanted_ids),
        tag=tag,
        untag=untag,
    )
