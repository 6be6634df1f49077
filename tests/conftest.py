from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import EntityKind

SLOW_FIXTURES = {"browser_page", "live_server"}


def pytest_collection_modifyitems(items):
    """A browser or a live server makes a test slow: `pytest -m "not slow"` leaves those out."""
    for item in items:
        if "browser_page" in item.fixturenames:
            item.add_marker(pytest.mark.browser)
        if SLOW_FIXTURES & set(item.fixturenames) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Code a test calls directly (services, commands) runs in English, the language of the msgids, so
    assertions on messages and default notes do not depend on the catalogues. Requests still choose
    their own language through LocaleMiddleware (the demo default is Lithuanian)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rendered pages are cached under version tokens made of row ids, and a rolled-back test may reuse
    the ids of the one before it: every test starts and ends with an empty cache."""
    cache.clear()
    yield
    cache.clear()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page(monkeypatch):
    """A page in Debian's headless Chromium, driven by Playwright (which downloads no browser of its own)."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still
    # synchronous and safe. Set for this test only: a leaked value fails `check --deploy` elsewhere.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is missing: expected the Debian package 'chromium' at {CHROMIUM}. "
            "Install it with `apt-get install chromium` (.ci/run does this)."
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()
        # The test's queries ran in Playwright's context and opened connections of their own there,
        # which the database teardown cannot see: left open, they stop the test database being dropped.
        connections.close_all()


@pytest.fixture
def make_entity(db):
    def make(name, kind=EntityKind.PERSON, **kwargs):
        return services.create_entity(name=name, kind=kind, **kwargs, actor=SYSTEM)

    return make


@pytest.fixture
def editor(django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("editor", password="pw-editor-123", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="briefs"))
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def published_brief(db, make_entity):
    """A small published brief: a lead and two headed sections, with entities."""
    putin = make_entity("Vladimiras Putinas", aliases=["Putinu", "V. Putinas"])
    russia = make_entity("Rusija", EntityKind.COUNTRY)
    brief = services.create_brief(
        title="Bandomoji santrauka",
        slug="bandomoji",
        dek="Trumpai.",
        sections=[
            services.SectionInput("", "Lead paragraph.", entities=[putin]),
            services.SectionInput("First", "First body.", entities=[putin, russia]),
            services.SectionInput("Second", "Second body."),
        ],
        actor=SYSTEM,
    )
    services.publish_brief(brief, note="Paskelbta", actor=SYSTEM)
    return brief


@pytest.fixture
def seed(db):
    from django.core.management import call_command

    call_command("loaddata", "russia_north_korea", verbosity=0)
    from briefs.models import Brief

    return Brief.objects.get(slug="rusijos-ir-siaures-korejos-santykiai")


REPO = Path(__file__).resolve().parents[1]
# Copies kept in the repository, so that a clone with nothing beside it runs the whole suite.
SEED_TEXT = REPO / "fixtures" / "seeds" / "000_2539d4bab154727d.txt"
NINJS_SCHEMA = REPO / "tests" / "data" / "ninjs-schema_3.1.json"


@pytest.fixture
def seed_text():
    return SEED_TEXT.read_text(encoding="utf-8")
