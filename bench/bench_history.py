"""History at scale: a 60-section brief with 1,000 revisions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_history.py
    .venv/bin/python bench/bench_history.py --revisions 200          # SQLite, smaller

Runs in a throw-away test database (created and dropped here) and prints, for the history timeline,
compare of the first with the last revision, state-as-of, revert and the latest-revision lookup: the
median time and the number of queries. Then the database size per 1,000 revisions and, with
``--bulk-rows N``, the query plans of the hot lookups after N synthetic history rows of other briefs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from briefs.actors import SYSTEM  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("TEST_DB_SUFFIX", "_bench")


def measure(fn, repeat=5):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    connection.queries_log.clear()
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return statistics.median(times), len(queries)


def build(revisions: int):
    from briefs import services
    from briefs.models import EntityKind, RevisionKind

    entities = [
        services.create_entity(name=f"Entity {i}", kind=EntityKind.PERSON, actor=SYSTEM) for i in range(30)
    ]
    brief = services.create_brief(
        title="History at scale",
        slug="history-at-scale",
        sections=[
            services.SectionInput(
                f"Section {i}" if i else "", f"Paragraph {i} " * 40, entities=entities[i % 5 :: 6]
            )
            for i in range(60)
        ],
        actor=SYSTEM,
    )
    services.publish_brief(brief, note="Published", actor=SYSTEM)
    rng = random.Random(7)
    sections = list(brief.sections.all())
    start = time.perf_counter()
    while brief.revisions.count() < revisions:
        section = rng.choice(sections)
        kind = rng.choice([RevisionKind.UPDATE, RevisionKind.MINOR, RevisionKind.CORRECTION])
        if rng.random() < 0.2:
            services.set_entities(section, rng.sample(entities, 3), note="Entities", kind=kind, actor=SYSTEM)
        else:
            words = section.body.split()
            words[rng.randrange(len(words))] = f"word{rng.randrange(10_000)}"
            services.edit_section(section, body=" ".join(words), note="Edit", kind=kind, actor=SYSTEM)
            section.refresh_from_db()
    return brief, time.perf_counter() - start


def db_size_bytes():
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                "WHERE c.relkind = 'r' "
                "AND (c.relname LIKE 'briefs_historical%%' OR c.relname = 'briefs_revision')"
            )
            return int(cursor.fetchone()[0])
        cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        return int(cursor.fetchone()[0])


def bulk_rows(count: int):
    """Synthetic history of other, busier briefs: ``count`` section rows, a revision per ten rows, all newer
    than the measured brief's, so its lookups must find old rows among many new ones."""
    from django.db import connection

    if connection.vendor != "postgresql":
        print("  --bulk-rows needs PostgreSQL; skipped on", connection.vendor)
        return
    briefs, revisions = count // 1000, count // 10
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO briefs_brief (id, title, slug, dek, language, status) "
            "SELECT 100000 + g, 'b', 'bulk-' || g, '', 'en', 'draft' FROM generate_series(1, %s) g",
            [briefs],
        )
        cursor.execute(
            "INSERT INTO briefs_revision (id, brief_id, created_at, note, kind, is_public) "
            "SELECT 1000000 + g, 100000 + 1 + g %% %s, now(), 'n', 'update', false "
            "FROM generate_series(1, %s) g",
            [briefs, revisions],
        )
        cursor.execute(
            "INSERT INTO briefs_historicalsection (id, brief_id, position, heading, body, hidden, "
            "history_date, history_type, revision_id, last_reviewed_at, last_reviewed_by_id, "
            "history_change_reason, history_user_id) "
            "SELECT 1000000 + g / 10, 100000 + 1 + (g / 10) %% %s, g %% 100, 'h', 'synthetic body', false, "
            "now(), '~', 1000000 + 1 + g / 10, NULL, NULL, NULL, NULL FROM generate_series(0, %s - 1) g",
            [briefs, count],
        )
        cursor.execute("ANALYZE")


def explain(sql_queryset):
    from django.db import connection

    sql, params = sql_queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        cursor.execute(prefix + sql, params)
        return "\n".join("    " + " ".join(str(c) for c in row) for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--bulk-rows", type=int, default=0)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def run(args) -> None:
    from django.db import connection, transaction

    from briefs import services
    from briefs.models import Revision, Section
    from briefs.revisions.diff import diff_states
    from briefs.revisions.state import state_as_of

    size_before = db_size_bytes()
    brief, build_seconds = build(args.revisions)
    revisions = list(brief.revisions.order_by("pk").values_list("pk", flat=True))
    size_after = db_size_bytes()
    print(f"database: {connection.vendor}; brief: 60 sections, {len(revisions)} revisions")
    print(
        f"  build: {build_seconds:.1f} s ({build_seconds / len(revisions) * 1000:.1f} ms per editorial save)"
    )
    per_1000 = (size_after - size_before) / len(revisions) * 1000
    print(f"  history + revision tables: {per_1000 / 1024 / 1024:.2f} MiB per 1,000 revisions")

    first, middle, last = revisions[0], revisions[len(revisions) // 2], revisions[-1]
    figures = {
        "history timeline (page of 50)": lambda: list(
            Revision.objects.filter(brief=brief).select_related("user").order_by("-pk")[:50]
        ),
        "latest revision lookup": lambda: Revision.objects.filter(brief=brief).order_by("-pk").first(),
        "state as of the middle revision": lambda: state_as_of(brief, middle),
        f"compare revision 1 with revision {len(revisions)}": lambda: diff_states(
            state_as_of(brief, first), state_as_of(brief, last)
        ),
    }
    for label, fn in figures.items():
        seconds, queries = measure(fn)
        print(f"  {label:<42} {seconds * 1000:8.1f} ms  {queries:3d} queries")

    def revert():
        sid = transaction.savepoint()
        services.revert_brief(brief, first, note="Bench revert", actor=SYSTEM)
        transaction.savepoint_rollback(sid)

    with transaction.atomic():
        seconds, queries = measure(revert, repeat=3)
    print(f"  {'revert to revision 1':<42} {seconds * 1000:8.1f} ms  {queries:3d} queries")

    if args.bulk_rows:
        bulk_rows(args.bulk_rows)
        total = Section.history.count()
        revisions_total = Revision.objects.count()
        print(f"\nquery plans with {total:,} historical section rows and {revisions_total:,} revisions:")
        print("  latest revision lookup:")
        print(explain(Revision.objects.filter(brief=brief).order_by("-pk")[:1]))
        from briefs.revisions.state import _latest_rows

        print("  latest section rows at the middle revision (state as of):")
        print(explain(_latest_rows(Section.history.model, middle, brief_id=brief.pk)))
        seconds, queries = measure(lambda: Revision.objects.filter(brief=brief).order_by("-pk").first())
        print(f"  latest revision lookup at this size: {seconds * 1000:.2f} ms, {queries} queries")
        seconds, queries = measure(lambda: state_as_of(brief, middle))
        print(f"  state as of the middle revision at this size: {seconds * 1000:.1f} ms, {queries} queries")


if __name__ == "__main__":
    main()
