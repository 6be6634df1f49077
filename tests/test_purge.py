"""A committed revision purges exactly the pages it changed from the caches in front, through the tasks
framework, after the articles are rendered; a purge that fails is retried and logged and never breaks the
save. Each backend is tested against a local HTTP server that records what it received."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from briefs import purge, rendering, services, tasks
from briefs.actors import SYSTEM
from briefs.models import Entity, RenderedArticle

pytestmark = pytest.mark.django_db


class Recorder:
    """An HTTP server on a free local port that records every request and can fail the first few."""

    def __init__(self, fail_first=0):
        self.requests = []
        self.fail_first = fail_first
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                recorder.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": self.rfile.read(length) if length else b"",
                    }
                )
                failing = len(recorder.requests) <= recorder.fail_first
                self.send_response(503 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PURGE = do_POST = do_GET = handle_any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def keys(self, header="xkey-purge"):
        return [set(r["headers"].get(header, "").split()) for r in self.requests]


def varnish(recorder):
    return {"varnish": {"BACKEND": "briefs.purge.VarnishBackend", "LOCATION": recorder.url}}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what follows a commit, as a real commit would."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def test_a_visible_edit_purges_the_brief_the_lists_and_the_entities_of_that_section(
    published_brief, committed
):
    first = published_brief.sections.get(heading="First")
    shown = {f"entity-{pk}" for pk in first.tagged_entities.values_list("tag_id", flat=True)}
    with Recorder() as cdn, override_settings(BRIEFS_FRONTEND_CACHES=varnish(cdn)):
        committed(lambda: services.edit_section(first, body="Naujai.", actor=SYSTEM, note="x"))
    assert [r["method"] for r in cdn.requests] == ["PURGE"]
    assert cdn.keys() == [{f"brief-{published_brief.pk}", "briefs", *shown}]


def test_work_readers_cannot_see_purges_nothing(published_brief, committed):
    with Recorder() as cdn, override_settings(BRIEFS_FRONTEND_CACHES=varnish(cdn)):
        hidden = committed(
            lambda: services.add_section(
                published_brief, body="Ruošiama.", hidden=True, actor=SYSTEM, note="x"
            )
        )
        committed(lambda: services.edit_section(hidden, body="Vis dar ruošiama.", actor=SYSTEM, note="y"))
    assert cdn.requests == []


def test_an_entity_rename_purges_every_brief_that_shows_it_and_its_page(
    published_brief, make_entity, committed
):
    other = services.create_brief(
        title="Kita", slug="kita", sections=[services.SectionInput("", "Apie Rusiją.")], actor=SYSTEM
    )
    russia = Entity.objects.get(name="Rusija")
    services.set_entities(other.sections.get(), [russia], actor=SYSTEM, note="x")
    services.publish_brief(other, actor=SYSTEM)
    with Recorder() as cdn, override_settings(BRIEFS_FRONTEND_CACHES=varnish(cdn)):
        committed(lambda: services.update_entity(russia, name="Rusijos Federacija", actor=SYSTEM))
    assert cdn.keys() == [
        {f"brief-{published_brief.pk}", f"brief-{other.pk}", "briefs", f"entity-{russia.pk}"}
    ]


def test_the_generic_backend_speaks_fastly_and_cloudflare(published_brief, committed):
    first = published_brief.sections.get(heading="First")
    with Recorder() as api:
        caches = {
            "fastly": {
                "BACKEND": "briefs.purge.HTTPPurgeBackend",
                "URL": f"{api.url}/service/abc/purge",
                "HEADERS": {"Fastly-Key": "secret"},
                "KEYS_HEADER": "Surrogate-Key",
            },
            "cloudflare": {
                "BACKEND": "briefs.purge.HTTPPurgeBackend",
                "URL": f"{api.url}/zones/xyz/purge_cache",
                "HEADERS": {"Authorization": "Bearer token"},
                "BODY_KEY": "tags",
            },
        }
        with override_settings(BRIEFS_FRONTEND_CACHES=caches):
            committed(lambda: services.edit_section(first, body="Kitaip.", actor=SYSTEM, note="x"))
    fastly, cloudflare = api.requests
    assert (fastly["method"], fastly["path"], fastly["headers"]["fastly-key"]) == (
        "POST",
        "/service/abc/purge",
        "secret",
    )
    assert f"brief-{published_brief.pk}" in fastly["headers"]["surrogate-key"].split()
    assert (cloudflare["path"], cloudflare["headers"]["authorization"]) == (
        "/zones/xyz/purge_cache",
        "Bearer token",
    )
    assert f"brief-{published_brief.pk}" in json.loads(cloudflare["body"])["tags"]


def test_a_failing_purge_is_retried_then_succeeds(published_brief, committed, caplog):
    first = published_brief.sections.get(heading="First")
    with (
        Recorder(fail_first=2) as cdn,
        override_settings(BRIEFS_FRONTEND_CACHES=varnish(cdn), BRIEFS_PURGE_ATTEMPTS=3),
        caplog.at_level(logging.WARNING, logger="briefs.purge"),
    ):
        committed(lambda: services.edit_section(first, body="Vėl.", actor=SYSTEM, note="x"))
    assert len(cdn.requests) == 3 and cdn.keys()[0] == cdn.keys()[2]
    assert caplog.text.count("Purge attempt") == 2 and "Could not purge" not in caplog.text


def test_a_purge_that_keeps_failing_is_logged_and_the_save_stands(published_brief, committed, caplog):
    first = published_brief.sections.get(heading="First")
    with (
        Recorder(fail_first=99) as cdn,
        override_settings(BRIEFS_FRONTEND_CACHES=varnish(cdn), BRIEFS_PURGE_ATTEMPTS=2),
        caplog.at_level(logging.WARNING, logger="briefs.purge"),
    ):
        rev = committed(lambda: services.edit_section(first, body="Išsaugota.", actor=SYSTEM, note="x"))
    assert rev is not None and published_brief.sections.get(heading="First").body == "Išsaugota."
    assert len(cdn.requests) == 2 and "Could not purge" in caplog.text


def test_an_unreachable_cache_is_logged_too(published_brief, committed, caplog):
    caches = {
        "varnish": {"BACKEND": "briefs.purge.VarnishBackend", "LOCATION": "http://127.0.0.1:1", "TIMEOUT": 1}
    }
    with (
        override_settings(BRIEFS_FRONTEND_CACHES=caches, BRIEFS_PURGE_ATTEMPTS=1),
        caplog.at_level(logging.ERROR),
    ):
        committed(
            lambda: services.edit_section(
                published_brief.sections.get(heading="First"), body="Z.", actor=SYSTEM, note="x"
            )
        )
    assert "Could not purge" in caplog.text


def test_articles_are_rendered_before_the_purge(published_brief, committed, monkeypatch):
    order = []
    real_render, real_purge = rendering.refresh_articles, purge.purge
    monkeypatch.setattr(rendering, "refresh_articles", lambda ids: order.append("render") or real_render(ids))
    monkeypatch.setattr(purge, "purge", lambda keys: order.append("purge") or real_purge(keys))
    committed(
        lambda: services.edit_section(
            published_brief.sections.get(heading="First"), body="Q.", actor=SYSTEM, note="x"
        )
    )
    assert order == ["render", "purge"]


def test_with_a_queue_the_save_only_enqueues(published_brief, committed, settings):
    """With a worker backend nothing is rendered or purged in the editor's request."""
    backend = (
        "django.tasks.backends.dummy.DummyBackend"
        if tasks.find_spec("django.tasks")
        else ("django_tasks.backends.dummy.DummyBackend")
    )
    settings.TASKS = {"default": {"BACKEND": backend}}
    RenderedArticle.objects.all().delete()
    committed(
        lambda: services.edit_section(
            published_brief.sections.get(heading="First"), body="V.", actor=SYSTEM, note="x"
        )
    )
    assert not RenderedArticle.objects.exists()
    [result] = tasks.refresh_after_revision.get_backend().results
    brief_ids, entity_ids = result.args
    assert brief_ids == [published_brief.pk] and entity_ids
