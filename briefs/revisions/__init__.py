"""Revision logic as plain code: a brief's state at any revision (:mod:`.state`), the difference between
two states (:mod:`.diff`), what changed for a reader since a moment (:mod:`.changes`), the plan that
reverts a brief (:mod:`.revert`) and which history may be pruned (:mod:`.retention`).

These modules read the history tables and compute; none of them writes.
"""
