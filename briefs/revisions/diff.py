"""The difference between two states of a brief, as data that templates and feeds render."""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
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


# SequenceMatcher without autojunk can take far more than the product of the two lengths: each search
# for the longest match walks, for every token on one side, all the places it occurs on the other, and
# repeated tokens (white space, commas, a word said again and again) make those walks long and many. A few
# hundred tokens of the wrong kind took seconds. So every comparison counts that walking as it goes and is
# given up past a budget of steps, a step being some 30 to 80 ns, shared with the other work a long text
# needs: one word_diff then stays within about 50 ms, whatever the texts. A paragraph of 250 words with
# one word in ten changed takes about 220,000 steps.
_STEPS = 400_000
# What setting up one comparison, and looking at one piece, cost in steps.
_MATCHER_STEPS = 250
_PIECE_STEPS = 150
# Token lists longer than this (pairs of tokens) are not compared whole even if the budget would allow it:
# they lose their common beginning and end first and are compared in pieces.
_PRECISE_PAIRS = 250_000
# Ever finer pieces for long texts: lines (a paragraph of the body is one or more lines), then sentences.
_SENTENCE_ENDS = frozenset(".!?…")


class _OverBudget(Exception):
    pass


class _BoundedMatcher(difflib.SequenceMatcher):
    """A SequenceMatcher (no junk, no autojunk) that raises :class:`_OverBudget` once its searches for the
    longest match would walk more than ``budget[0]`` steps; the budget is shared and spent as it goes."""

    def __init__(self, a, b, budget: list[int]):
        budget[0] -= _MATCHER_STEPS + len(a) + len(b)
        if budget[0] < 0:
            raise _OverBudget
        super().__init__(None, a, b, autojunk=False)
        self._budget = budget
        # Steps a search over a[:i] may take: each token walks its occurrences in b.
        self._steps = [0]
        for item in a:
            self._steps.append(self._steps[-1] + 1 + len(self.b2j.get(item, ())))

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        bhi = len(self.b) if bhi is None else bhi
        self._budget[0] -= self._steps[ahi] - self._steps[alo]
        if self._budget[0] < 0:
            raise _OverBudget
        return super().find_longest_match(alo, ahi, blo, bhi)


def _first_search_steps(a: list[str], b: list[str]) -> int:
    """The steps of the first, widest search for the longest match: a lower bound of the whole cost."""
    counts = Counter(b)
    return sum(1 + counts.get(item, 0) for item in a)


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """``(op, text)`` runs turning ``old`` into ``new`` at word level; white space rides with words.

    Short texts are compared word by word, as they always were. Long ones lose their common beginning and
    end first (one word added to a long body costs little), then are compared line by line and sentence
    by sentence, word by word inside the pieces that changed; all within a budget, past which what is
    left is shown as deleted and inserted whole. Joining the runs other than inserts gives ``old``, other
    than deletes ``new``.
    """
    if old == new:
        return ((EQUAL, new),) if new else ()
    a, b = tokens(old), tokens(new)
    ops: list[tuple[str, str]] = []
    budget = [_STEPS]
    if len(a) * len(b) <= _PRECISE_PAIRS:
        try:
            _match_words(a, b, ops, budget)
            return tuple(_merged(ops))
        except _OverBudget:
            # Tokens repeated in a way that makes the comparison slow: what is left of the budget goes
            # to the pieces, which keep at least the common beginning and end.
            pass
    _diff_pieces(a, b, 0, ops, budget)
    return tuple(_merged(ops))


def _match_words(a: list[str], b: list[str], ops: list[tuple[str, str]], budget: list[int]) -> None:
    found: list[tuple[str, str]] = []
    matcher = _BoundedMatcher(a, b, budget)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            found.append((EQUAL, "".join(a[i1:i2])))
        else:
            _replace(a[i1:i2], b[j1:j2], found)
    ops.extend(found)


def _replace(a: list[str], b: list[str], ops: list[tuple[str, str]]) -> None:
    if a:
        ops.append((DELETE, "".join(a)))
    if b:
        ops.append((INSERT, "".join(b)))


def _diff_pieces(a: list[str], b: list[str], level: int, ops: list, budget: list[int]) -> None:
    """Compare token lists without their common beginning and end. ``budget`` holds the steps comparisons
    may still take; ``level`` is how fine the pieces cut from a long middle are (lines, sentences)."""
    budget[0] -= _PIECE_STEPS + len(a) + len(b)
    start = 0
    limit = min(len(a), len(b))
    while start < limit and a[start] == b[start]:
        start += 1
    end = 0
    limit -= start
    while end < limit and a[-1 - end] == b[-1 - end]:
        end += 1
    if start:
        ops.append((EQUAL, "".join(a[:start])))
    middle_a, middle_b = a[start : len(a) - end], b[start : len(b) - end]
    if not middle_a or not middle_b or budget[0] <= 0 or set(middle_a).isdisjoint(middle_b):
        _replace(middle_a, middle_b, ops)
    elif (
        len(middle_a) * len(middle_b) <= _PRECISE_PAIRS
        # A comparison usually takes a few times its first search; one that would not fit is not begun.
        and 3 * _first_search_steps(middle_a, middle_b) <= budget[0]
    ):
        try:
            _match_words(middle_a, middle_b, ops, budget)
        except _OverBudget:
            _replace(middle_a, middle_b, ops)
    elif level < 2:
        _diff_cut(middle_a, middle_b, level, ops, budget)
    else:
        _replace(middle_a, middle_b, ops)
    if end:
        ops.append((EQUAL, "".join(a[len(a) - end :])))


def _diff_cut(a: list[str], b: list[str], level: int, ops: list, budget: list[int]) -> None:
    budget[0] -= len(a) + len(b)
    pieces_a, pieces_b = _cut(a, level), _cut(b, level)
    if len(pieces_a) == 1 and len(pieces_b) == 1:
        _diff_pieces(a, b, level + 1, ops, budget)
        return
    keys_a = ["".join(piece) for piece in pieces_a]
    keys_b = ["".join(piece) for piece in pieces_b]
    try:
        opcodes = _BoundedMatcher(keys_a, keys_b, budget).get_opcodes()
    except _OverBudget:
        _replace(a, b, ops)
        return
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            ops.append((EQUAL, "".join(keys_a[i1:i2])))
        elif tag == "replace" and i2 - i1 == j2 - j1:
            # As many pieces changed on each side: most likely each was edited where it stands.
            for k in range(i2 - i1):
                if budget[0] <= 0:
                    _replace(_joined(pieces_a[i1 + k : i2]), _joined(pieces_b[j1 + k : j2]), ops)
                    break
                _diff_pieces(pieces_a[i1 + k], pieces_b[j1 + k], level + 1, ops, budget)
        elif tag == "replace":
            _diff_pieces(_joined(pieces_a[i1:i2]), _joined(pieces_b[j1:j2]), level + 1, ops, budget)
        else:
            _replace(_joined(pieces_a[i1:i2]), _joined(pieces_b[j1:j2]), ops)


def _cut(items: list[str], level: int) -> list[list[str]]:
    """``items`` cut after each line end (level 0) or each sentence end (level 1)."""
    pieces: list[list[str]] = []
    current: list[str] = []
    previous = ""
    for token in items:
        current.append(token)
        if token.isspace() and ("\n" in token if level == 0 else previous in _SENTENCE_ENDS):
            pieces.append(current)
            current = []
        previous = token
    if current:
        pieces.append(current)
    return pieces


def _joined(pieces: list[list[str]]) -> list[str]:
    return [token for piece in pieces for token in piece]


def _merged(ops: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Adjacent runs of the same kind as one run, and no empty runs."""
    runs: list[tuple[str, list[str]]] = []
    for op, text in ops:
        if not text:
            continue
        if runs and runs[-1][0] == op:
            runs[-1][1].append(text)
        else:
            runs.append((op, [text]))
    return [(op, "".join(parts)) for op, parts in runs]


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
