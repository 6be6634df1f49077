"""The difference between two states of a brief, as data that templates and feeds render."""

from __future__ import annotations

import bisect
import difflib
from dataclasses import dataclass, field

from ..text import tokens
from .state import BriefState, SectionState

EQUAL, INSERT, DELETE = "equal", "insert", "delete"


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: object
    new: object
    words: tuple = ()


@dataclass
class SectionChange:
    id: int
    status: str  # "added", "removed", "changed" or "unchanged"
    old: SectionState | None
    new: SectionState | None
    moved: bool = False
    heading: tuple = ()
    body: tuple = ()
    hidden_changed: bool = False
    entities_added: frozenset = field(default_factory=frozenset)
    entities_removed: frozenset = field(default_factory=frozenset)

    @property
    def text_changed(self) -> bool:
        return _changed(self.heading) or _changed(self.body)

    @property
    def is_change(self) -> bool:
        return (
            self.status != "unchanged"
            or self.moved
            or self.text_changed
            or self.hidden_changed
            or bool(self.entities_added or self.entities_removed)
        )


@dataclass
class BriefDiff:
    old: BriefState
    new: BriefState
    fields: list[FieldChange]
    sections: list[SectionChange]

    @property
    def changed_sections(self) -> list[SectionChange]:
        return [s for s in self.sections if s.is_change]

    @property
    def added(self):
        return [s for s in self.sections if s.status == "added"]

    @property
    def removed(self):
        return [s for s in self.sections if s.status == "removed"]

    @property
    def moved(self):
        return [s for s in self.sections if s.moved]

    @property
    def entity_ids(self) -> set[int]:
        ids: set[int] = set()
        for s in self.sections:
            ids |= s.entities_added | s.entities_removed
        return ids

    def __bool__(self) -> bool:
        return bool(self.fields) or bool(self.changed_sections)


def _changed(ops) -> bool:
    return any(op != EQUAL for op, _ in ops)


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """``(op, text)`` runs turning ``old`` into ``new`` at word level; white space rides with words."""
    if old == new:
        return ((EQUAL, new),) if new else ()
    a, b = tokens(old), tokens(new)
    ops: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append((EQUAL, "".join(a[i1:i2])))
        else:
            if i2 > i1:
                ops.append((DELETE, "".join(a[i1:i2])))
            if j2 > j1:
                ops.append((INSERT, "".join(b[j1:j2])))
    return tuple(ops)


def _moved_ids(old: tuple[SectionState, ...], new: tuple[SectionState, ...]) -> set[int]:
    """Sections whose place relative to the others changed: those outside the longest kept order.

    A section still at the same place number is always kept, so a diff never says "moved from 4 to 4":
    such sections keep their order among themselves, and only sections that agree with all of them
    compete for the longest kept order. Longest increasing subsequence, O(n log n).
    """
    old_index = {s.id: s.position for s in old}
    new_index = {s.id: s.position for s in new}
    common = [s.id for s in new if s.id in old_index]
    fixed = [pk for pk in common if old_index[pk] == new_index[pk]]

    def agrees(pk: int) -> bool:
        return all((old_index[pk] < old_index[f]) == (new_index[pk] < new_index[f]) for f in fixed)

    fixed_set = set(fixed)
    candidates = [pk for pk in common if pk in fixed_set or agrees(pk)]
    # Patience sorting over the old places, in the new order.
    tails: list[int] = []
    tail_ids: list[int] = []
    previous: dict[int, int | None] = {}
    for pk in candidates:
        place = old_index[pk]
        at = bisect.bisect_left(tails, place)
        previous[pk] = tail_ids[at - 1] if at else None
        if at == len(tails):
            tails.append(place)
            tail_ids.append(pk)
        else:
            tails[at] = place
            tail_ids[at] = pk
    kept: set[int] = set(fixed_set)
    pk = tail_ids[-1] if tail_ids else None
    while pk is not None:
        kept.add(pk)
        pk = previous[pk]
    return set(common) - kept


def diff_states(old: BriefState, new: BriefState) -> BriefDiff:
    fields = []
    for name in sorted(set(old.fields) | set(new.fields)):
        before, after = old.fields.get(name), new.fields.get(name)
        if before != after:
            words = word_diff(str(before or ""), str(after or "")) if name in ("title", "dek") else ()
            fields.append(FieldChange(name, before, after, words))

    old_by_id = {s.id: s for s in old.sections}
    new_by_id = {s.id: s for s in new.sections}
    moved = _moved_ids(old.sections, new.sections)

    changes: list[SectionChange] = []
    for section in new.sections:
        before = old_by_id.get(section.id)
        if before is None:
            changes.append(
                SectionChange(
                    section.id,
                    "added",
                    None,
                    section,
                    heading=word_diff("", section.heading),
                    body=word_diff("", section.body),
                    entities_added=section.entity_ids,
                )
            )
            continue
        change = SectionChange(
            section.id,
            "unchanged",
            before,
            section,
            moved=section.id in moved,
            heading=word_diff(before.heading, section.heading),
            body=word_diff(before.body, section.body),
            hidden_changed=before.hidden != section.hidden,
            entities_added=section.entity_ids - before.entity_ids,
            entities_removed=before.entity_ids - section.entity_ids,
        )
        if change.is_change:
            change.status = "changed"
        changes.append(change)
    # Removed sections are listed where they stood in the old order, after whatever preceded them.
    for index, section in enumerate(old.sections):
        if section.id not in new_by_id:
            removed = SectionChange(
                section.id,
                "removed",
                section,
                None,
                heading=word_diff(section.heading, ""),
                body=word_diff(section.body, ""),
                entities_removed=section.entity_ids,
            )
            previous_ids = [s.id for s in old.sections[:index]]
            insert_at = 0
            for i, c in enumerate(changes):
                if c.id in previous_ids:
                    insert_at = i + 1
            changes.insert(insert_at, removed)
    return BriefDiff(old, new, fields, changes)
