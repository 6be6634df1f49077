"""Signals the plugin sends. Recording a save and reacting to it are kept apart: the recording layer
(:mod:`briefs.history`) sends these, and caches, renders, purges and notifications subscribe to them."""

from django.dispatch import Signal

revision_committed = Signal()
"""Sent once a revision's transaction has committed, never if it rolled back.

Arguments: ``revision`` (the :class:`~briefs.models.Revision`), ``brief_ids`` (a frozenset of the briefs
whose public pages it changed; empty when readers see no difference) and ``entity_ids`` (a frozenset of
the entities whose pages it may have changed). Receivers run after the commit, outside the brief's lock;
a receiver that raises is logged and does not stop the others or undo the save.
"""
