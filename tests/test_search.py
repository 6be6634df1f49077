"""Search: what readers type finds what the briefs say, whatever the accents and the inflection, on
PostgreSQL and on SQLite alike; entities come first; snippets highlight matches and escape the rest."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Entity, EntityKind, Section
from briefs.search import config_for, document, fold, highlighted, search, word_keys


@pytest.fixture
def corpus(db, make_entity):
    putin = make_entity("Vladimiras Putinas", aliases=["Putinas", "Putinu", "V. Putinas"])
    lt = services.create_brief(
        title="Rusija ir Šiaurės Korėja",
        slug="rusija-korea",
        language="lt",
        sections=[
            services.SectionInput(
                "",
                "Choe Son Hui susitiks su Putinu Kremliuje, kur 1 < 2 & 3 > 2 <script>x</script>.",
                entities=[putin],
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
    return {"lt": lt, "en": en, "draft": draft, "putin": putin}


def _briefs(results):
    return [hit.brief.slug for hit in results.hits]


def test_language_configurations():
    assert config_for("lt") == "briefs_lithuanian"
    assert config_for("lt-LT") == "briefs_lithuanian"
    assert config_for("en-GB") == "briefs_english"
    assert config_for("ko") == "briefs_simple"
    assert config_for("") == "briefs_simple"


def test_words_fold_and_stem_as_postgresql_does():
    assert fold("Šiaurės Korėja") == "siaures koreja"
    assert word_keys("Putinu") & word_keys("Putinas") & word_keys("PUTINĄ")
    assert word_keys("Šiaurės") == word_keys("siaures")
    assert not word_keys("Putinu") & word_keys("Kremliuje")
    assert document("", "") == ""
    assert document("Šiaurės Korėja").startswith(" ") and " siaur " in document("Šiaurės Korėja")


def test_accents_do_not_matter(corpus):
    results = search("siaures koreja")
    assert _briefs(results) == ["rusija-korea"]
    assert results.hits[0].section is None  # a headline match is one hit for the brief, not one per section
    assert _briefs(search("VONSANĄ")) == ["rusija-korea"]
    assert _briefs(search("vonsana")) == ["rusija-korea"]


def test_inflected_forms_find_each_other(corpus):
    # Kremliuje (locative) is found by Kremlius (nominative): no entity is named, only words match.
    results = search("Kremlius")
    assert results.entities == [] and _briefs(results) == ["rusija-korea"]
    assert "<mark>Kremliuje</mark>" in results.hits[0].snippet
    assert _briefs(search("turistas")) == ["rusija-korea"]
    assert _briefs(search("running ship")) == ["sanctions"]  # English: runs, ships


def test_every_word_of_the_query_must_match(corpus):
    assert _briefs(search("turistai keliauja")) == ["rusija-korea"]
    assert search("turistai sankcijos").hits == []


def test_an_entity_comes_first_then_the_sections_that_mention_it(corpus):
    results = search("Putinas")
    assert results.entities == [corpus["putin"]]
    assert [hit.section.heading for hit in results.hits] == [""]
    assert "<mark>Putinu</mark>" in results.hits[0].snippet
    # Lower case and no accents name it too; a word that is only part of a name does not.
    assert search("putinas").entities == [corpus["putin"]]
    assert search("Vladimiras").entities == []


def test_a_tagged_section_is_found_by_the_entity_even_where_the_text_says_otherwise(corpus, make_entity):
    korea = make_entity("Šiaurės Korėja", EntityKind.COUNTRY, aliases=["KLDR", "Pchenjanas"])
    tourism = Section.objects.get(brief=corpus["lt"], heading="Turizmas")
    services.set_entities(tourism, [korea], note="Pažymėta", actor=SYSTEM)
    results = search("kldr")
    assert results.entities == [korea]
    assert [hit.section for hit in results.hits] == [tourism]


def test_entities_readers_were_never_shown_are_not_results(corpus, make_entity):
    make_entity("Choe Son Hui")  # exists, but no published brief tags it
    assert search("Choe Son Hui").entities == []
    assert _briefs(search("Choe Son Hui")) == ["rusija-korea"]  # the words still match


def test_hidden_sections_and_drafts_are_never_found(corpus):
    results = search("Putinu")
    assert all(hit.section is None or hit.section.hidden is False for hit in results.hits)
    assert "draft" not in _briefs(results)
    assert len(results.hits) == 1
    assert search("juodraštyje").hits == []
    assert search("paslėpta").hits == []


def test_snippets_escape_everything_but_the_highlight(corpus):
    snippet = str(search("Kremliuje").hits[0].snippet)
    assert "<script>" not in snippet
    assert "1 &lt; 2 &amp; 3 &gt; 2" in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>") >= 1


def test_highlighted_drops_stray_markers():
    assert str(highlighted("a\ue000<b>\ue001 c\ue001 \ue000d")) == "a<mark>&lt;b&gt;</mark> c d"


def test_ranking_prefers_title_and_heading_matches(corpus):
    services.add_section(corpus["en"], heading="Strait", body="Nothing else.", note="Added", actor=SYSTEM)
    hits = search("strait").hits
    headings = [hit.section.heading for hit in hits if hit.section]
    assert set(headings) == {"Trade", "Strait"}
    if connection.vendor == "postgresql":
        assert headings[0] == "Strait"
        assert hits[0].rank > hits[1].rank


def test_edits_are_searchable_at_once(corpus):
    tourism = Section.objects.get(brief=corpus["lt"], heading="Turizmas")
    services.edit_section(
        tourism, heading="Kelionės", body="Lėktuvai skraido.", note="Pataisyta", actor=SYSTEM
    )
    assert search("turistai").hits == []
    assert [hit.section for hit in search("lėktuvas").hits] == [tourism]
    services.update_brief(corpus["en"], title="Sanctions and shipping", note="Retitled", actor=SYSTEM)
    found = search("shipping").hits
    assert found[0].brief == corpus["en"] and found[0].section is None


def test_search_page_lists_entities_then_sections(client, corpus):
    response = client.get("/lt/search/", {"q": "Putinas"})
    assert response.status_code == 200
    html = response.content.decode()
    entity_url = corpus["putin"].get_absolute_url().replace("/en/", "/lt/")
    assert html.index(f'href="{entity_url}"') < html.index('href="/lt/briefs/rusija-korea/#s')
    assert "<mark>Putinu</mark>" in html
    assert response["Cache-Control"].startswith("public")


def test_search_page_has_one_search_landmark(client, corpus):
    html = client.get("/lt/search/", {"q": "Turistai"}).content.decode()
    assert html.count('role="search"') == 1
    # Elsewhere the header's form is the landmark.
    assert client.get("/lt/briefs/").content.decode().count('role="search"') == 1


def test_empty_and_junk_queries(client, corpus):
    assert not search("")
    assert not search("   ")
    assert not search('"( & | ! :* <')
    response = client.get(reverse("briefs:search"), {"q": '"( & | ! :* <'})
    assert response.status_code == 200
    response = client.get("/lt/search/", {"q": "x" * 5000})
    assert response.status_code == 200
    html = response.content.decode()
    assert "search-results" not in html
    assert "nieko nerasta" in html  # the Lithuanian interface says nothing was found


def test_a_long_query_is_bounded(corpus):
    # Hundreds of words would become hundreds of SQL conditions: only the first ones count.
    results = search("turistai " + " ".join(f"w{n}" for n in range(300)))
    assert results.hits == []
    assert len(results.query) == 200


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


# The seed brief -----------------------------------------------------------------------------------


def test_every_tagged_seed_section_is_found_by_every_name_of_its_entities(seed):
    """Measured on the seed: 17 entities, their names and aliases, and every section they tag."""
    misses, checked = [], 0
    for entity in Entity.objects.filter(taggings__isnull=False).distinct():
        tagged = set(Section.objects.filter(tagged_entities__tag=entity).values_list("pk", flat=True))
        for form in entity.surface_forms:
            found = search(form)
            checked += 1
            if entity not in found.entities or not tagged <= {h.section.pk for h in found.hits if h.section}:
                misses.append(form)
    assert misses == []
    assert checked >= 40


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("siaures koreja", "Šiaurės Korėja"),
        ("Putinas", "Putinu"),
        ("pchenjanas", "Pchenjano"),
        ("kariai", "karių"),
    ],
)
def test_seed_text_is_found_without_accents_and_in_other_forms(seed, query, says):
    results = search(query)
    assert any(says in (hit.section.body_text if hit.section else hit.brief.dek) for hit in results.hits)
    # What is marked is what matched: a word of the query, or a name of an entity the query names.
    marked = [m for hit in results.hits for m in re.findall(r"<mark>(.*?)</mark>", hit.snippet)]
    names = [form for entity in results.entities for form in entity.surface_forms]
    wanted = set().union(*(word_keys(word) for text in (query, *names) for word in re.findall(r"\w+", text)))
    assert marked and all(word_keys(word) & wanted for m in marked for word in m.split())
