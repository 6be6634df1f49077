"""No reader page shows a draft brief, a hidden section or text that was never published."""

import pytest
from django.utils import timezone

from briefs import services
from briefs.models import EntityKind, RevisionKind

pytestmark = pytest.mark.django_db

MARKERS = {
    "draft": "ZZDRAFTMARKER",
    "hidden": "ZZHIDDENMARKER",
    "unpublished": "ZZUNPUBLISHEDMARKER",
    "draft_entity": "ZZDRAFTENTITY",
    "minor_only": "ZZMINORONLYMARKER",
}


@pytest.fixture
def planted(published_brief, make_entity, editor):
    secret_entity = make_entity(MARKERS["draft_entity"], EntityKind.PERSON)
    draft = services.create_brief(
        title=f"Draft {MARKERS['draft']}",
        slug="juodrastis",
        sections=[services.SectionInput("", f"Body {MARKERS['draft']}", entities=[secret_entity])],
        actor=editor,
    )
    services.add_section(
        published_brief,
        heading=f"Hidden {MARKERS['hidden']}",
        body=f"Body {MARKERS['hidden']}",
        hidden=True,
        entities=[secret_entity],
        actor=editor,
        note="Ruošiama",
    )
    gone = services.create_brief(
        title=f"Gone {MARKERS['unpublished']}",
        slug="isimta",
        sections=[services.SectionInput("", f"Body {MARKERS['unpublished']}")],
        actor=editor,
    )
    services.publish_brief(gone, actor=editor)
    services.unpublish_brief(gone, actor=editor, note="Išimta", kind=RevisionKind.UPDATE)
    # Wording that only ever stood in a minor revision, replaced before any public one.
    second = published_brief.sections.get(heading="Second")
    services.edit_section(
        second, body=f"Second body {MARKERS['minor_only']}.", actor=editor, kind=RevisionKind.MINOR
    )
    services.edit_section(second, body="Second body, final.", actor=editor, note="Patikslinta")
    return {"draft": draft, "gone": gone, "entity": secret_entity, "brief": published_brief}


def reader_urls(planted):
    """Every public URL: pages, feeds, sitemap, API, search and the changes view."""
    urls = ["/lt/briefs/", "/lt/feed/", "/sitemap.xml", "/api/briefs/", "/lt/entities/vladimiras-putinas/"]
    for brief in (planted["brief"], planted["draft"], planted["gone"]):
        base = brief.get_absolute_url()
        urls += [base, f"{base}feed/", f"/api/briefs/{brief.slug}/"]
        urls += [f"{base}changes/?since={since}" for since in ("2000-01-01", "2100-01-01")]
        urls.append(f"{base}changes/?since={timezone.now().date().isoformat()}")
    urls.append(planted["entity"].get_absolute_url())
    urls += [f"/lt/search/?q={marker}" for marker in MARKERS.values()]
    urls += ["/lt/search/?q=Draft", "/lt/search/?q=Hidden", "/lt/search/?q=Body", "/lt/search/?q=Gone"]
    return urls


@pytest.mark.parametrize("who", ["anonymous", "reader", "reporter"])
def test_no_marker_reaches_a_reader_page(client, django_user_model, planted, who):
    if who != "anonymous":
        user = django_user_model.objects.create_user(who, password="pw-some-123", is_staff=who == "reporter")
        client.force_login(user)
    for url in reader_urls(planted):
        response = client.get(url, follow=True)
        assert response.status_code in (200, 404), url
        body = response.content.decode()
        if url.startswith("/lt/search/"):
            # The search page repeats the reader's own query; only results may not carry a marker.
            body = body.replace(url.split("q=", 1)[1], "")
        for marker in MARKERS.values():
            assert marker not in body, (url, marker)


def test_unpublished_and_draft_briefs_are_404(client, planted):
    assert client.get(planted["draft"].get_absolute_url()).status_code == 404
    assert client.get(planted["gone"].get_absolute_url()).status_code == 404
