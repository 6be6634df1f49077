"""How an editorial save is recorded.

:func:`revision` opens one editorial save: a transaction, the brief's row lock, the conflict check
against the revision the editor saw, and a record of what readers saw before. Every historical row
django-simple-history writes inside it is stamped with the :class:`~briefs.models.Revision` (its actor
and time). When the block ends, the recording layer decides, from what readers see before and after,
whether the revision is public and which pages changed, moves on the version of those pages, and once
the transaction has committed sends :data:`briefs.signals.revision_committed`.

What follows from a save (rendering, caches, purges) subscribes to that signal; nothing here knows
about it. Who may make a change is decided in :mod:`briefs.services`, which attaches its checks to the
open revision (:meth:`OpenRevision.check_on_close`).

simple-history records nothing for ``QuerySet.update()``, ``bulk_create()`` or ``bulk_update()``; the
``*_with_history`` helpers below are the only bulk writes, and they record every row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history as simple_bulk_create
from simple_history.utils import bulk_update_with_history as simple_bulk_update

from . import tracking
from .actors import SystemActor
from .models import Brief, Entity, Revision, RevisionKind, Section, TaggedEntity
from .revisions.state import (
    BRIEF_FIELDS,
    BriefState,
    ReaderView,
    entities_shown_differently,
    live_sections,
    reader_view,
)
from .signals import revision_committed
from .text import clean_text
from .tracking import RevisionRequired, UntrackedWrite

__all__ = [
    "EditConflict",
    "NestedRevisionMismatch",
    "OpenRevision",
    "RevisionRequired",
    "UntrackedWrite",
    "bulk_create_with_history",
    "bulk_delete_with_history",
    "bulk_update_with_history",
    "latest_revision",
    "move_out_of_the_way",
    "revision",
]

logger = logging.getLogger(__name__)

PARKING_OFFSET = 10_000_000
NOTE_REQUIRED = next(c for c in Revision._meta.constraints if c.name == "briefs_revision_note_unless_minor")


class EditConflict(Exception):
    """Someone else saved the brief since the editor loaded it."""

    def __init__(self, brief, latest):
        self.brief = brief
        self.latest = latest
        who = latest.actor_name if latest else _("someone")
        when = timezone.localtime(latest.created_at).strftime("%Y-%m-%d %H:%M") if latest else ""
        super().__init__(
            _("%(who)s changed this brief at %(when)s, after you opened it.") % {"who": who, "when": when}
        )


class NestedRevisionMismatch(ValueError):
    """A call inside an open revision asked for a different actor, brief, note, kind or time."""


@dataclass
class OpenRevision:
    """The revision being recorded. Its :class:`~briefs.models.Revision` row is written with the first
    history row, so a block that changes nothing leaves no trace."""

    actor: object
    created_at: datetime
    note: str | None = None
    kind: str | None = None
    default_note: str = ""
    default_kind: str = ""
    brief: Brief | None = None
    revision: Revision | None = None
    rows: int = 0
    before: ReaderView | None = None
    after: ReaderView | None = None
    # Filled as rows are written: what the revision may have changed on readers' pages.
    section_ids: set = field(default_factory=set)
    entity_ids: set = field(default_factory=set)
    shown_entity_ids: set = field(default_factory=set)
    public_record_changed: bool = False
    # The revision saved by someone else since the editor's form was opened, merged into this one.
    merged_with: Revision | None = None
    _checks: list = field(default_factory=list)

    # Describing the revision -------------------------------------------------------------------------

    def describe(self, *, note=None, kind=None, default_note: str = "", default_kind: str = "") -> None:
        """Set the note and kind. A value already set may be repeated but not changed; a default is
        used only if no value is ever set, and the first default given wins."""
        if note is not None:
            note = clean_text(note).strip()
            if self.note is not None and note != self.note:
                raise NestedRevisionMismatch(
                    f"This revision's note is already {self.note!r}; a nested call asked for {note!r}."
                )
            self.note = note
        if kind is not None:
            if self.kind is not None and kind != self.kind:
                raise NestedRevisionMismatch(
                    f"This revision is already a {self.kind}; a nested call asked for {kind}."
                )
            self.kind = kind
        if default_note and not self.default_note:
            self.default_note = default_note
        if default_kind and not self.default_kind:
            self.default_kind = default_kind

    def record_merge(self, revision: Revision) -> None:
        """This save was made from a form opened before ``revision`` and merged with it."""
        self.merged_with = revision

    def check_on_close(self, check: Callable[[OpenRevision], None]) -> None:
        """Run ``check(self)`` when the block ends, before anything is final; it may raise to refuse."""
        if check not in self._checks:
            self._checks.append(check)

    @property
    def final_kind(self) -> str:
        return self.kind or self.default_kind or RevisionKind.UPDATE

    @property
    def final_note(self) -> str:
        return self.note if self.note is not None else self.default_note

    @property
    def changes_what_readers_see(self) -> bool:
        """Whether the brief of this revision looks different to readers after it (known once closed)."""
        return self.before != self.after or self.public_record_changed

    def record_public_change(self) -> Revision:
        """Readers will see this revision although no tracked row changes: the public record of the
        brief itself changed (text withdrawn from its history)."""
        self.public_record_changed = True
        return self.ensure_saved()

    # The brief --------------------------------------------------------------------------------------

    def adopt(self, brief: Brief, *, created: bool = False, expected_revision=None) -> None:
        """Make ``brief`` the brief of this revision: lock its row, check the revision the editor saw,
        and note what readers see of it now. ``created``: the brief was created in this revision."""
        if self.brief is not None:
            if brief.pk != self.brief.pk:
                raise NestedRevisionMismatch(
                    f"This revision records brief {self.brief.pk}; a nested call asked for brief {brief.pk}."
                )
            if expected_revision is not None:
                raise NestedRevisionMismatch("Check the expected revision when the revision is opened.")
            return
        self.brief = brief
        if created or brief.pk is None:
            self.before = None
            return
        # A short row lock serialises savers of one brief; the conflict check happens under it.
        locked = Brief.objects.select_for_update().get(pk=brief.pk)
        if expected_revision is not None:
            check_expected_revision(brief, expected_revision)
        self.before = reader_view(BriefState(brief.pk, None, _fields(locked), live_sections(brief.pk)))

    # Recording rows ----------------------------------------------------------------------------------

    def ensure_saved(self) -> Revision:
        if self.revision is None:
            user, system_actor = _actor_columns(self.actor)
            # Provisional values that satisfy every constraint; the real ones are written on close.
            self.revision = Revision.objects.create(
                brief=self.brief if self.brief is not None and self.brief.pk else None,
                user=user,
                system_actor=system_actor,
                note="",
                kind=RevisionKind.MINOR,
                is_public=False,
                created_at=self.created_at,
            )
        return self.revision

    def stamp(self, history_instance, instance) -> None:
        rev = self.ensure_saved()
        history_instance.revision = rev
        history_instance.history_date = rev.created_at
        history_instance.history_user_id = rev.user_id
        self.note_row(instance)

    def note_row(self, instance) -> None:
        self.rows += 1
        if isinstance(instance, Section):
            self.section_ids.add(instance.pk)
        elif isinstance(instance, TaggedEntity):
            self.section_ids.add(instance.content_object_id)
            self.entity_ids.add(instance.tag_id)
        elif isinstance(instance, Entity):
            self.entity_ids.add(instance.pk)

    def entity_shown_differently(self, entity_id: int) -> None:
        """An entity's name, kind or description, which readers see wherever it is tagged, changed."""
        self.shown_entity_ids.add(entity_id)

    def history_attrs(self) -> dict:
        rev = self.ensure_saved()
        return {
            "default_user": rev.user,
            "default_date": rev.created_at,
            "custom_historical_attrs": {"revision": rev},
        }

    # Closing ---------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Decide what the revision is, inside the transaction. Raises to refuse the whole save."""
        if self.revision is None:
            return
        brief = self.brief
        if brief is not None and brief.pk is not None:
            fields = dict(Brief.objects.filter(pk=brief.pk).values(*BRIEF_FIELDS).get())
            self.after = reader_view(BriefState(brief.pk, None, fields, live_sections(brief.pk)))
        for check in self._checks:
            check(self)

        rev = self.revision
        rev.brief = brief if brief is not None and brief.pk else None
        rev.note = self.final_note
        rev.kind = self.final_kind
        rev.is_public = (
            rev.brief is not None and rev.kind != RevisionKind.MINOR and self.changes_what_readers_see
        )
        rev.clean_fields(exclude=["brief", "user"])
        if rev.kind != RevisionKind.MINOR and not rev.note:
            # The named constraint would refuse it too; this says so before the database does.
            raise ValidationError({"note": NOTE_REQUIRED.get_violation_error_message()})
        rev.merged_with = self.merged_with
        rev.save(update_fields=["brief", "note", "kind", "is_public", "merged_with"])

        brief_ids, entity_ids = self._pages_changed()
        # Caches of the log, not editorial content: written without history.
        with tracking.untracked_writes_allowed():
            if brief_ids:
                Brief.objects.filter(pk__in=brief_ids).update(
                    version=models.F("version") + 1, changed_at=rev.created_at
                )
            if rev.is_public:
                Brief.objects.filter(pk=rev.brief_id).update(last_material_update_at=rev.created_at)
            if newly_shown := self._entities_first_shown():
                Entity.objects.filter(pk__in=newly_shown, first_shown_at__isnull=True).update(
                    first_shown_at=rev.created_at
                )
        if rev.brief is not None:
            # The caller's instance says what the row now says.
            brief.refresh_from_db(fields=["version", "changed_at", "last_material_update_at"])
        transaction.on_commit(
            partial(_announce, rev, frozenset(brief_ids), frozenset(entity_ids)), robust=True
        )

    def _entities_first_shown(self) -> frozenset[int]:
        """Entities this revision shows readers that they did not see in the brief before."""
        if self.after is None:
            return frozenset()
        return self.after.entity_ids - (self.before.entity_ids if self.before is not None else frozenset())

    def _pages_changed(self) -> tuple[set[int], set[int]]:
        """The published briefs whose pages changed, and the entities whose pages may have."""
        brief_ids: set[int] = set()
        entity_ids = set(self.entity_ids)
        own = self.brief.pk if self.brief is not None else None
        if own is not None and self.changes_what_readers_see:
            brief_ids.add(own)
            entity_ids |= entities_shown_differently(self.before, self.after)
        # Other briefs: those whose sections a brief-less revision retagged (an entity deleted or
        # merged), and those that show an entity whose name or description changed.
        reach = models.Q()
        if own is None and self.section_ids:
            reach |= models.Q(sections__pk__in=self.section_ids)
        if self.shown_entity_ids:
            reach |= models.Q(sections__tagged_entities__tag_id__in=self.shown_entity_ids)
        if reach:
            others = (
                Brief.objects.published()
                .filter(reach, sections__hidden=False)
                .exclude(pk=own)
                .values_list("pk", flat=True)
                .distinct()
            )
            brief_ids |= set(others)
        return brief_ids, entity_ids


def _fields(brief: Brief) -> dict:
    return {name: getattr(brief, name) for name in BRIEF_FIELDS}


def _actor_columns(actor) -> tuple[object | None, str]:
    if isinstance(actor, SystemActor):
        return None, actor.name
    if actor is None:
        raise TypeError("Say who makes the change: pass actor=<a user> or actor=briefs.actors.SYSTEM.")
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        raise PermissionDenied(_("Sign in to change briefs."))
    return actor, ""


def _announce(rev: Revision, brief_ids: frozenset, entity_ids: frozenset) -> None:
    for receiver, result in revision_committed.send_robust(
        sender=Revision, revision=rev, brief_ids=brief_ids, entity_ids=entity_ids
    ):
        if isinstance(result, Exception):
            logger.error(
                "A reaction to revision %s failed (%s); the revision itself is saved.",
                rev.pk,
                getattr(receiver, "__qualname__", receiver),
                exc_info=result,
            )


def latest_revision(brief) -> Revision | None:
    return Revision.objects.filter(brief_id=brief.pk).select_related("user").order_by("-pk").first()


def check_expected_revision(brief, expected: int) -> None:
    """Raise :class:`EditConflict` unless ``expected`` is still the brief's latest revision. Call it
    under the brief's row lock."""
    latest = latest_revision(brief)
    if latest is None or latest.pk != int(expected):
        raise EditConflict(brief, latest)


@contextmanager
def revision(
    brief: Brief | None = None,
    *,
    actor,
    note: str | None = None,
    kind: str | None = None,
    default_note: str = "",
    default_kind: str = "",
    expected_revision: int | None = None,
    at: datetime | None = None,
):
    """Group every write made inside the block into one Revision, made by ``actor``.

    ``brief`` may be ``None`` for changes to shared entities, or for a brief created inside the block.
    ``note`` and ``kind`` may also be given later, by :meth:`OpenRevision.describe`; ``default_note``
    and ``default_kind`` are used when none is given (a minor change needs no note).
    ``expected_revision`` is the id of the latest revision the editor saw: if the brief has moved on,
    :class:`EditConflict` is raised before anything is written.

    A nested call joins the open revision; asking it for a different actor, brief, note, kind or time
    raises :class:`NestedRevisionMismatch` rather than being ignored.
    """
    outer = tracking.current()
    if outer is not None:
        if actor != outer.actor:
            raise NestedRevisionMismatch(
                f"This revision is made by {outer.actor}; a nested call named {actor} instead."
            )
        if at is not None and at != outer.created_at:
            raise NestedRevisionMismatch("A nested call cannot change the time of the open revision.")
        outer.describe(note=note, kind=kind, default_note=default_note, default_kind=default_kind)
        if brief is not None and brief.pk is not None:
            outer.adopt(brief, expected_revision=expected_revision)
        elif expected_revision is not None:
            raise NestedRevisionMismatch("Check the expected revision when the revision is opened.")
        yield outer
        return

    _actor_columns(actor)
    opened = OpenRevision(actor=actor, created_at=at or timezone.now())
    opened.describe(note=note, kind=kind, default_note=default_note, default_kind=default_kind)
    with transaction.atomic():
        if brief is not None and brief.pk is not None:
            opened.adopt(brief, expected_revision=expected_revision)
        with tracking.activate(opened):
            yield opened
        opened.close()


def stamp_history_row(sender, instance, history_instance, **kwargs):
    """``pre_create_historical_record`` receiver: the row belongs to the open revision."""
    opened = tracking.current()
    if opened is None:
        raise RevisionRequired(
            f"{type(instance).__name__} was saved outside briefs.history.revision(); "
            "use the functions in briefs.services so the change is recorded."
        )
    opened.stamp(history_instance, instance)


# Bulk writes that record history ------------------------------------------------------------------


def _require_open() -> OpenRevision:
    opened = tracking.current()
    if opened is None:
        raise RevisionRequired("Bulk history writes need an open briefs.history.revision().")
    return opened


def bulk_create_with_history(objs: Iterable[models.Model], model) -> list:
    """Insert ``objs`` in one query and their ``+`` history rows in another."""
    objs = list(objs)
    if not objs:
        return []
    opened = _require_open()
    with tracking.untracked_writes_allowed():
        created = simple_bulk_create(objs, model, **opened.history_attrs())
    for obj in created:
        opened.note_row(obj)
    return created


def bulk_update_with_history(objs: Iterable[models.Model], model, fields: list[str]) -> int:
    """Update ``fields`` of ``objs`` in one query and write their ``~`` history rows in another."""
    objs = list(objs)
    if not objs:
        return 0
    opened = _require_open()
    with tracking.untracked_writes_allowed():
        count = simple_bulk_update(objs, model, fields, **opened.history_attrs())
    for obj in objs:
        opened.note_row(obj)
    return count


def bulk_delete_with_history(queryset) -> int:
    """Delete the rows of ``queryset`` and write their ``-`` history rows, in a constant number of
    queries. Delete dependent tracked rows first (a section's taggings): a cascade would record them
    one by one."""
    opened = _require_open()
    objs = list(queryset)
    if not objs:
        return 0
    model = queryset.model
    history_model = model.history.model
    attrs = opened.history_attrs()
    history_model.objects.bulk_create(
        [
            history_model(
                history_date=attrs["default_date"],
                history_user=attrs["default_user"],
                history_type="-",
                revision=attrs["custom_historical_attrs"]["revision"],
                **{f.attname: getattr(obj, f.attname) for f in history_model.tracked_fields},
            )
            for obj in objs
        ]
    )
    with tracking.deletions_recorded(objs):
        model.objects.filter(pk__in=[obj.pk for obj in objs]).delete()
    for obj in objs:
        opened.note_row(obj)
    return len(objs)


def move_out_of_the_way(model, pks, field_name: str) -> None:
    """Park ``field_name`` of the given rows far above any real value, without history.

    Used before a reorder so that a named unique constraint on position never sees two rows on the
    same place mid-update. The final positions are then written with history; the parked values exist
    only inside the transaction and are never recorded.
    """
    _require_open()
    with tracking.untracked_writes_allowed():
        model.objects.filter(pk__in=list(pks)).update(**{field_name: models.F(field_name) + PARKING_OFFSET})
