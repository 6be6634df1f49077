import pytest
from django.utils import translation

from briefs import services
from briefs.models import EntityKind


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
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_entity(db):
    def make(name, kind=EntityKind.PERSON, **kwargs):
        return services.create_entity(name=name, kind=kind, **kwargs)

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
    )
    services.publish_brief(brief, note="Paskelbta")
    return brief


@pytest.fixture
def seed(db):
    from django.core.management import call_command

    call_command("loaddata", "russia_north_korea", verbosity=0)
    from briefs.models import Brief

    return Brief.objects.get(slug="rusijos-ir-siaures-korejos-santykiai")


REPO = __import__("pathlib").Path(__file__).resolve().parents[1]
SEED_TEXT = REPO.parent / "shared" / "seeds" / "000_2539d4bab154727d.txt"


@pytest.fixture
def seed_text():
    if not SEED_TEXT.exists():
        pytest.fail(f"The seed text is missing: expected it at {SEED_TEXT} (shared/ beside the repository).")
    return SEED_TEXT.read_text(encoding="utf-8")
