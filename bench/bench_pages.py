"""Reader page speed at the origin, in process, relative to a trivial view measured in the same run.

    python bench/bench_pages.py                 # SQLite (in-memory test database)
    DATABASE_URL=postgres://... python bench/bench_pages.py

For the seed brief and a 60-section brief it prints queries per request and the median time of a page
(the article stored when the brief was saved is read, the page around it rendered), and of a 304
(matching ETag, answered by condition() from the brief row), each also as a multiple of a view that
returns a constant response through the same middleware, timed in alternating blocks with it. The origin
keeps no page cache of its own: a repeated request for an unchanged page is the CDN's or Varnish's to
answer (bench/load.py measures that). Targets: a 60-section page <= 20x, a 304 one indexed query. A
"live" row, with no target, shows what a reader pays when no stored article matches (the first request
after a template or translation change, or one made by a reader in another time zone): the article is
built from the sections and stored.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import types
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import CommandError, call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import path  # noqa: E402

from briefs.actors import SYSTEM  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
# Multiples of the trivial view, and most queries.
TARGETS = {"page": (20, 2), "304": (None, 1), "live": (None, None)}


def trivial(request):
    return HttpResponse("ok")


# The site's own patterns, language prefixes included, with the trivial view beside them.
urlconf = types.ModuleType("bench_urls")
urlconf.urlpatterns = [path("bench/trivial/", trivial), *import_module(settings.ROOT_URLCONF).urlpatterns]


def seed_brief():
    from briefs.models import Brief

    try:
        call_command("loaddata", "russia_north_korea", verbosity=0)
        return Brief.objects.get(slug="rusijos-ir-siaures-korejos-santykiai"), "seed fixture"
    except CommandError:  # the fixture is not in this checkout: build a brief of the same shape
        return build_brief("seed-shaped", 4, 3), "seed-shaped stand-in"


def build_brief(slug: str, sections: int, entities_per_section: int):
    from briefs import services
    from briefs.models import EntityKind

    entities = [
        services.create_entity(
            name=f"{slug} entity {i}", kind=EntityKind.PERSON, wikidata_id=f"Q{1000 + i}", actor=SYSTEM
        )
        for i in range(20)
    ]
    paragraph = (
        "Rusijos ir Šiaurės Korėjos santykiai per pastaruosius metus sparčiai stiprėjo: vyko vizitai, "
        "pasirašytos sutartys, o *kariuomenės* bendradarbiavimas tapo [viešas](https://example.org)."
    )
    brief = services.create_brief(
        title=f"Bench {slug}",
        slug=slug,
        dek="Trumpai apie tai, kas žinoma.",
        sections=[
            services.SectionInput(
                f"Dalis {n}" if n else "",
                "\n\n".join([paragraph] * 3),
                entities=entities[n % 20 : n % 20 + entities_per_section],
            )
            for n in range(sections)
        ],
        actor=SYSTEM,
    )
    services.publish_brief(brief, note="Paskelbta", actor=SYSTEM)
    for n in range(min(5, sections)):
        services.edit_section(
            brief.sections.get(position=n), body=f"{paragraph} Atnaujinta {n}.", note=f"Nr. {n}", actor=SYSTEM
        )
    brief.refresh_from_db()
    return brief


def trivial_request(client: Client) -> None:
    client.get("/bench/trivial/")


def interleaved_ms(fn, baseline, before=None, rounds=ROUNDS, block=10) -> tuple[float, float]:
    """Median times of ``fn`` and of ``baseline``, taken in alternating blocks, so that both meet the
    same noise from other work on a shared machine. Blocks rather than strict turns: a trivial request
    timed right after a heavy one pays for the caches the heavy one evicted, which would flatter it."""
    samples, base_samples = [], []
    for _ in range(max(rounds // block, 1)):
        for _ in range(block):
            start = time.perf_counter()
            baseline()
            base_samples.append((time.perf_counter() - start) * 1000)
        for _ in range(block):
            if before:
                before()
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), statistics.median(base_samples)


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def measure(client: Client, url: str) -> dict:
    first = client.get(url)
    assert first.status_code == 200, (url, first.status_code)
    etag = first["ETag"]

    def get():
        response = client.get(url)
        assert response.status_code == 200

    def conditional():
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304

    def nothing_stored():
        from briefs.models import RenderedArticle

        cache.clear()
        RenderedArticle.objects.all().delete()

    def trivial():
        trivial_request(client)

    result = {}
    result["page"] = (*interleaved_ms(get, trivial), queries(get))
    result["304"] = (*interleaved_ms(conditional, trivial), queries(conditional))
    live = interleaved_ms(get, trivial, before=nothing_stored, rounds=max(ROUNDS // 4, 5))
    nothing_stored()
    result["live"] = (*live, queries(get))
    return result


def main() -> int:
    # No setup_test_environment(): it instruments every template render, which production does not.
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    failures = 0
    try:
        with override_settings(ROOT_URLCONF=urlconf, DEBUG=False, ALLOWED_HOSTS=["testserver"]):
            client = Client()
            seed, seed_label = seed_brief()
            big = build_brief("sixty-sections", 60, 3)
            for _ in range(20):  # warm-up: imports, template loading, connection
                trivial_request(client)
                client.get(seed.get_absolute_url())
            backend = settings.CACHES["default"]["BACKEND"]
            trivial_queries = queries(lambda: trivial_request(client))
            print(f"database: {connection.vendor}; cache: {backend}; rounds: {ROUNDS}")
            print(f"trivial view: {trivial_queries} queries; timed in blocks alternating with each page kind")
            times = " ".join(f"{c:>10}" for c in ("median ms", "trivial ms", "x trivial"))
            print(f"{'page':24} {'kind':5} {'queries':>7} {times}  target")
            for label, brief in ((seed_label, seed), ("60 sections", big)):
                for kind, (ms, base, count) in measure(client, brief.get_absolute_url()).items():
                    ratio = ms / base
                    most_x, most_queries = TARGETS[kind]
                    missed = []
                    if most_x is not None and brief is big and ratio > most_x:
                        missed.append(f"<= {most_x}x")
                    if most_queries is not None and count > most_queries:
                        missed.append(f"<= {most_queries} queries")
                    failures += bool(missed)
                    goals = [f"<= {most_x}x"] if most_x is not None and brief is big else []
                    goals += [f"<= {most_queries}q"] if most_queries is not None else []
                    mark = (
                        f"{', '.join(goals)} {'MISSED ' + ', '.join(missed) if missed else 'ok'}"
                        if goals
                        else ""
                    )
                    print(f"{label:24} {kind:5} {count:>7} {ms:>10.3f} {base:>10.3f} {ratio:>9.1f}x  {mark}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"targets missed: {failures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
