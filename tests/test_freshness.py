"""A process answers conditional requests from the versions it knows, and forgets them the moment any
process commits a change (PostgreSQL LISTEN/NOTIFY, SQLite's data_version)."""

import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from briefs import freshness, services
from briefs.freshness import board

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'])}{password}@{host}/{db['NAME']}"


def save_in_another_process(slug: str, body: str) -> None:
    code = (
        "from briefs import services; from briefs.models import Section; "
        f"section = Section.objects.get(brief__slug={slug!r}, heading='First'); "
        f"services.edit_section(section, body={body!r}, note='Pakeista kitame procese')"
    )
    env = {key: value for key, value in os.environ.items() if key != "TEST_DB_SUFFIX"}
    env["DATABASE_URL"] = database_url()
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_by_another_process_is_seen_at_once(client, published_brief):
    url = published_brief.get_absolute_url()
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert board.is_watching

    save_in_another_process(published_brief.slug, "Saved by another worker.")

    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Saved by another worker." in response.content.decode()
    assert response["ETag"] != etag


def test_a_known_version_costs_no_query_and_an_unknown_one_costs_one(
    client, published_brief, django_assert_num_queries
):
    url = published_brief.get_absolute_url()
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(0):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    board.forget()
    with django_assert_num_queries(1):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_version_read_while_a_change_lands_is_not_kept(db):
    value, generation = board.lookup("some-brief")
    assert value is None and generation is not None
    board.forget()  # a save lands while this reader is still reading the old version
    board.remember("some-brief", "old version", generation)
    assert board.lookup("some-brief")[0] is None

    _, generation = board.lookup("some-brief")
    board.remember("some-brief", "current version", generation)
    assert board.lookup("some-brief")[0] == "current version"


def test_entries_expire(db, settings):
    settings.BRIEFS_BOARD_SECONDS = 0
    _, generation = board.lookup("some-brief")
    board.remember("some-brief", "a version", generation)
    assert board.lookup("some-brief")[0] is None


def test_a_lost_watcher_turns_the_board_off_until_it_reconnects(
    client, published_brief, monkeypatch, caplog, django_assert_num_queries
):
    url = published_brief.get_absolute_url()
    etag = client.get(url)["ETag"]
    monkeypatch.setattr(freshness, "RETRY_SECONDS", 3600)
    board._watcher.close()  # the connection drops

    with caplog.at_level(logging.WARNING), django_assert_num_queries(1):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert "Lost the connection that watches for brief changes" in caplog.text
    assert not board.is_watching
    with django_assert_num_queries(1):  # still asking the database, not retrying yet
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    board._retry_at = 0  # the retry time has come
    with django_assert_num_queries(1):  # reconnected with an empty board
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert board.is_watching
    with django_assert_num_queries(0):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_listening_connection_ended_by_the_server_turns_the_board_off(
    client, published_brief, caplog, django_assert_num_queries
):
    url = published_brief.get_absolute_url()
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(0):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    if connection.vendor == "postgresql":
        # As a restart or failover would: the server ends the listening session.
        pid = board._watcher._connection.info.backend_pid
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    else:
        board._watcher.close()

    with caplog.at_level(logging.WARNING), django_assert_num_queries(1):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert not board.is_watching
    assert "Lost the connection that watches for brief changes" in caplog.text


def test_watching_can_be_turned_off(client, published_brief, settings, django_assert_num_queries):
    settings.BRIEFS_WATCH_FOR_CHANGES = False
    url = published_brief.get_absolute_url()
    etag = client.get(url)["ETag"]
    for _ in range(2):
        with django_assert_num_queries(1):
            assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_saving_process_forgets_again_when_the_save_commits(
    published_brief, django_capture_on_commit_callbacks
):
    from briefs import caching

    with django_capture_on_commit_callbacks(execute=True):
        services.edit_section(published_brief.sections.get(heading="First"), body="New.", note="Nauja")
        # Another thread of this process reads the brief before the save commits, and keeps what it read.
        _, generation = board.lookup(published_brief.slug)
        board.remember(published_brief.slug, caching.Version("old", None), generation)
    assert board.lookup(published_brief.slug)[0] is None


class _SilentConnection:
    """A libpq connection whose peer has gone without closing it: nothing arrives, nothing fails."""

    def __init__(self, status):
        self.status = status
        self.sent = []

    def consume_input(self):
        pass

    def notifies(self):
        return None

    def is_busy(self):
        return True

    def send_query(self, query):
        self.sent.append(query)

    def flush(self):
        pass


def silent_watcher(monkeypatch):
    """A PostgreSQL watcher just proven alive, over a silent connection, with a clock the test moves."""
    from psycopg import pq

    pgconn = _SilentConnection(pq.ConnStatus.OK)
    watcher = object.__new__(freshness._PostgresWatcher)
    watcher._connection = type("Connection", (), {"pgconn": pgconn})()
    now = [1000.0]
    monkeypatch.setattr(freshness.time, "monotonic", lambda: now[0])
    watcher._proven_at, watcher._probe_sent_at, watcher._ended_by_server = now[0], None, False
    return watcher, pgconn, now


def test_a_postgres_watcher_whose_peer_went_silent_gives_up_within_seconds(monkeypatch):
    watcher, pgconn, now = silent_watcher(monkeypatch)

    assert watcher.changed() is False
    now[0] += freshness.CHECK_SECONDS
    assert watcher.changed() is False  # sends the probe, does not wait for it
    assert pgconn.sent == [b"SELECT 1"]
    now[0] += freshness.PROBE_SECONDS - 0.5
    assert watcher.changed() is False  # no answer yet, still within the allowance
    now[0] += 0.5
    with pytest.raises(ConnectionError, match="does not answer"):
        watcher.changed()


@pytest.mark.django_db(transaction=True)
def test_a_change_is_seen_at_the_first_look_even_behind_a_liveness_probe(published_brief, monkeypatch):
    watcher = freshness._watcher_class(connection)(connection)
    try:
        if connection.vendor == "postgresql":
            monkeypatch.setattr(freshness, "CHECK_SECONDS", 0)
            watcher.changed()  # sends a probe
            time.sleep(0.2)  # its answer arrives, and waits unread until the next look
            monkeypatch.setattr(freshness, "CHECK_SECONDS", 3600)
        services.edit_section(published_brief.sections.get(heading="First"), body="Seen.", note="Nauja")
        time.sleep(0.2)
        assert watcher.changed() is True
        assert watcher.changed() is False
    finally:
        watcher.close()


def test_a_postgres_watcher_idle_for_longer_than_a_probe_does_not_vouch_at_first(monkeypatch):
    watcher, pgconn, now = silent_watcher(monkeypatch)

    now[0] += freshness.CHECK_SECONDS + freshness.PROBE_SECONDS
    assert watcher.changed() is True  # unproven for too long: the board is emptied
    assert pgconn.sent == [b"SELECT 1"]
