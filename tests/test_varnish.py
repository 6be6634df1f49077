"""A real Varnish (Debian's, with varnish-modules' xkey) in front of the app, with
deploy/varnish/default.vcl: it keeps reader pages, a save purges exactly them, staff and drafts never
reach its cache."""

import shutil
import socket
import subprocess
import time
import urllib.request
from glob import glob
from urllib.error import HTTPError

import pytest
from django.test import override_settings

from briefs import services
from briefs.actors import SYSTEM
from tests.conftest import REPO

pytestmark = [pytest.mark.varnish, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

VARNISHD = "/usr/sbin/varnishd"
# Debian keeps the module under the multiarch directory, /usr/lib/x86_64-linux-gnu/varnish/vmods.
XKEY = "/usr/lib/*/varnish/vmods/libvmod_xkey.so"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def varnish(live_server, tmp_path):
    """Varnish on a free port in front of the live test server, with the project's VCL."""
    missing = [path for path in (VARNISHD, XKEY) if not glob(path)]
    if missing:
        pytest.fail(
            f"Varnish is missing: expected {', '.join(missing)}. "
            "Install the Debian packages varnish and varnish-modules (make test does this as root)."
        )
    backend_port = live_server.url.rsplit(":", 1)[1]
    vcl = (
        (REPO / "deploy" / "varnish" / "default.vcl")
        .read_text()
        .replace('.port = "8000"', f'.port = "{backend_port}"')
    )
    (tmp_path / "default.vcl").write_text(vcl)
    port = free_port()
    process = subprocess.Popen(
        [
            VARNISHD,
            "-F",
            "-j",
            "none",
            "-n",
            str(tmp_path / "work"),
            "-a",
            f"127.0.0.1:{port}",
            "-f",
            str(tmp_path / "default.vcl"),
            "-s",
            "malloc,32m",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/robots.txt", timeout=1)  # noqa: S310 - our own local Varnish
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"varnishd did not start: {process.stdout.read().decode()[-2000:]}")
            time.sleep(0.1)
    caches = {"varnish": {"BACKEND": "briefs.purge.VarnishBackend", "LOCATION": url}}
    with override_settings(BRIEFS_FRONTEND_CACHES=caches):
        yield url
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(tmp_path / "work", ignore_errors=True)


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own local Varnish
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def brief(db):
    brief = services.create_brief(
        title="Per Varnish",
        slug="per-varnish",
        sections=[services.SectionInput("", "Pirmasis tekstas.")],
        actor=SYSTEM,
    )
    services.publish_brief(brief, actor=SYSTEM)
    return brief


def test_a_page_is_kept_and_a_save_purges_it(varnish, brief):
    page = f"{varnish}/lt/briefs/per-varnish/"
    status, headers, body = get(page)
    assert (status, headers["X-Cache"]) == (200, "MISS") and "Pirmasis tekstas." in body
    status, headers, body = get(page)
    assert (status, headers["X-Cache"]) == (200, "HIT")
    assert "xkey" not in {k.lower() for k in headers}

    services.edit_section(brief.sections.get(), body="Naujas tekstas.", actor=SYSTEM, note="Atnaujinta")
    # The save has returned: the purge went out when it committed, so the very next reader gets the new
    # text, and it is kept again.
    status, headers, body = get(page)
    assert (status, headers["X-Cache"]) == (200, "MISS")
    assert "Naujas tekstas." in body and "Pirmasis tekstas." not in body
    assert get(page)[1]["X-Cache"] == "HIT"


def test_a_save_purges_only_what_it_changed(varnish, brief):
    other = services.create_brief(
        title="Kita", slug="kita", sections=[services.SectionInput("", "Kita.")], actor=SYSTEM
    )
    services.publish_brief(other, actor=SYSTEM)
    for url in (f"{varnish}/lt/briefs/kita/", f"{varnish}/lt/briefs/per-varnish/"):
        get(url)
        assert get(url)[1]["X-Cache"] == "HIT"
    services.edit_section(brief.sections.get(), body="Pakeista.", actor=SYSTEM, note="x")
    assert get(f"{varnish}/lt/briefs/kita/")[1]["X-Cache"] == "HIT"
    assert get(f"{varnish}/lt/briefs/per-varnish/")[1]["X-Cache"] == "MISS"


def test_staff_are_never_served_from_the_cache_nor_cached(varnish, brief, client, editor):
    client.force_login(editor)
    session = client.cookies["sessionid"].value
    page = f"{varnish}/lt/briefs/per-varnish/"
    for _ in range(2):
        status, headers, _body = get(page, Cookie=f"sessionid={session}")
        assert status == 200 and headers["X-Cache"] == "MISS"
        assert "private" in headers["Cache-Control"]
    # What staff fetched was not kept for readers either.
    assert get(page)[1]["X-Cache"] == "MISS"


def test_a_draft_never_reaches_the_cache(varnish, db):
    services.create_brief(
        title="Juodraštis", slug="juodrastis", sections=[services.SectionInput("", "Slapta.")], actor=SYSTEM
    )
    for _ in range(2):
        status, headers, body = get(f"{varnish}/lt/briefs/juodrastis/")
        assert status == 404 and headers["X-Cache"] == "MISS" and "Slapta." not in body


def test_language_and_cookies_of_readers_do_not_split_the_cache(varnish, brief):
    page = f"{varnish}/en/briefs/per-varnish/"
    get(page, **{"Accept-Language": "lt"})
    _status, headers, body = get(page, **{"Accept-Language": "de", "Cookie": "analytics=1"})
    assert headers["X-Cache"] == "HIT" and "Contents" in body
