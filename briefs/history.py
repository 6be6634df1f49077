"""How edits become history.

django-simple-history writes one row per saved or deleted object. This module makes every such row
belong to exactly one :class:`~briefs.models.Revision`:

* :func:`revision` opens the editorial save: a transaction, a lock on the brief, an optimistic
  conflict check and the Revision row itself.
* :func:`stamp_history_row` (a ``pre_create_historical_record`` receiver) copies the open Revision onto
  each historical row, with its user and time. Saving a tracked model outside a revision raises, so
  nothing is ever written without a record of who, when and why.
* simple-history records nothing for ``QuerySet.update()``, ``bulk_create()`` or ``bulk_update()``.
  :class:`GuardedQuerySet` refuses those calls on tracked models, except inside the helpers below that
  write the history rows themselves.
"""

from __future__ import annotations

import contextvars
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .freshness import brief_changed

logger = logging.getLogger(__name__)


class RevisionRequired(RuntimeError):
    """A tracked model was written outside :func:`revision`."""


class UntrackedWrite(RuntimeError):
    """A bulk write that simple-history would not record was attempted on a tracked model."""


class EditConflict(Exception):
    """Someone else saved the brief since the editor loaded it."""

    def __init__(self, brief, latest):
        self.brief = brief
        self.latest = latest
        who = latest.user.get_username() if latest and latest.user else _("someone")
        when = timezone.localtime(latest.created_at).strftime("%Y-%m-%d %H:%M") if latest else ""
        super().__init__(
            _("%(who)s changed this brief at %(when)s, after you opened it.") % {"who": who, "when": when}
        )


@dataclass
class OpenRevision:
    revision: object
    rows: int = 0
    # What readers' pages depend on: briefs, sections and entities this revision wrote to.
    brief_ids: set = field(default_factory=set)
    section_ids: set = field(default_factory=set)
    entity_ids: set = field(default_factory=set)

    def note_row(self, instance) -> None:
        name = type(instance).__name__
        if name == "Brief":
            self.brief_ids.add(instance.pk)
        elif name == "Section":
            self.brief_ids.add(instance.brief_id)
        elif name == "Entity":
            self.entity_ids.add(instance.pk)
        elif name == "TaggedEntity":
            # A tagging shows only in its own section; an entity's name shows wherever it is tagged.
            self.section_ids.add(instance.content_object_id)


_current: contextvars.ContextVar[OpenRevision | None] = contextvars.ContextVar(
    "briefs_open_revision", default=None
)
_untracked_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "briefs_untracked_allowed", default=False
)


def current_revision():
    opened = _current.get()
    return opened.revision if opened else None


@contextmanager
def revision(brief, *, user=None, note="", kind=None, public=None, expected_revision=None, at=None):
    """Group every write made inside the block into one Revision.

    ``brief`` may be ``None`` for changes to shared entities. ``expected_revision`` is the id of the
    latest revision the editor saw; if the brief has moved on, :class:`EditConflict` is raised before
    anything is written. Nested calls join the outer revision. A block that changes nothing leaves no
    Revision behind; ``opened.revision`` is then ``None``.
    """
    from .models import Brief, BriefStatus, Revision, RevisionKind

    outer = _current.get()
    if outer is not None:
        yield outer
        return

    kind = kind or RevisionKind.UPDATE
    with transaction.atomic():
        if brief is not None and brief.pk is not None:
            # A short row lock serialises savers of one brief; the conflict check happens under it.
            Brief.objects.select_for_update().filter(pk=brief.pk).values_list("pk", flat=True).first()
            if expected_revision is not None:
                latest = Revision.objects.filter(brief_id=brief.pk).select_related("user").first()
                latest_id = latest.pk if latest else None
                if latest_id != (int(expected_revision) if expected_revision else None):
                    raise EditConflict(brief, latest)
        rev = Revision(
            brief=brief if brief is not None and brief.pk else None,
            user=user if user is not None and user.is_authenticated else None,
            note=note.strip(),
            kind=kind,
            created_at=at or timezone.now(),
        )
        rev.full_clean(exclude=["brief", "user"])
        rev.save()
        opened = OpenRevision(rev)
        token = _current.set(opened)
        try:
            yield opened
        finally:
            _current.reset(token)

        if opened.rows == 0:
            rev.delete()
            opened.revision = None
            return
        changed = _bump_versions(opened, brief)
        if brief is not None:
            brief.refresh_from_db(fields=["status", "first_published_at", "last_material_update_at"])
            if rev.brief_id is None:
                rev.brief = brief
            is_public = (
                public
                if public is not None
                else (kind != RevisionKind.MINOR and brief.status == BriefStatus.PUBLISHED)
            )
            rev.is_public = bool(is_public) and kind != RevisionKind.MINOR
            rev.save(update_fields=["brief", "is_public"])
            if rev.is_public:
                brief.last_material_update_at = rev.created_at
                brief.save_without_historical_record(update_fields=["last_material_update_at"])
        if changed:
            brief_changed()
            # After the commit, outside the brief's lock: readers are served correctly meanwhile (a
            # stale article is never used), and a rendering failure cannot undo the save.
            transaction.on_commit(lambda: _render_articles(changed))


def _render_articles(brief_ids) -> None:
    from .rendering import refresh_renditions

    try:
        refresh_renditions(brief_ids)
    except Exception:
        logger.exception(
            "Could not render the articles of briefs %s; readers get them rendered on the spot.",
            sorted(brief_ids),
        )


def _bump_versions(opened: OpenRevision, brief) -> set[int]:
    """Move on the version of every brief whose reader pages this revision changed; return their ids.

    The version is what ETags and render caches key on; an entity renamed or merged changes every brief
    that mentions it, so those move on too. One query to find them, one to update them.
    """
    from .models import Brief

    brief_ids = set(opened.brief_ids)
    if brief is not None and brief.pk:
        brief_ids.add(brief.pk)
    affected = Brief.objects.filter(
        models.Q(pk__in=brief_ids)
        | models.Q(sections__in=opened.section_ids)
        | models.Q(sections__tagged_entities__tag_id__in=opened.entity_ids)
    ).values_list("pk", flat=True)
    ids = set(affected) if (opened.section_ids or opened.entity_ids) else brief_ids
    if ids:
        with _allow_untracked():
            Brief.objects.filter(pk__in=ids).update(
                version=models.F("version") + 1, changed_at=opened.revision.created_at
            )
    return ids


def stamp_history_row(sender, instance, history_instance, **kwargs):
    opened = _current.get()
    if opened is None:
        raise RevisionRequired(
            f"{type(instance).__name__} was saved outside briefs.history.revision(); "
            "use the functions in briefs.services so the change is recorded."
        )
    rev = opened.revision
    history_instance.revision = rev
    history_instance.history_date = rev.created_at
    history_instance.history_user_id = rev.user_id
    history_instance.history_change_reason = rev.note[:100] or None
    opened.rows += 1
    opened.note_row(instance)


def require_open_revision(sender, instance, raw=False, **kwargs):
    """Refuse a tracked write before it reaches the database, not after."""
    if raw or hasattr(instance, "skip_history_when_saving") or _current.get() is not None:
        return
    raise RevisionRequired(
        f"{type(instance).__name__} was written outside briefs.history.revision(); "
        "use the functions in briefs.services so the change is recorded."
    )


def revision_history_user(instance=None, request=None, **kwargs):
    rev = current_revision()
    return rev.user if rev is not None else None


class RevisionedHistoricalModel(models.Model):
    """Abstract base of every historical model: the Revision the row belongs to."""

    revision = models.ForeignKey(
        "briefs.Revision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="revision",
        help_text="The editorial save that wrote this row.",
    )

    class Meta:
        abstract = True


class GuardedQuerySet(models.QuerySet):
    """Refuses the bulk writes that would leave no history, outside the helpers of this module."""

    def _refuse(self, what):
        if not _untracked_allowed.get():
            raise UntrackedWrite(
                f"{self.model.__name__}.objects.{what}() writes no history; use briefs.services "
                f"or the *_with_history helpers in briefs.history."
            )

    def update(self, **kwargs):
        self._refuse("update")
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        self._refuse("bulk_create")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, *args, **kwargs):
        self._refuse("bulk_update")
        return super().bulk_update(objs, *args, **kwargs)


@contextmanager
def _allow_untracked():
    token = _untracked_allowed.set(True)
    try:
        yield
    finally:
        _untracked_allowed.reset(token)


def _require_open():
    opened = _current.get()
    if opened is None:
        raise RevisionRequired("Bulk history writes need an open briefs.history.revision().")
    return opened


def _history_attrs(opened):
    rev = opened.revision
    return {
        "default_user": rev.user,
        "default_date": rev.created_at,
        "default_change_reason": rev.note[:100],
        "custom_historical_attrs": {"revision": rev},
    }


def bulk_create_with_history(objs, model):
    """Insert ``objs`` in one query and their ``+`` history rows in another."""
    from simple_history.utils import bulk_create_with_history as create

    objs = list(objs)
    if not objs:
        return []
    opened = _require_open()
    with _allow_untracked():
        created = create(objs, model, **_history_attrs(opened))
    opened.rows += len(created)
    for obj in created:
        opened.note_row(obj)
    return created


def bulk_update_with_history(objs, model, fields):
    """Update ``fields`` of ``objs`` in one query and write their ``~`` history rows in another."""
    from simple_history.utils import bulk_update_with_history as update

    objs = list(objs)
    if not objs:
        return 0
    opened = _require_open()
    with _allow_untracked():
        count = update(objs, model, fields, **_history_attrs(opened))
    opened.rows += len(objs)
    for obj in objs:
        opened.note_row(obj)
    return count


def bulk_delete_with_history(queryset):
    """Delete the rows of ``queryset`` and write their ``-`` history rows, in two queries plus a select."""
    opened = _require_open()
    objs = list(queryset)
    if not objs:
        return 0
    model = queryset.model
    history_model = model.history.model
    rev = opened.revision
    rows = [
        history_model(
            history_date=rev.created_at,
            history_user_id=rev.user_id,
            history_change_reason=rev.note[:100] or None,
            history_type="-",
            revision=rev,
            **{f.attname: getattr(obj, f.attname) for f in history_model.tracked_fields},
        )
        for obj in objs
    ]
    history_model.objects.bulk_create(rows)
    # A raw delete: the history rows are written above, and signals would write them twice.
    model.objects.filter(pk__in=[o.pk for o in objs])._raw_delete(queryset.db)
    opened.rows += len(rows)
    for obj in objs:
        opened.note_row(obj)
    return len(rows)


def move_out_of_the_way(model, pks, field):
    """Park ``field`` of the given rows far above any real value, without history.

    Used before a reorder so that a named unique constraint on position never sees two rows on the
    same place mid-update. The final positions are then written with history; the parked values exist
    only inside the transaction and are never recorded.
    """
    _require_open()
    with _allow_untracked():
        model.objects.filter(pk__in=list(pks)).update(**{field: models.F(field) + PARKING_OFFSET})


PARKING_OFFSET = 10_000_000
