"""JSON-LD NewsArticle on the brief page: complete, built without extra queries, and unbreakable."""

import json
import re

import pytest
from django.core.cache import cache

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import EntityKind, RevisionKind

LD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def brief(db, make_entity):
    putin = make_entity("Vladimiras Putinas", wikidata_id="Q7747")
    russia = make_entity("Rusija", EntityKind.COUNTRY, wikidata_id="Q159")
    un = make_entity("Jungtinės Tautos", EntityKind.ORGANISATION)
    brief = services.create_brief(
        title="Kas žinoma",
        slug="kas-zinoma",
        dek="Santykiai </script><script>alert(1)</script>",
        sections=[
            services.SectionInput("", "Įžanga.", entities=[putin]),
            services.SectionInput(
                "Kariniai </script><!-- ryšiai",
                "Tekstas </script><script>alert(2)</script>.",
                entities=[russia, un],
            ),
            services.SectionInput("Slapta", "Paslėpta.", hidden=True, entities=[un]),
        ],
        actor=SYSTEM,
    )
    services.publish_brief(brief, note="Paskelbta", actor=SYSTEM)
    section = brief.sections.get(position=1)
    services.edit_section(
        section,
        body="Pataisyta.",
        note="Klaida </script><script>alert(3)</script>",
        kind=RevisionKind.CORRECTION,
        actor=SYSTEM,
    )
    brief.refresh_from_db()
    return brief


def jsonld(response):
    blocks = LD_BLOCK.findall(response.content.decode())
    assert len(blocks) == 1
    return blocks[0], json.loads(blocks[0])


def test_news_article_fields(client, brief):
    _, data = jsonld(client.get(brief.get_absolute_url()))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Kas žinoma"
    assert data["description"] == brief.dek
    assert data["inLanguage"] == "lt"
    assert data["datePublished"] == brief.first_published_at.isoformat(timespec="seconds")
    assert data["dateModified"] == brief.last_material_update_at.isoformat(timespec="seconds")
    assert data["url"] == "http://testserver/en/briefs/kas-zinoma/"  # the page in the language asked
    assert data["about"] == [
        {
            "@type": "Person",
            "name": "Vladimiras Putinas",
            "url": "http://testserver/en/entities/vladimiras-putinas/",
            "sameAs": "https://www.wikidata.org/wiki/Q7747",
        }
    ]
    mentions = {m["name"]: m for m in data["mentions"]}
    assert mentions["Rusija"]["@type"] == "Country"
    assert mentions["Rusija"]["sameAs"] == "https://www.wikidata.org/wiki/Q159"
    assert mentions["Jungtinės Tautos"]["@type"] == "Organization"
    assert "sameAs" not in mentions["Jungtinės Tautos"]
    assert data["articleSection"] == ["Kariniai </script><!-- ryšiai"]  # the hidden section is left out
    [correction] = data["correction"]
    assert correction["@type"] == "CorrectionComment"
    assert correction["text"] == "Klaida </script><script>alert(3)</script>"
    assert correction["url"].startswith("http://testserver/en/briefs/kas-zinoma/#rev-")


def test_script_content_cannot_close_the_block(client, brief):
    raw, _ = jsonld(client.get(brief.get_absolute_url()))
    assert "</" not in raw and "<!--" not in raw and "<script" not in raw.lower()
    assert "\\u003C/script\\u003E" in raw
    html = client.get(brief.get_absolute_url()).content.decode()
    # The only script elements are the data block and the external script.
    assert len(re.findall(r"<script\b", html)) == 2


def test_structured_data_is_stored_with_the_article(client, brief, django_assert_num_queries, settings):
    settings.ALLOWED_HOSTS = ["news.example", "other.example"]
    first = client.get(brief.get_absolute_url(), HTTP_HOST="news.example")
    cache.clear()
    with django_assert_num_queries(2):  # the brief and its stored article
        response = client.get(brief.get_absolute_url(), HTTP_HOST="other.example")
    _, data = jsonld(response)
    assert data["url"] == f"http://other.example{brief.get_absolute_url()}"
    assert all(
        entity["url"].startswith("http://other.example/") for entity in data["about"] + data["mentions"]
    )
    assert jsonld(first)[1]["url"] == f"http://news.example{brief.get_absolute_url()}"


def test_csp_allows_the_data_block_without_unsafe_inline(client, brief):
    policy = client.get(brief.get_absolute_url())["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
