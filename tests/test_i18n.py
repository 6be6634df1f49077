"""Lithuanian and English interface: catalogues complete and compiled, switcher, page language, dates."""

import gettext
import itertools
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from briefs import services
from briefs.actors import SYSTEM

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = [ROOT / "briefs" / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in ("lt", "en")] + [
    ROOT / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in ("lt", "en")
]


@pytest.fixture
def english_brief(db):
    brief = services.create_brief(
        title="What is known",
        slug="what-is-known",
        language="en",
        sections=[services.SectionInput("", "Lead."), services.SectionInput("Trade", "Body.")],
        at=datetime(2025, 10, 27, 9, tzinfo=UTC),
        actor=SYSTEM,
    )
    services.publish_brief(brief, note="Published", at=datetime(2025, 10, 27, 9, tzinfo=UTC), actor=SYSTEM)
    return brief


def _entries(path: Path) -> list[dict]:
    """The entries of a .po file as dicts of its keywords (msgctxt, msgid, msgstr, msgstr[0], ...)."""
    entries, current, field = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, field = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and field:
            current[field] += _unquote(line)
        else:
            field, _, value = line.partition(" ")
            current[field] = _unquote(value)
    return [e for e in entries if e.get("msgid")]


def _unquote(text: str) -> str:
    return text[1:-1].replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogues_are_complete_and_compiled(catalogue):
    entries = _entries(catalogue)
    assert entries
    untranslated = [e["msgid"] for e in entries if not any(v for k, v in e.items() if k.startswith("msgstr"))]
    assert untranslated == []
    # The committed .mo holds exactly these translations (it was compiled from this .po).
    with catalogue.with_suffix(".mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    for entry in entries:
        context, msgid = entry.get("msgctxt"), entry["msgid"]
        if "msgid_plural" in entry:
            # n=1 picks the first plural form in both Lithuanian and English.
            found = (
                catalog.npgettext(context, msgid, entry["msgid_plural"], 1)
                if context
                else catalog.ngettext(msgid, entry["msgid_plural"], 1)
            )
            assert found == entry["msgstr[0]"], msgid
        else:
            found = catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)
            assert found == entry["msgstr"], msgid


def test_demo_defaults_to_lithuanian(client, english_brief):
    assert settings.LANGUAGE_CODE == "lt"
    assert client.get("/")["Location"] == "/lt/briefs/"
    html = client.get("/", follow=True).content.decode()
    assert '<html lang="lt">' in html
    assert "Pereiti prie turinio" in html and "Skip to content" not in html
    assert "Visos santraukos" in html


def test_plugin_and_host_strings_translate(db):
    with translation.override("lt"):
        assert translation.gettext("Contents") == "Turinys"  # plugin catalogue
        assert translation.gettext("Atom feed of all briefs") == "Visų santraukų Atom srautas"  # host
        assert (
            translation.npgettext("search", "%(counter)s result", "%(counter)s results", 3)
            == "%(counter)s rezultatai"
        )
        assert (
            translation.npgettext("search", "%(counter)s result", "%(counter)s results", 11)
            == "%(counter)s rezultatų"
        )
    with translation.override("en"):
        assert translation.gettext("Contents") == "Contents"


def in_language(language, obj_or_url):
    with translation.override(language):
        return obj_or_url.get_absolute_url() if hasattr(obj_or_url, "get_absolute_url") else obj_or_url


def test_the_language_switcher_is_a_link_that_keeps_the_page_and_the_query(client, english_brief):
    lt = in_language("lt", english_brief)
    en = in_language("en", english_brief)
    html = client.get(lt).content.decode()
    assert "Turinys" in html
    assert (
        f'<a href="{en}" hreflang="en" lang="en"><span class="language-name">English</span>'
        '<abbr class="language-code" title="English">EN</abbr></a>'
    ) in html
    # No form, no CSRF token: the page is the same for every reader of this address.
    assert "csrfmiddlewaretoken" not in html and "/i18n/setlang/" not in html
    english = client.get(en).content.decode()
    assert "Contents" in english and "Turinys" not in english
    search = client.get("/lt/search/?q=Kremlius+Putinas").content.decode()
    assert 'href="/en/search/?q=Kremlius+Putinas"' in search


def test_html_lang_follows_the_brief(client, english_brief, published_brief):
    assert '<html lang="en">' in client.get(in_language("lt", english_brief)).content.decode()
    assert '<html lang="lt">' in client.get(in_language("en", published_brief)).content.decode()


def test_interface_words_on_a_brief_in_another_language_say_their_own_language(client, english_brief):
    # A screen reader reading an English brief to a Lithuanian reader switches voice for the labels.
    html = client.get(in_language("lt", english_brief)).content.decode()
    assert '<h2 id="toc-heading" lang="lt">Turinys</h2>' in html
    assert '<h2 id="changelog-heading" lang="lt">' in html
    assert '<dl class="brief-meta" lang="lt">' in html
    assert re.search(r'<time lang="lt" datetime="[^"]+">2025 m\. spalio 27 d\.', html)
    assert '<article class="brief" lang="en"' in html


def test_dates_are_localised(client, english_brief):
    lt = client.get(in_language("lt", english_brief)).content.decode()
    en = client.get(in_language("en", english_brief)).content.decode()
    assert "2025 m. spalio 27 d." in lt
    assert "Oct. 27, 2025" in en
    assert 'datetime="2025-10-27T11:00:00+02:00"' in lt


def test_templates_have_landmarks_and_a_skip_link(client, english_brief):
    html = client.get(english_brief.get_absolute_url()).content.decode()
    assert html.index('class="skip-link" href="#main"') < html.index('<main id="main"')
    for landmark in ("<header", "<nav", "<main", "<footer", "<article"):
        assert landmark in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    headings = [int(level) for level in re.findall(r"<h([1-6])\b", html)]
    assert headings[0] == 1 and headings.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(headings))
    # No third-party assets: every src/href to a resource is local.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http://", "https://", "//")) or url.startswith("http://testserver/"), url
