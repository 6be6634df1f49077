"""Reader pages: the brief list, the brief page and the entity page, and their query budgets."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Entity, EntityKind

pytestmark = pytest.mark.django_db


def test_brief_list_shows_published_briefs_most_recently_updated_first(client, published_brief, editor):
    older = services.create_brief(title="Senesnė santrauka", slug="senesne", actor=editor)
    services.publish_brief(older, actor=editor, note="Paskelbta")
    services.edit_section(
        published_brief.sections.get(heading="First"), body="Newer.", actor=editor, note="Naujiena"
    )
    services.create_brief(title="Nepaskelbta santrauka", slug="juodrastis", actor=editor)
    html = client.get("/lt/briefs/").content.decode()
    assert html.index("Bandomoji santrauka") < html.index("Senesnė santrauka")
    assert "Nepaskelbta santrauka" not in html


def test_brief_page_shows_title_dek_dates_toc_sections_chips_and_changelog(client, seed):
    response = client.get(f"/lt/briefs/{seed.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Kas žinoma apie Rusijos ir Šiaurės Korėjos santykius</h1>" in html
    assert seed.dek in html
    assert 'lang="lt"' in html
    assert "2025 m. spalio 27 d." in html  # first published, localised
    for section in seed.sections.all():
        assert f'href="#{section.anchor}"' in html
        assert f'id="{section.anchor}"' in html
    assert 'href="/lt/entities/vladimiras-putinas/"' in html
    assert "Pirmoji publikacija." in html


def test_brief_page_dates_follow_the_interface_language(client, seed):
    client.cookies["django_language"] = "en"
    html = client.get(seed.get_absolute_url()).content.decode()
    assert "Oct. 27, 2025" in html


def test_unknown_or_unpublished_brief_is_404(client, editor):
    draft = services.create_brief(title="Juodraštis", slug="juodrastis", actor=editor)
    assert client.get("/lt/briefs/nera-tokios/").status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_entity_page_groups_published_sections_by_brief(client, seed):
    response = client.get("/lt/entities/vladimiras-putinas/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Vladimiras Putinas" in html and "Rusijos prezidentas." in html
    assert 'href="https://www.wikidata.org/wiki/Q7747"' in html
    assert html.count('class="entity-brief"') == 1
    assert "Kariniai ryšiai" in html and "Komerciniai ryšiai ir turizmas" not in html
    assert client.get("/lt/entities/nera/").status_code == 404
    assert '<meta name="description" content="Rusijos prezidentas.">' in html


def test_an_entity_page_outlives_its_last_mention(client, published_brief, make_entity):
    """A link someone shared keeps working once editors untag the entity everywhere."""
    russia = Entity.objects.get(name="Rusija")
    url = f"/lt/entities/{russia.slug}/"
    assert client.get(url).status_code == 200
    section = published_brief.sections.get(heading="First")
    putin = Entity.objects.get(name="Vladimiras Putinas")
    services.set_entities(section, [putin], note="Rusija nepažymėta", actor=SYSTEM)
    response = client.get(url)
    assert response.status_code == 200
    assert "Neminima jokioje paskelbtoje santraukoje." in response.content.decode()
    # Not worth a crawler's visit any more, though.
    assert url not in client.get("/sitemap.xml").content.decode()
    assert f"/lt/entities/{putin.slug}/" in client.get("/sitemap.xml").content.decode()


def test_an_entity_only_drafts_mention_has_no_page_until_a_brief_shows_it(client, make_entity):
    hidden = make_entity("Slaptas šaltinis", description="Dar nepaskelbta.")
    draft = services.create_brief(
        title="Juodraštis",
        slug="juodrastis",
        sections=[services.SectionInput("", "Apie šaltinį.", entities=[hidden])],
        actor=SYSTEM,
    )
    url = f"/lt/entities/{hidden.slug}/"
    assert client.get(url).status_code == 404
    services.publish_brief(draft, actor=SYSTEM)
    hidden.refresh_from_db()
    assert hidden.first_shown_at == draft.revisions.latest("pk").created_at
    assert client.get(url).status_code == 200
    services.unpublish_brief(draft, actor=SYSTEM)
    assert client.get(url).status_code == 200


def test_list_page_has_a_meta_description(client, published_brief):
    html = client.get("/en/briefs/").content.decode()
    assert '<meta name="description" content="What is known, kept up to date:' in html


def build_brief(make_entity, sections, entities_per_section, slug):
    entities = [make_entity(f"{slug} asmuo {i}", EntityKind.PERSON) for i in range(entities_per_section)]
    brief = services.create_brief(
        title=f"Santrauka {slug}",
        slug=slug,
        sections=[
            services.SectionInput(f"Skyrius {i}" if i else "", f"Tekstas {i}.", entities=entities)
            for i in range(sections)
        ],
        actor=SYSTEM,
    )
    services.publish_brief(brief, note="Paskelbta", actor=SYSTEM)
    services.edit_section(brief.sections.get(position=0), body="Pakeista.", note="Atnaujinta", actor=SYSTEM)
    return brief


@pytest.mark.parametrize(("sections", "entities"), [(1, 1), (10, 15), (60, 1), (60, 15), (200, 15)])
def test_brief_page_queries_do_not_grow_with_its_size(
    client, make_entity, django_assert_num_queries, sections, entities
):
    brief = build_brief(make_entity, sections, entities, slug=f"b{sections}x{entities}")
    # Rendered: the brief, its stored article (none yet), sections, entities, change log, the store, and
    # the savepoint around the store that this test's transaction adds.
    with django_assert_num_queries(8):
        response = client.get(brief.get_absolute_url())
    html = response.content.decode()
    assert html.count('class="brief-section"') == sections
    assert html.count("chip chip-person") == sections * entities + entities
    cache.clear()
    # Stored: the brief and its article.
    with django_assert_num_queries(2):
        assert client.get(brief.get_absolute_url()).content.decode() == html


def test_dates_are_shown_in_the_site_time_zone(client, published_brief):
    local = timezone.localtime(published_brief.first_published_at)
    html = client.get(published_brief.get_absolute_url()).content.decode()
    assert local.isoformat()[:16] in html
