"""Read replicas: public reads go to a replica; admin requests, writes and everything inside an
editorial save go to the primary, so an editor always reads their own writes."""

from __future__ import annotations

import contextvars
import random
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("newsroom_db_pinned", default=False)


@contextmanager
def use_primary():
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


# Logins and sessions must never lag behind: a replica a second late would sign a user out.
PRIMARY_APPS = frozenset({"sessions", "auth", "admin", "axes"})


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label in PRIMARY_APPS:
            return "default"
        replicas = replica_aliases()
        # Inside a transaction the primary has writes the replicas have not seen yet.
        if _pinned.get() or not replicas or connections["default"].in_atomic_block:
            return "default"
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            # Follow a relation on the database its row came from: rows read on the primary on purpose
            # (to render what a save has just written) must not be joined with a lagging replica's.
            return instance._state.db
        return random.choice(replicas)

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class PinPrimaryMiddleware:
    """Admin pages, signed-in staff and any request that may write read from the primary."""

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        pin = (
            request.method not in self.SAFE_METHODS
            or request.path.startswith(getattr(settings, "PRIMARY_ONLY_PATH_PREFIXES", ("/admin/",)))
            or bool(user is not None and user.is_authenticated and user.is_staff)
        )
        if not pin:
            return self.get_response(request)
        with use_primary():
            return self.get_response(request)
