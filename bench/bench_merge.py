"""What a save from an older form costs when it is merged with another: the admin save of a 60-section
published brief from a current form, and from a form opened before someone else's save (merged three
ways), in queries and time; and the paragraph merge alone on the largest section body allowed.

    .venv/bin/python bench/bench_merge.py                      # SQLite
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_merge.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("TEST_DB_SUFFIX", "_bench")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402

from briefs import services  # noqa: E402
from briefs.actors import SYSTEM  # noqa: E402
from briefs.models import Revision  # noqa: E402
from briefs.revisions.merge import merge_text  # noqa: E402
from tests.desk import change_data, change_url, make_user  # noqa: E402

SECTIONS = 60
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
# Rendering and purging follow the commit in a task; they are the same for both saves and left out.
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
PARAGRAPH = "Pastraipa apie Rusijos ir Šiaurės Korėjos santykius, karinius ryšius ir prekybą. " * 4


def build():
    body = "\n\n".join(f"{number}. {PARAGRAPH}" for number in range(5))
    brief = services.create_brief(
        title="Ilga santrauka",
        slug="ilga",
        sections=[services.SectionInput(f"Dalis {n}" if n else "", body) for n in range(SECTIONS)],
        actor=SYSTEM,
    )
    services.publish_brief(brief, note="Paskelbta", actor=SYSTEM)
    return brief


def timed_save(client, brief, data):
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.post(change_url(brief), data)
        elapsed = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    return elapsed, len(queries)


def main() -> int:
    setup_test_environment()  # the test client's host name, as in the suite
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with override_settings(TASKS=DUMMY):
            brief = build()
            client = Client()
            client.force_login(make_user(get_user_model(), "bench", "Editor"))
            current, merged = [], []
            for number in range(ROUNDS):
                # A save from a current form: the last paragraph of one section changes.
                row = 1 + number % (SECTIONS - 2)
                data = change_data(
                    brief, note=f"Dabartinė {number}", sections={row: {"body": f"Nauja {number}."}}
                )
                current.append(timed_save(client, brief, data))
                # Someone saves another section while a second form is open; that form's save merges.
                data = change_data(
                    brief, note=f"Sujungta {number}", sections={row + 1: {"body": f"Mano {number}."}}
                )
                services.edit_section(
                    brief.sections.get(position=0),
                    body=f"Kito žmogaus įžanga {number}.",
                    note="Kitas",
                    actor=SYSTEM,
                )
                merged.append(timed_save(client, brief, data))
                assert Revision.objects.latest().merged_with is not None
        print(f"database: {connection.vendor}; brief: {SECTIONS} sections of {len(PARAGRAPH) * 5} characters")
        for name, runs in (("save from a current form", current), ("save merged three ways", merged)):
            ms = statistics.median(t for t, _q in runs) * 1000
            queries = sorted({q for _t, q in runs})
            print(f"  {name:28} {ms:8.1f} ms  queries {', '.join(map(str, queries))}")
        ratio = statistics.median(t for t, _ in merged) / statistics.median(t for t, _ in current)
        print(f"  a merged save takes {ratio:.2f}x the time of a current one")

        base = "\n\n".join(f"{n}. {PARAGRAPH[:280]}" for n in range(100))[:30_000]
        paragraphs = base.split("\n\n")
        theirs = "\n\n".join(p + " (theirs)" if n == 10 else p for n, p in enumerate(paragraphs))
        mine = "\n\n".join(p + " (mine)" if n == 90 else p for n, p in enumerate(paragraphs))
        start = time.perf_counter()
        for _ in range(20):
            result = merge_text(base, theirs, mine)
        per = (time.perf_counter() - start) / 20 * 1000
        print(f"paragraph merge of a {len(base)}-character body, {len(paragraphs)} paragraphs: {per:.2f} ms")
        assert not result.conflict
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
