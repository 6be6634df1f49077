"""Retention: drop old history that no reader and no kept revision depends on.

A revision may go when it is not public, is minor (not material) and is older than the cut-off. Its
history rows may go only where no kept revision still reads them: ``state_as_of`` takes each object's
latest row at or before a revision, so a row is needed as long as some kept revision falls between it
and the object's next row. Rows still needed stay, and so does their revision, so every kept revision
rebuilds exactly as before. This module only plans; :func:`briefs.services.prune_history` deletes.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..models import Brief, Entity, Revision, RevisionKind, Section, TaggedEntity

TRACKED = (Brief, Section, Entity, TaggedEntity)


@dataclass
class PrunePlan:
    revisions: list[int] = field(default_factory=list)
    rows: dict[str, list[int]] = field(default_factory=dict)
    kept_for_later: int = 0

    @property
    def row_count(self) -> int:
        return sum(len(ids) for ids in self.rows.values())


def prunable_revisions(before):
    return Revision.objects.filter(is_public=False, kind=RevisionKind.MINOR, created_at__lt=before)


def plan_prune(before) -> PrunePlan:
    candidates = set(prunable_revisions(before).values_list("pk", flat=True))
    plan = PrunePlan()
    if not candidates:
        return plan
    kept = sorted(set(Revision.objects.values_list("pk", flat=True)) - candidates)
    still_needed: set[int] = set()
    for model in TRACKED:
        history = model.history.model
        rows = history.objects.filter(revision__isnull=False).order_by("id", "history_id")
        doomed: list[int] = []
        previous = None
        for object_id, history_id, revision_id in rows.values_list(
            "id", "history_id", "revision_id"
        ).iterator():
            if previous is not None and previous[0] == object_id:
                _judge(previous, revision_id, candidates, kept, doomed, still_needed)
            elif previous is not None:
                _judge(previous, None, candidates, kept, doomed, still_needed)
            previous = (object_id, history_id, revision_id)
        if previous is not None:
            _judge(previous, None, candidates, kept, doomed, still_needed)
        if doomed:
            plan.rows[model.__name__] = doomed
    plan.revisions = sorted(candidates - still_needed)
    plan.kept_for_later = len(candidates & still_needed)
    return plan


def _judge(row, next_revision_id, candidates, kept, doomed, still_needed):
    _object_id, history_id, revision_id = row
    if revision_id not in candidates:
        return
    if next_revision_id is None:
        # The object's latest row: every later revision reads it.
        still_needed.add(revision_id)
        return
    # Is any kept revision in [revision_id, next_revision_id)? Then it still reads this row.
    index = bisect.bisect_left(kept, revision_id)
    if index < len(kept) and kept[index] < next_revision_id:
        still_needed.add(revision_id)
    else:
        doomed.append(history_id)
