"""Who may change what. :mod:`briefs.services` enforces these rules on every write; the desk asks the
same questions only to decide what to offer.

The central rule: changing what readers see needs ``briefs.publish_brief``. Whether a revision changes
what readers see is decided by the recording layer from the brief before and after
(:attr:`briefs.history.OpenRevision.changes_what_readers_see`), whoever calls it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .actors import is_system

PUBLISH = "briefs.publish_brief"


def _has(actor, perm: str) -> bool:
    if is_system(actor):
        return True
    if actor is None:
        raise TypeError("Say who makes the change: pass actor=<a user> or actor=briefs.actors.SYSTEM.")
    return bool(actor.is_active and actor.has_perm(perm))


def may_publish(actor) -> bool:
    """Publish, unpublish, change anything readers see, merge entities, mark sections reviewed."""
    return _has(actor, PUBLISH)


def may_create_briefs(actor) -> bool:
    return _has(actor, "briefs.add_brief")


def may_edit_briefs(actor) -> bool:
    return _has(actor, "briefs.change_brief")


def may_edit_brief(actor, brief) -> bool:
    """Editors edit any brief. Reporters edit their own drafts and those shared with them, and may work
    on any published brief, where only hidden sections are theirs to change (see
    :func:`readers_need_a_publisher`)."""
    if not may_edit_briefs(actor):
        return False
    if is_system(actor) or may_publish(actor) or brief.pk is None or brief.is_published:
        return True
    return brief.created_by_id == actor.pk or brief.collaborators.filter(pk=actor.pk).exists()


def may_share_brief(actor, brief) -> bool:
    """Who may share a draft: whoever started it, and editors."""
    return may_edit_briefs(actor) and (
        is_system(actor) or may_publish(actor) or brief.created_by_id == getattr(actor, "pk", None)
    )


def may_create_entities(actor) -> bool:
    return _has(actor, "briefs.add_entity")


def may_edit_entities(actor) -> bool:
    return _has(actor, "briefs.change_entity")


def may_delete_entities(actor) -> bool:
    return _has(actor, "briefs.delete_entity")


def may_merge_entities(actor) -> bool:
    """A merge moves taggings readers see and deletes entities: it needs all three permissions."""
    return may_publish(actor) and may_edit_entities(actor) and may_delete_entities(actor)


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You do not have permission to make this change."))


def readers_need_a_publisher(opened) -> None:
    """A close check of every editorial revision: what readers see changes only by a publisher."""
    if opened.changes_what_readers_see and not may_publish(opened.actor):
        raise PermissionDenied(_("Only editors with the publish permission may change what readers see."))
