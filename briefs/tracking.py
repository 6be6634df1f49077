"""The guard rails under the models: what every tracked model shares, and what refuses an unrecorded write.

* :class:`RevisionedHistoricalModel` is the abstract base of every historical table: each row points at
  the :class:`~briefs.models.Revision` of the save that wrote it.
* :class:`RevisionedHistoricalRecords` is django-simple-history's field, taught to leave alone a deletion
  whose history row was already written in bulk (:func:`deletions_recorded`).
* :class:`GuardedQuerySet` refuses ``update()``, ``bulk_create()`` and ``bulk_update()`` on tracked models,
  because simple-history records nothing for them, except inside :func:`untracked_writes_allowed`.
* The open revision of this context is kept here (:func:`current`, :func:`activate`), so that the models
  and the recording layer (:mod:`briefs.history`) can both reach it without importing each other.

This module imports nothing from the rest of the plugin.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import models
from simple_history.models import HistoricalRecords


class RevisionRequired(RuntimeError):
    """A tracked model was written outside :func:`briefs.history.revision`."""


class UntrackedWrite(RuntimeError):
    """A bulk write that simple-history would not record was attempted on a tracked model."""


_open: contextvars.ContextVar[object | None] = contextvars.ContextVar("briefs_open_revision", default=None)
_untracked: contextvars.ContextVar[bool] = contextvars.ContextVar("briefs_untracked_allowed", default=False)
_deleted: contextvars.ContextVar[frozenset] = contextvars.ContextVar(
    "briefs_deletions_recorded", default=frozenset()
)


def current():
    """The revision being recorded in this context (a :class:`briefs.history.OpenRevision`), or ``None``."""
    return _open.get()


@contextmanager
def activate(opened):
    token = _open.set(opened)
    try:
        yield opened
    finally:
        _open.reset(token)


@contextmanager
def untracked_writes_allowed():
    token = _untracked.set(True)
    try:
        yield
    finally:
        _untracked.reset(token)


@contextmanager
def deletions_recorded(objs: Iterable[models.Model]):
    """The history rows of deleting ``objs`` are written already: the delete signal must not add more."""
    token = _deleted.set(_deleted.get() | {(type(obj), obj.pk) for obj in objs})
    try:
        yield
    finally:
        _deleted.reset(token)


def require_open_revision(sender, instance, raw=False, **kwargs):
    """A ``pre_save``/``pre_delete`` receiver: refuse a tracked write before it reaches the database."""
    # save_without_historical_record() is how a non-editorial field (a review date) is written.
    if raw or _open.get() is not None or hasattr(instance, "skip_history_when_saving"):
        return
    raise RevisionRequired(
        f"{type(instance).__name__} was written outside briefs.history.revision(); "
        "use the functions in briefs.services so the change is recorded."
    )


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


class RevisionedHistoricalRecords(HistoricalRecords):
    """simple-history's field for the plugin's models: every historical table gets a revision column, and
    a deletion already recorded in bulk is not recorded a second time by the delete signal."""

    def __init__(self, **kwargs):
        kwargs.setdefault("bases", [RevisionedHistoricalModel])
        super().__init__(**kwargs)

    def post_delete(self, instance, using=None, **kwargs):
        if (type(instance), instance.pk) in _deleted.get():
            return
        super().post_delete(instance, using=using, **kwargs)


class GuardedQuerySet(models.QuerySet):
    """Refuses the bulk writes that would leave no history, outside :func:`untracked_writes_allowed`."""

    def _refuse(self, what):
        if not _untracked.get():
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
