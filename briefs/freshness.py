"""Which version of each published brief is current, known in this process without asking the database.

A conditional GET only needs to know whether the client's copy is current. A database round trip costs
about as much as the whole of a trivial request, so this process keeps a *board* of the versions it
has read, and trusts it only while it can tell that nothing has changed since:

- every revision that changes a brief's pages empties the board of the process that saves it
  (:func:`brief_changed`);
- a *watcher* tells every other process that the database has changed. On PostgreSQL the revision
  sends ``NOTIFY briefs_changed``, delivered when it commits, and each process holds one extra
  connection that listens. On SQLite each process holds one extra read-only connection and asks
  ``PRAGMA data_version``, which moves on whenever another connection commits anything;
- the watcher is read, without waiting, before every use of the board, and any change empties it;
- a version read from the database is put on the board only if no change was seen while it was being
  read, so a slow reader cannot put back a version that a save has just replaced.

Where that cannot be known, the board is off and every request asks the database: when reads go to a
replica (notifications are not replicated), for an in-memory SQLite database, when
``BRIEFS_WATCH_FOR_CHANGES`` is off (a pooler in transaction mode cannot hold a ``LISTEN``), and while
the watcher's connection is down. The PostgreSQL connection is proven alive every 2 seconds by a query
that no request waits for, so a connection that died silently is trusted for 3 seconds at most. As a
last bound, an entry is trusted for at most ``BRIEFS_BOARD_SECONDS`` (60).

A reader in another process whose request arrives between a commit and the delivery of its
notification still gets the version from just before the save, as if the request had come a moment
earlier; the saving process itself forgets at commit. Measured on one host, the notification is there
8 microseconds (median) after the saver's commit returns, 1.8 ms at worst in 300 saves.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction

logger = logging.getLogger(__name__)

CHANNEL = "briefs_changed"
# How often the PostgreSQL watcher proves its connection alive, and how long it waits for the answer:
# together, the longest a silently dead connection can be trusted.
CHECK_SECONDS = 2
PROBE_SECONDS = 1
CONNECT_TIMEOUT = 2
RETRY_SECONDS = 5


def _enabled() -> bool:
    from .models import Brief

    return (
        getattr(settings, "BRIEFS_WATCH_FOR_CHANGES", True)
        and router.db_for_read(Brief) == DEFAULT_DB_ALIAS
        and _watcher_class(connections[DEFAULT_DB_ALIAS]) is not None
    )


class _PostgresWatcher:
    """Reads notifications without waiting, and proves the connection alive with a query it does not
    wait for either: a request never blocks on the network here, whatever state the network is in."""

    def __init__(self, connection):
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        # A peer that vanished without a word (failover, a dropped NAT entry) is noticed by the kernel
        # within seconds rather than the default quarter of an hour.
        params.setdefault("connect_timeout", CONNECT_TIMEOUT)
        params.setdefault("keepalives", 1)
        params.setdefault("keepalives_idle", 5)
        params.setdefault("keepalives_interval", 2)
        params.setdefault("keepalives_count", 2)
        params.setdefault("tcp_user_timeout", 5000)
        self._connection = psycopg.connect(**params, autocommit=True)
        self._ended_by_server = False
        # A server that ends the session (restart, failover, an administrator) says so before the
        # stream ends; libpq hands that message to the notice handler of an idle connection.
        self._connection.add_notice_handler(self._notice)
        try:
            self._connection.execute(f"LISTEN {CHANNEL}")
            self._connection.pgconn.nonblocking = 1
        except Exception:
            self._connection.close()
            raise
        self._proven_at = time.monotonic()
        self._probe_sent_at: float | None = None

    def changed(self) -> bool:
        from psycopg import pq

        pgconn = self._connection.pgconn
        pgconn.consume_input()  # raises if the connection is broken
        now = time.monotonic()
        # The probe's answer first: until it is read, libpq does not parse what arrived after it.
        if self._probe_sent_at is not None:
            while not pgconn.is_busy():  # get_result() would wait for the rest of the answer
                result = pgconn.get_result()
                if result is None:
                    self._probe_sent_at = None
                    self._proven_at = now
                    break
                if result.status != pq.ExecStatus.TUPLES_OK:
                    raise ConnectionError("the liveness query failed")
            else:
                if now - self._probe_sent_at >= PROBE_SECONDS:
                    raise ConnectionError("the listening connection does not answer")
        changed = False
        while pgconn.notifies() is not None:  # also parses what arrived, notices included
            changed = True
        if self._ended_by_server or pgconn.status != pq.ConnStatus.OK:
            raise ConnectionError("the listening connection is closed")
        if self._probe_sent_at is None and now - self._proven_at >= CHECK_SECONDS:
            if now - self._proven_at >= CHECK_SECONDS + PROBE_SECONDS:
                # Idle for longer than a probe would take: unproven for too long to vouch for the board.
                changed = True
            pgconn.send_query(b"SELECT 1")
            pgconn.flush()
            self._probe_sent_at = now
        return changed

    def close(self) -> None:
        self._connection.close()

    def _notice(self, diagnostic) -> None:
        if diagnostic.severity_nonlocalized in ("FATAL", "PANIC"):
            self._ended_by_server = True


class _SQLiteWatcher:
    def __init__(self, connection):
        import sqlite3

        name = Path(connection.settings_dict["NAME"]).resolve()
        self._connection = sqlite3.connect(f"{name.as_uri()}?mode=ro", uri=True, check_same_thread=False)
        self._seen = self._data_version()

    def _data_version(self) -> int:
        return self._connection.execute("PRAGMA data_version").fetchone()[0]

    def changed(self) -> bool:
        seen, self._seen = self._seen, self._data_version()
        return seen != self._seen

    def close(self) -> None:
        self._connection.close()


def _watcher_class(connection):
    if connection.vendor == "postgresql":
        return _PostgresWatcher
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        return _SQLiteWatcher
    return None


class Board:
    """Versions by brief slug, trusted only while a watcher vouches that nothing has changed."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, object]] = {}
        self._generation = 0
        self._watcher = None
        self._pid = os.getpid()
        self._retry_at = 0.0

    # Readers ---------------------------------------------------------------------------------------

    def lookup(self, slug: str):
        """``(value, generation)``. ``value`` is what was remembered for ``slug`` if it is still
        current, else ``None``; pass ``generation`` to :meth:`remember` after reading the database.
        ``generation`` is ``None`` while the board is off."""
        if not _enabled():
            return None, None
        with self._lock:
            if not self._watching():
                return None, None
            entry = self._entries.get(slug)
            generation = self._generation
        if entry is not None and entry[0] > time.monotonic():
            return entry[1], generation
        return None, generation

    def remember(self, slug: str, value, generation) -> None:
        """Keep ``value``, read from the database after :meth:`lookup` gave ``generation``."""
        if generation is None:
            return
        seconds = getattr(settings, "BRIEFS_BOARD_SECONDS", 60)
        with self._lock:
            # A change announced since the lookup may not be in what was read: keep nothing.
            if generation == self._generation and self._watcher is not None:
                self._entries[slug] = (time.monotonic() + seconds, value)

    # Writers ---------------------------------------------------------------------------------------

    def forget(self) -> None:
        with self._lock:
            self._forget()

    def close(self) -> None:
        """Drop the watcher's connection (tests close it before their database is dropped)."""
        with self._lock:
            self._drop()

    @property
    def is_watching(self) -> bool:
        return self._watcher is not None

    # Inside the lock -------------------------------------------------------------------------------

    def _forget(self) -> None:
        self._generation += 1
        self._entries.clear()

    def _watching(self) -> bool:
        if self._pid != os.getpid():
            # A forked worker shares the parent's connection; closing it would end the parent's session.
            self._watcher = None
            self._pid = os.getpid()
            self._forget()
        now = time.monotonic()
        if self._watcher is None:
            if now < self._retry_at:
                return False
            self._connect(now)
            if self._watcher is None:
                return False
        try:
            if self._watcher.changed():
                self._forget()
        except Exception:
            logger.warning("Lost the connection that watches for brief changes; asking the database.")
            self._drop()
            self._retry_at = now + RETRY_SECONDS
            return False
        return True

    def _connect(self, now: float) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        try:
            watcher = _watcher_class(connection)(connection)
        except Exception:
            logger.warning("Cannot watch the database for brief changes; asking it.", exc_info=True)
            self._retry_at = now + RETRY_SECONDS
            return
        self._watcher = watcher
        # Anything remembered before the watcher existed may have changed unseen.
        self._forget()

    def _drop(self) -> None:
        watcher, self._watcher = self._watcher, None
        self._forget()
        if watcher is not None:
            try:
                watcher.close()
            except Exception:
                logger.debug("Closing the watching connection failed.", exc_info=True)


board = Board()


def brief_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Announce, from inside the saving transaction, that published briefs may have changed."""
    board.forget()
    # Again once committed: another thread of this process may read the old version until then.
    transaction.on_commit(board.forget, using=using)
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Delivered when the transaction commits, and not at all if it rolls back.
            cursor.execute(f"NOTIFY {CHANNEL}")
