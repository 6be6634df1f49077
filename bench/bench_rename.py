"""What an editor waits for when a save changes many pages: renaming an entity that 500 published briefs
mention, with the reactions (rendering the stored articles, purging) run at once in the request, as
before, and queued for a worker through the tasks framework's database backend.

    .venv/bin/python bench/bench_rename.py                      # SQLite
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_rename.py

Prints the time of the save as the editor sees it in both setups, and how long the worker then takes.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
# The database backend needs its app and tables; the immediate backend is chosen per run below.
os.environ["TASKS_BACKEND"] = "database"
os.environ.setdefault("TEST_DB_SUFFIX", "_bench")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from briefs import services  # noqa: E402
from briefs.actors import SYSTEM  # noqa: E402
from briefs.models import EntityKind, RenderedArticle  # noqa: E402

BRIEFS = int(os.environ.get("BENCH_BRIEFS", "500"))
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}


def build(entity):
    with override_settings(TASKS=DUMMY):  # the set-up itself renders nothing
        for number in range(BRIEFS):
            brief = services.create_brief(
                title=f"Santrauka {number}",
                slug=f"santrauka-{number}",
                sections=[
                    services.SectionInput("", f"Įžanga {number} apie Rusiją.", entities=[entity]),
                    services.SectionInput("Dalis", "Dar vienas skyrius su tekstu. " * 20),
                ],
                actor=SYSTEM,
            )
            services.publish_brief(brief, actor=SYSTEM)


def rename(entity, name: str, tasks: dict) -> float:
    with override_settings(TASKS=tasks):
        start = time.perf_counter()
        services.update_entity(entity, name=name, actor=SYSTEM)
        # Outside a test transaction the reactions run (or are queued) when the save commits, here.
        return time.perf_counter() - start


def main() -> int:
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        entity = services.create_entity(name="Rusija", kind=EntityKind.COUNTRY, actor=SYSTEM)
        build(entity)
        print(f"database: {connection.vendor}; {BRIEFS} published briefs mention the entity")
        immediate = rename(entity, "Rusijos Federacija", IMMEDIATE)
        articles = RenderedArticle.objects.count()
        print(f"in the request (immediate backend): {immediate * 1000:8.1f} ms; {articles} stored")
        RenderedArticle.objects.all().delete()
        queued = rename(entity, "Rusija", DATABASE)
        print(f"queued (database backend):         {queued * 1000:8.1f} ms; 0 stored yet")
        with override_settings(TASKS=DATABASE):
            start = time.perf_counter()
            call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
            worker = time.perf_counter() - start
        print(f"the worker then took {worker * 1000:8.1f} ms; {RenderedArticle.objects.count()} articles")
        print(f"the editor waits {immediate / queued:.0f}x less")
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
