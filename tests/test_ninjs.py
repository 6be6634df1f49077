"""IPTC ninjs 3.1: the serialiser validates against the published schema; the API serves it."""

import json
from datetime import datetime
from urllib.parse import urlsplit

import jsonschema
import pytest
from django.urls import reverse

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import EntityKind
from briefs.ninjs import brief_to_ninjs
from tests.conftest import NINJS_SCHEMA as SCHEMA_PATH


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    # jsonschema checks "uri" and "date-time" only with optional packages; check them here instead.
    checker = jsonschema.FormatChecker()

    @checker.checks("uri")
    def is_uri(value):
        parts = urlsplit(value)
        return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme == "urn") and " " not in value

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value):
        return "T" in value and datetime.fromisoformat(value).tzinfo is not None

    return cls(schema, format_checker=checker)


@pytest.fixture
def brief(db, make_entity):
    putin = make_entity("Vladimiras Putinas", wikidata_id="Q7747")
    kim = make_entity("Kim Jong Unas")
    russia = make_entity("Rusija", EntityKind.COUNTRY, wikidata_id="Q159")
    pyongyang = make_entity("Pchenjanas", EntityKind.PLACE, wikidata_id="Q18808")
    un = make_entity("JT", EntityKind.ORGANISATION, wikidata_id="Q1065")
    war = make_entity("Korėjos karas", EntityKind.EVENT, wikidata_id="Q8663")
    brief = services.create_brief(
        title="Kas žinoma",
        slug="kas-zinoma",
        dek="Santykiai.",
        sections=[
            services.SectionInput("", "Choe Son Hui susitiks su *Putinu*.", entities=[putin, russia]),
            services.SectionInput(
                "Istorija", "Po [karo](https://example.org) <b>x</b>.", entities=[war, pyongyang, un, kim]
            ),
            services.SectionInput("Slapta", "Paslėptas tekstas.", hidden=True),
        ],
        actor=SYSTEM,
    )
    services.publish_brief(brief, note="Paskelbta", actor=SYSTEM)
    brief.refresh_from_db()
    return brief


def test_valid_against_the_schema(validator, brief, rf):
    item = brief_to_ninjs(brief, rf.get("/"))
    errors = sorted(validator.iter_errors(item), key=str)
    assert not errors, [e.message for e in errors]
    # Without a request the identifiers are still valid URIs.
    assert not list(validator.iter_errors(brief_to_ninjs(brief)))
    # The validator is not vacuous: properties outside ninjs and wrong types are caught.
    assert list(validator.iter_errors({**item, "headline": "x"}))
    assert list(validator.iter_errors({**item, "type": "brief"}))
    assert list(validator.iter_errors({**item, "people": [{"name": "x", "role": "y"}]}))
    assert list(validator.iter_errors({**item, "uri": "/briefs/kas-zinoma/"}))
    assert list(validator.iter_errors({**item, "versionCreated": "2025-10-27"}))


def test_content(brief, rf):
    item = brief_to_ninjs(brief, rf.get("/"))
    assert item["uri"] == "http://testserver/lt/briefs/kas-zinoma/"  # the default language, always
    assert item["type"] == "text"
    assert item["language"] == "lt"
    assert item["headlines"] == [{"role": "main", "value": "Kas žinoma"}]
    assert item["descriptions"][0]["value"] == "Santykiai."
    assert item["firstCreated"] == brief.first_published_at.isoformat()
    # The version of what readers see, not of the desk's work (see test_caching).
    brief.refresh_from_db()
    assert item["version"] == str(brief.version)
    assert item["versionCreated"] == brief.changed_at.isoformat()
    [body] = item["bodies"]
    assert body["contentType"] == "text/html"
    assert "<em>Putinu</em>" in body["value"]
    assert '<a href="https://example.org"' in body["value"]
    assert "<h2>Istorija</h2>" in body["value"]
    assert "Paslėptas" not in body["value"] and "Slapta" not in body["value"]
    assert "<b>" not in body["value"]  # sanitized on save
    people = {p["name"]: p for p in item["people"]}
    assert people["Vladimiras Putinas"] == {
        "name": "Vladimiras Putinas",
        "rel": "about",
        "literal": "vladimiras-putinas",
        "uri": "http://www.wikidata.org/entity/Q7747",
    }
    # Without a Wikidata ID the entity page is the identifier.
    assert people["Kim Jong Unas"]["uri"] == "http://testserver/lt/entities/kim-jong-unas/"
    assert people["Kim Jong Unas"]["rel"] == "mentioned"
    places = {p["name"]: p["uri"] for p in item["places"]}
    assert places == {
        "Rusija": "http://www.wikidata.org/entity/Q159",
        "Pchenjanas": "http://www.wikidata.org/entity/Q18808",
    }
    assert item["organisations"][0]["uri"] == "http://www.wikidata.org/entity/Q1065"
    assert item["subjects"][0]["name"] == "Korėjos karas"


def test_without_request_uses_the_configured_site(brief, settings):
    assert brief_to_ninjs(brief)["uri"] == "urn:newsroom-briefs:brief:kas-zinoma"
    settings.BRIEFS_SITE_URL = "https://news.example.org/"
    assert brief_to_ninjs(brief)["uri"] == "https://news.example.org/lt/briefs/kas-zinoma/"


def test_api_detail(client, validator, brief):
    response = client.get(reverse("briefs_api:detail", kwargs={"slug": brief.slug}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    item = response.json()
    assert not list(validator.iter_errors(item))
    assert item["headlines"][0]["value"] == "Kas žinoma"


def test_api_list_has_published_briefs_only(client, brief):
    services.create_brief(title="Juodraštis", slug="juodrastis", actor=SYSTEM)
    data = client.get(reverse("briefs_api:list")).json()
    assert [b["slug"] for b in data["briefs"]] == ["kas-zinoma"]
    assert data["briefs"][0]["href"] == "http://testserver/api/briefs/kas-zinoma/"
    assert client.get(data["briefs"][0]["href"]).status_code == 200


def test_api_hides_drafts_and_unknown_slugs(client, brief):
    services.create_brief(title="Juodraštis", slug="juodrastis", actor=SYSTEM)
    assert client.get(reverse("briefs_api:detail", kwargs={"slug": "juodrastis"})).status_code == 404
    assert client.get(reverse("briefs_api:detail", kwargs={"slug": "nera"})).status_code == 404


def test_api_conditional_get(client, brief):
    url = reverse("briefs_api:detail", kwargs={"slug": brief.slug})
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
