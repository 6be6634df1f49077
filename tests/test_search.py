"""Search of published briefs: full-text with stemming per language on PostgreSQL, a case-insensitive
substring match elsewhere. Snippets highlight matches and escape everything else."""

import pytest
from django.db import connection
from django.urls import reverse

from briefs import services
from briefs.actors import SYSTEM
from briefs.search import config_for, highlighted, search


@pytest.fixture
def corpus(db):
    lt = services.create_brief(
        title="Rusija ir Šiaurės Korėja",
        slug="rusija-korea",
        language="lt",
        sections=[
            services.SectionInput(
                "", "Choe Son Hui susitiks su Putinu Kremliuje, kur 1 < 2 & 3 > 2 <script>x</script>."
            ),
            services.SectionInput("Turizmas", "Turistai keliauja į Vonsaną."),
            services.SectionInput("Slapta", "Putinu paslėpta dalis.", hidden=True),
        ],
        actor=SYSTEM,
    )
    services.publish_brief(lt, actor=SYSTEM)
    en = services.create_brief(
        title="Sanctions explained",
        slug="sanctions",
        language="en",
        sections=[services.SectionInput("Trade", "The regime runs ships through the strait.")],
        actor=SYSTEM,
    )
    services.publish_brief(en, actor=SYSTEM)
    draft = services.create_brief(
        title="Juodraštis",
        slug="draft",
        sections=[services.SectionInput("", "Putinu juodraštyje.")],
        actor=SYSTEM,
    )
    return {"lt": lt, "en": en, "draft": draft}


def _briefs(hits):
    return [hit.brief.slug for hit in hits]


def test_language_configurations():
    assert config_for("lt") == "lithuanian"
    assert config_for("lt-LT") == "lithuanian"
    assert config_for("en-GB") == "english"
    assert config_for("ko") == "simple"
    assert config_for("") == "simple"


def test_inflected_forms(corpus):
    """On PostgreSQL stemming finds other inflections; the fallback matches substrings only."""
    if connection.vendor == "postgresql":
        hits = search("Putinas")
        assert _briefs(hits) == ["rusija-korea"]
        assert "<mark>Putinu</mark>" in hits[0].snippet
        assert _briefs(search("running ship")) == ["sanctions"]  # english stemmer: runs, ships
    else:
        assert search("Putinas") == []
        hits = search("putinu")
        assert _briefs(hits) == ["rusija-korea"]
        assert "<mark>Putinu</mark>" in hits[0].snippet
        assert _briefs(search("SHIPS")) == ["sanctions"]


def test_non_ascii_case_is_folded(corpus):
    hits = search("šiaurės")
    assert _briefs(hits) == ["rusija-korea"]
    assert hits[0].section is None  # a headline match is one hit for the brief, not one per section
    assert _briefs(search("VONSANĄ")) == ["rusija-korea"]


def test_hidden_sections_and_drafts_are_never_found(corpus):
    hits = search("Putinu")
    assert all(hit.section is None or hit.section.hidden is False for hit in hits)
    assert "draft" not in _briefs(hits)
    assert len(hits) == 1
    assert search("juodraštyje") == []
    assert search("paslėpta") == []


def test_snippets_escape_everything_but_the_highlight(corpus):
    snippet = str(search("Kremliuje")[0].snippet)
    assert "<script>" not in snippet
    assert "1 &lt; 2 &amp; 3 &gt; 2" in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>") >= 1


def test_highlighted_drops_stray_markers():
    assert str(highlighted("a\ue000<b>\ue001 c\ue001 \ue000d")) == "a<mark>&lt;b&gt;</mark> c d"


def test_ranking_prefers_title_and_heading_matches(corpus):
    services.add_section(corpus["en"], heading="Strait", body="Nothing else.", note="Added", actor=SYSTEM)
    hits = search("strait")
    headings = [hit.section.heading for hit in hits if hit.section]
    assert set(headings) == {"Trade", "Strait"}
    if connection.vendor == "postgresql":
        assert headings[0] == "Strait"
        assert hits[0].rank > hits[1].rank


def test_search_page(client, corpus):
    response = client.get("/lt/search/", {"q": "Turistai"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/lt/briefs/rusija-korea/#s' in html
    assert "<mark>Turistai</mark>" in html
    assert response["Cache-Control"].startswith("public")


def test_empty_and_junk_queries(client, corpus):
    assert search("") == []
    assert search("   ") == []
    response = client.get(reverse("briefs:search"), {"q": '"( & | ! :* <'})
    assert response.status_code == 200
    response = client.get("/lt/search/", {"q": "x" * 5000})
    assert response.status_code == 200
    html = response.content.decode()
    assert "search-results" not in html
    assert "nieko nerasta" in html  # the Lithuanian interface says nothing was found


@pytest.mark.django_db
def test_snippets_and_matches_use_the_rendered_text_only(client):
    brief = services.create_brief(
        title="Komentarai",
        slug="komentarai",
        sections=[services.SectionInput("", "Vieša frazė apie **Kremlių**.<!-- slaptas šaltinis -->")],
        actor=SYSTEM,
    )
    services.publish_brief(brief, actor=SYSTEM)
    html = client.get(reverse("briefs:search"), {"q": "Kremlių"}).content.decode()
    assert "Vieša frazė" in html and "**" not in html and "slaptas" not in html
    hits = client.get(reverse("briefs:search"), {"q": "slaptas šaltinis"}).content.decode()
    assert "Komentarai" not in hits


@pytest.mark.django_db
def test_a_shared_cache_keeps_the_search_page_apart_per_language(client):
    """The language is in the address, so a cache keyed on the URL keeps the two apart."""
    lt = client.get("/lt/search/", {"q": "Kremlius"}, HTTP_ACCEPT_LANGUAGE="en")
    en = client.get("/en/search/", {"q": "Kremlius"}, HTTP_ACCEPT_LANGUAGE="lt")
    assert "public" in lt["Cache-Control"] and "Vary" not in lt
    assert "Paieška" in lt.content.decode() and "Search" in en.content.decode()
