"""Atom feeds of each brief's public change log and of all briefs; the sitemap."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import RevisionKind

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
T0 = datetime(2025, 10, 27, 8, 0, tzinfo=UTC)


@pytest.fixture
def two_briefs(db):
    older = services.create_brief(
        title="Senesnė",
        slug="senesne",
        sections=[services.SectionInput("", "A.")],
        at=T0 - timedelta(days=7),
        actor=SYSTEM,
    )
    services.publish_brief(older, note="Paskelbta", at=T0 - timedelta(days=7), actor=SYSTEM)
    newer = services.create_brief(
        title="Naujesnė", slug="naujesne", sections=[services.SectionInput("", "B.")], at=T0, actor=SYSTEM
    )
    services.publish_brief(newer, note="Paskelbta", at=T0 + timedelta(hours=2), actor=SYSTEM)
    section = newer.sections.get()
    services.edit_section(
        section,
        body="B, pataisyta.",
        note="Klaida datoje",
        kind=RevisionKind.CORRECTION,
        at=T0 + timedelta(hours=3),
        actor=SYSTEM,
    )
    services.edit_section(
        section,
        body="B, patikslinta.",
        note="Tiksliau",
        kind=RevisionKind.CLARIFICATION,
        at=T0 + timedelta(hours=5),
        actor=SYSTEM,
    )
    # A minor fix days later is not a material update.
    services.edit_section(
        section, body="B, patikslinta!", kind=RevisionKind.MINOR, at=T0 + timedelta(days=3), actor=SYSTEM
    )
    draft = services.create_brief(
        title="Juodraštis", slug="juodrastis", sections=[services.SectionInput("", "C.")], actor=SYSTEM
    )
    return older, newer.__class__.objects.get(pk=newer.pk), draft


def response_text(element):
    return ET.tostring(element, encoding="unicode")


def parse(response):
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def test_brief_feed_lists_public_revisions_with_corrections_labelled(client, two_briefs):
    _, newer, _ = two_briefs
    feed = parse(client.get(reverse("briefs:feed", kwargs={"slug": newer.slug})))  # /en/…
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "lt"
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles == ["Clarification: Tiksliau", "Correction: Klaida datoje", "Update: Paskelbta"]
    categories = [e.find(f"{ATOM}category").get("term") for e in entries]
    assert categories == ["clarification", "correction", "update"]
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert all(link.startswith("http://testserver/en/briefs/naujesne/#rev-") for link in links)
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 3
    assert entries[1].findtext(f"{ATOM}updated").startswith("2025-10-27T11:00:00")


def test_correction_label_is_translated(client, two_briefs):
    _, newer, _ = two_briefs
    with translation.override("lt"):
        url = reverse("briefs:feed", kwargs={"slug": newer.slug})
    assert url.startswith("/lt/")
    titles = [e.findtext(f"{ATOM}title") for e in parse(client.get(url)).findall(f"{ATOM}entry")]
    assert "Pataisymas: Klaida datoje" in titles


def test_brief_feed_of_a_draft_is_404(client, two_briefs):
    assert client.get(reverse("briefs:feed", kwargs={"slug": "juodrastis"})).status_code == 404


def test_site_feed_lists_published_briefs_by_update(client, two_briefs):
    feed = parse(client.get(reverse("briefs:site-feed")))
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Naujesnė", "Senesnė"]
    assert entries[0].findtext(f"{ATOM}updated").startswith("2025-10-27T13:00:00")
    assert "juodrastis" not in response_text(feed)
    assert entries[0].find(f"{ATOM}link").get("href") == "http://testserver/en/briefs/naujesne/"


def test_feeds_answer_conditional_requests(client, two_briefs):
    url = reverse("briefs:site-feed")
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.unpublish_brief(two_briefs[0], actor=SYSTEM)
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert [e.findtext(f"{ATOM}title") for e in parse(response).findall(f"{ATOM}entry")] == ["Naujesnė"]


def test_sitemap_lists_published_briefs_with_last_material_update(client, two_briefs):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    urls = {
        u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod")
        for u in ET.fromstring(response.content)  # noqa: S314 - our own output.findall(f"{SITEMAP}url")
    }
    # Each brief in each interface language. The minor fix on the 30th does not count: the last
    # material update is the clarification.
    assert urls == {
        "http://testserver/lt/briefs/naujesne/": "2025-10-27",
        "http://testserver/en/briefs/naujesne/": "2025-10-27",
        "http://testserver/lt/briefs/senesne/": "2025-10-20",
        "http://testserver/en/briefs/senesne/": "2025-10-20",
    }
    assert b'hreflang="en"' in response.content and b'hreflang="x-default"' in response.content
    _, newer, _ = two_briefs
    assert newer.last_material_update_at == T0 + timedelta(hours=5)


CONTROL_RANGE = "".join(chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]) + "\ufffe\uffff\ufdd0"


@pytest.mark.django_db
def test_every_feed_stays_valid_xml_whatever_control_characters_are_pasted_in(client, editor):
    """A vertical tab pasted from a word processor once made both feeds answer 500."""
    brief = services.create_brief(
        title=f"Antraštė {CONTROL_RANGE} pabaiga",
        slug="valdymo-simboliai",
        dek=f"Santrauka {CONTROL_RANGE}",
        sections=[services.SectionInput(f"Dalis {CONTROL_RANGE}", f"Tekstas {CONTROL_RANGE}")],
        actor=editor,
    )
    services.publish_brief(brief, actor=editor, note=f"Paskelbta {CONTROL_RANGE}")
    for url in (reverse("briefs:feed", kwargs={"slug": brief.slug}), reverse("briefs:site-feed")):
        response = client.get(url)
        assert response.status_code == 200, url
        root = ET.fromstring(response.content)  # noqa: S314 - our own feed
        titles = [e.text or "" for e in root.iter() if e.tag.endswith("title")]
        assert any("Antraštė" in t or "Paskelbta" in t for t in titles), url
    brief.refresh_from_db()
    assert brief.title.startswith("Antraštė") and brief.title.endswith("pabaiga")
    assert not any(ch in brief.title + brief.dek for ch in "\x00\x0b\x0c\x1b\x7f\x85\ufffe")
