"""Load test: gunicorn with several workers on PostgreSQL, 50 readers and 2 editors, on loopback only,
first straight to gunicorn and then through Varnish (deploy/varnish/default.vcl), in the same run.

    .venv/bin/python bench/load.py --seconds 30

It creates a scratch database (``briefs_load`` on the local PostgreSQL server, dropped and recreated),
loads the demo data, starts gunicorn on 127.0.0.1 and Debian's varnishd in front of it, and runs each
phase for a bounded time:

* 50 reader threads over brief, entity, search, feed and API pages;
* 2 editor threads that save the lead of the seed brief through the admin change form every second.
  The second editor sometimes holds the form for 1.5 s before saving, so some saves deliberately race
  the first editor's and must be rejected as conflicts.

For each phase it prints throughput, p50/p99 latency per page kind and the error count; for the Varnish
phase also the hit ratio, the time from each accepted save to Varnish serving its text, and how many
brief pages a reader was served with the old text although the request began after the save had
returned (its purge had gone out: the target is 0). Then it audits the database: every accepted save is
in the history exactly once with its Revision, every rejected save got a conflict response and left no
trace, and the final text is the last accepted save.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SLUG = "rusijos-ir-siaures-korejos-santykiai"
PASSWORDS = {"editor": "demo-editor-2025", "editor2": "demo-editor2-2025"}
CONFLICT_TEXT = "after you opened it"


class FormParser(HTMLParser):
    """The fields of the admin change form, as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []
        elif tag == "select" and a.get("name"):
            self._select, self._select_value, self._first_option = a["name"], None, None
            self._multiple = "multiple" in a
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                if self._multiple:
                    self.fields.append((self._select, value))
                else:
                    self._select_value = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._multiple:
                value = self._select_value if self._select_value is not None else self._first_option or ""
                self.fields.append((self._select, value))
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


class Browser:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, path, data=None, referer=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        # The conflict message is matched in English; the site itself defaults to Lithuanian.
        req.add_header("Accept-Language", "en")
        if referer:
            req.add_header("Referer", self.base + referer)
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def csrf(self):
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def login(self, username, password):
        self.request("/admin/login/")
        status, _ = self.request(
            "/admin/login/?next=/admin/",
            {
                "csrfmiddlewaretoken": self.csrf(),
                "username": username,
                "password": password,
                "next": "/admin/",
            },
            referer="/admin/login/",
        )
        if status != 302:
            raise SystemExit(f"login as {username} failed: HTTP {status}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp

    http_error_301 = http_error_303 = http_error_307 = http_error_302


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def manage(database_url, *args, quiet=False):
    """Run a management command of this project against ``database_url``."""
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def prepare_database(url):
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        manage(
            admin_url,
            "shell",
            "-v0",
            "-c",
            f"from django.db import connection; connection.cursor().execute({sql!r})",
        )
    manage(url, "migrate", "-v0")
    manage(url, "load_demo", quiet=True)
    manage(
        url,
        "shell",
        "-v0",
        "-c",
        "from django.contrib.auth.models import User; "
        "u, _ = User.objects.get_or_create(username='editor2', defaults={'is_staff': True}); "
        f"u.set_password({PASSWORDS['editor2']!r}); u.save(); "
        "u.groups.add(*User.objects.get(username='editor').groups.all()); "
        "u.user_permissions.add(*User.objects.get(username='editor').user_permissions.all())",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of each phase")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--varnish-port", type=int, default=8791)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/briefs_load")
    args = parser.parse_args()

    prepare_database(args.database)
    origin = f"http://127.0.0.1:{args.port}"
    cache = f"http://127.0.0.1:{args.varnish_port}"
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DEBUG": "0",
        "SECRET_KEY": "load-test-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "AXES_FAILURE_LIMIT": "1000",
        "VARNISH_URLS": cache,
    }
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "newsroom.wsgi",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{args.port}",
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    workdir = Path(tempfile.mkdtemp(prefix="varnish-load-"))
    varnish = start_varnish(workdir, args)
    try:
        wait_for(origin + "/lt/briefs/")
        wait_for(cache + "/lt/briefs/")
        phases = {}
        for name, readers_base in (("direct", origin), ("varnish", cache)):
            before = varnish_counters(workdir)
            phases[name] = run_load(readers_base, origin, args, name)
            after = varnish_counters(workdir)
            phases[name]["cache"] = {key: after.get(key, 0) - before.get(key, 0) for key in after}
    finally:
        server.terminate()
        server.wait(timeout=30)
        varnish.terminate()
        varnish.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    for name, results in phases.items():
        report(name, results, args)
    for results in phases.values():
        audit(args.database, results)


def start_varnish(workdir: Path, args) -> subprocess.Popen:
    vcl = (ROOT / "deploy" / "varnish" / "default.vcl").read_text()
    (workdir / "default.vcl").write_text(vcl.replace('.port = "8000"', f'.port = "{args.port}"'))
    return subprocess.Popen(
        [
            "/usr/sbin/varnishd",
            "-F",
            "-j",
            "none",
            "-n",
            str(workdir / "work"),
            "-a",
            f"127.0.0.1:{args.varnish_port}",
            "-f",
            str(workdir / "default.vcl"),
            "-s",
            "malloc,128m",
        ],
        stdout=subprocess.DEVNULL,
    )


def varnish_counters(workdir: Path) -> dict[str, int]:
    output = subprocess.run(
        ["varnishstat", "-n", str(workdir / "work"), "-1", "-f", "MAIN.cache_hit", "-f", "MAIN.cache_miss"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split()[0]: int(line.split()[1]) for line in output.splitlines() if line.strip()}


def wait_for(url):
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def run_load(base, origin, args, phase):
    """Readers on ``base`` (gunicorn or Varnish), editors on the origin."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    saves: list[tuple[str, str]] = []  # (outcome, token)
    visible_after: list[float] = []  # seconds from an accepted save's return to readers seeing it
    stale: list[str] = []
    latest = {"token": None, "returned": 0.0}
    lock = threading.Lock()
    stop = time.monotonic() + args.seconds
    pages = {
        "brief": f"/lt/briefs/{SLUG}/",
        "entity": "/lt/entities/vladimiras-putinas/",
        "search": "/lt/search/?q=Putinas",
        "feed": f"/lt/briefs/{SLUG}/feed/",
        "api": f"/api/briefs/{SLUG}/",
    }

    def reader(number):
        browser = Browser(base)
        rng = random.Random(number)
        while time.monotonic() < stop:
            kind = rng.choice(list(pages))
            with lock:
                expected, began = latest["token"], time.monotonic()
            start = time.perf_counter()
            status, body = browser.request(pages[kind])
            elapsed = time.perf_counter() - start
            with lock:
                latencies[kind].append(elapsed)
                if status >= 500 or status not in (200, 304):
                    errors.append(f"{kind} HTTP {status}")
                # A brief page asked for after a save had returned must show that save's text.
                fresh_expected = expected and began >= latest["returned"] and latest["token"] == expected
                if kind == "brief" and fresh_expected and expected not in body:
                    stale.append(expected)

    def editor(username, hold_some):
        browser = Browser(origin)
        watcher = Browser(base)
        browser.login(username, PASSWORDS[username])
        rng = random.Random(username)
        brief_id = None
        counter = 0
        while time.monotonic() < stop:
            tick = time.monotonic()
            if brief_id is None:
                status, html = browser.request(f"/admin/briefs/brief/?q={SLUG}")
                brief_id = re.search(r"/admin/briefs/brief/(\d+)/change/", html).group(1)
            path = f"/admin/briefs/brief/{brief_id}/change/"
            start = time.perf_counter()
            status, html = browser.request(path)
            with lock:
                latencies["admin form"].append(time.perf_counter() - start)
            form = FormParser()
            form.feed(html)
            fields = form.fields
            counter += 1
            token = f"{phase}-{username}-{counter}-{rng.randrange(10**6)}"
            if hold_some and rng.random() < 0.5:
                time.sleep(1.5)  # a slow editor: the other one probably saved meanwhile
            data = []
            for name, value in fields:
                if re.fullmatch(r"sections-0-body", name):
                    value = re.sub(r" \[load [^\]]*\]$", "", value.rstrip()) + f" [load {token}]"
                elif name == "update_note":
                    value = f"Load test save {token}"
                elif name == "update_kind":
                    value = "update"
                data.append((name, value))
            data.append(("_continue", "1"))
            start = time.perf_counter()
            status, body = browser.request(path, data, referer=path)
            returned = time.monotonic()
            with lock:
                latencies["admin save"].append(time.perf_counter() - start)
                if status == 302:
                    saves.append(("accepted", token))
                    latest.update(token=token, returned=returned)
                elif status == 200 and CONFLICT_TEXT in body:
                    saves.append(("conflict", token))
                else:
                    errors.append(f"admin save HTTP {status}")
                    saves.append(("error", token))
            if status == 302:
                # How long until readers are served the new text.
                while time.monotonic() < returned + 10:
                    if token in watcher.request(pages["brief"])[1]:
                        with lock:
                            visible_after.append(time.monotonic() - returned)
                        break
                    time.sleep(0.005)
            time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(args.readers)]
    threads += [
        threading.Thread(target=editor, args=("editor", False)),
        threading.Thread(target=editor, args=("editor2", True)),
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + 120)
    return {
        "latencies": latencies,
        "errors": errors,
        "saves": saves,
        "visible_after": visible_after,
        "stale": stale,
        "elapsed": time.perf_counter() - started,
    }


def report(name, results, args):
    latencies = results["latencies"]
    total = sum(len(v) for v in latencies.values())
    print(f"== readers {name}: gunicorn {args.workers} workers, {args.readers} readers + 2 editors")
    print(f"throughput: {total / results['elapsed']:.1f} requests/s ({total} requests)")
    print(f"{'page':<12} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, values in sorted(latencies.items()):
        p50, p99 = percentile(values, 50) * 1000, percentile(values, 99) * 1000
        print(f"{kind:<12} {len(values):>8} {p50:>8.1f} {p99:>8.1f}")
    print(f"errors: {len(results['errors'])}" + (f" ({results['errors'][:5]})" if results["errors"] else ""))
    outcomes = defaultdict(int)
    for outcome, _ in results["saves"]:
        outcomes[outcome] += 1
    print(
        f"admin saves: {outcomes['accepted']} accepted, {outcomes['conflict']} rejected as conflicts, "
        f"{outcomes['error']} failed"
    )
    hits, misses = results["cache"].get("MAIN.cache_hit", 0), results["cache"].get("MAIN.cache_miss", 0)
    if hits + misses:
        print(f"varnish hit ratio: {hits / (hits + misses):.3f} ({hits} hits, {misses} misses)")
    seen = results["visible_after"]
    if seen:
        print(
            f"new text served after a save returned: p50 {percentile(seen, 50) * 1000:.1f} ms, "
            f"max {max(seen) * 1000:.1f} ms ({len(seen)} saves)"
        )
    print(f"stale brief pages after the save had returned: {len(results['stale'])}")


def audit(url, results):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from briefs.models import Brief, Revision, Section

    brief = Brief.objects.get(slug=SLUG)
    lead = brief.sections.get(position=0)
    lost, duplicated, leaked = [], [], []
    accepted = [t for o, t in results["saves"] if o == "accepted"]
    for token in accepted:
        revisions = Revision.objects.filter(brief=brief, note=f"Load test save {token}")
        rows = Section.history.filter(id=lead.pk, body__endswith=f"[load {token}]")
        if revisions.count() == 0 or rows.count() == 0:
            lost.append(token)
        elif revisions.count() > 1 or rows.count() > 1 or rows.first().revision_id != revisions.first().pk:
            duplicated.append(token)
    for outcome, token in results["saves"]:
        if outcome != "accepted" and (
            Revision.objects.filter(note=f"Load test save {token}").exists()
            or Section.history.filter(body__endswith=f"[load {token}]").exists()
        ):
            leaked.append(token)
    last = Revision.objects.filter(brief=brief, note__startswith="Load test save").order_by("-pk").first()
    final_ok = last is None or lead.body.endswith(f"[load {last.note.removeprefix('Load test save ')}]")
    print(
        f"audit: {len(accepted)} accepted saves checked; lost {len(lost)}, duplicated {len(duplicated)}, "
        f"rejected-but-written {len(leaked)}; final text is the last accepted save: {final_ok}"
    )
    if lost or duplicated or leaked or not final_ok or results["errors"] or results["stale"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
