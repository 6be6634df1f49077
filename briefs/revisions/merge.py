"""Three-way merge of an editor's save with what others saved since the editor opened the brief.

*base* is the value the editor started from, *theirs* the value saved since, *mine* the value the
editor submits. A value changed on one side only takes that side's change; a value changed the same way
on both sides is taken once; a value changed differently on both sides is a conflict, which the desk
shows to the editor instead of saving. Section bodies merge by paragraph, as diff3 and MediaWiki merge
by line, so two editors who change different paragraphs of one section both keep their change.
Paragraphs changed next to each other on both sides are a conflict: no order of the two is safer than
the other.

Plain functions on plain values: the desk decides what the values are and what a conflict looks like.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

# A paragraph is what Markdown makes one of: text between blank lines.
PARAGRAPH_BREAK = "\n\n"


@dataclass(frozen=True)
class Merged:
    """The outcome for one value: ``value`` unless ``conflict``, in which case nothing is decided."""

    value: Any
    conflict: bool = False
    # Whether the editor's side changed anything: if not, the save has nothing to write for it.
    mine_changed: bool = False


def merge_value(base, theirs, mine) -> Merged:
    """Merge a value that cannot be split: a heading, a flag, a title."""
    if mine == base:
        return Merged(theirs)
    if theirs in (base, mine):
        return Merged(mine, mine_changed=mine != theirs)
    return Merged(None, conflict=True, mine_changed=True)


def merge_set(base: frozenset, theirs: frozenset, mine: frozenset) -> Merged:
    """Merge sets (a section's entities) member by member: additions and removals of both sides count.
    Never a conflict: one side adding what the other removed cannot happen to a member both started
    without or with."""
    base, theirs, mine = frozenset(base), frozenset(theirs), frozenset(mine)
    merged = (theirs | (mine - base)) - (base - mine)
    return Merged(merged, mine_changed=merged != theirs)


def paragraphs(text: str) -> list[str]:
    return text.replace("\r\n", "\n").split(PARAGRAPH_BREAK)


def merge_text(base: str, theirs: str, mine: str) -> Merged:
    """Merge text paragraph by paragraph (diff3 on paragraphs)."""
    if mine == base:
        return Merged(theirs)
    if theirs in (base, mine):
        return Merged(mine, mine_changed=mine != theirs)
    merged = merge_sequences(paragraphs(base), paragraphs(theirs), paragraphs(mine))
    if merged is None:
        return Merged(None, conflict=True, mine_changed=True)
    text = PARAGRAPH_BREAK.join(merged)
    return Merged(text, mine_changed=text != theirs)


def _matches(base: list, other: list) -> dict[int, int]:
    """For each item of ``base`` kept unchanged in ``other``, its index there."""
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return {
        block.a + offset: block.b + offset
        for block in matcher.get_matching_blocks()
        for offset in range(block.size)
    }


def merge_sequences(base: list, theirs: list, mine: list) -> list | None:
    """diff3: walk the items of ``base`` that both sides kept; between two of them, take the side that
    changed the stretch, or either when both changed it alike. None if both changed it differently."""
    in_theirs, in_mine = _matches(base, theirs), _matches(base, mine)
    # Items both sides kept, in order, as (base, theirs, mine) indexes; the ends close the last stretch.
    anchors = [(i, in_theirs[i], in_mine[i]) for i in range(len(base)) if i in in_theirs and i in in_mine]
    anchors.append((len(base), len(theirs), len(mine)))
    result: list = []
    b = t = m = 0
    for anchor_b, anchor_t, anchor_m in anchors:
        if anchor_t < t or anchor_m < m:
            continue  # kept by both, but moved on one side: it is part of the stretch around it
        was, their, my = base[b:anchor_b], theirs[t:anchor_t], mine[m:anchor_m]
        if their == was:
            result += my
        elif my in (was, their):
            result += their
        else:
            return None
        if anchor_b < len(base):
            result.append(base[anchor_b])
        b, t, m = anchor_b + 1, anchor_t + 1, anchor_m + 1
    return result
