"""No reader page shows a draft brief, a hidden section or text that was never published."""

import pytest

from briefs import services
from briefs.models import EntityKind, RevisionKind

pytestmark = pytest.mark.django_db

MARKERS = {
    "draft": "ZZDRAFTMARKER",
    "hidden": "ZZHIDDENMARKER",
    "unpublished": "ZZUNPUBLISHEDMARKER",
    "draft_entity": "ZZDRAFTENTITY",
}


@pytest.fixture
def planted(published_brief, make_entity, editor):
    secret_entity = make_entity(MARKERS["draft_entity"], EntityKind.PERSON)
    draft = services.create_brief(
        title=f"Draft {MARKERS['draft']}",
        slug="juodrastis",
        sections=[services.SectionInput("", f"Body {MARKERS['draft']}", entities=[secret_entity])],
        user=editor,
    )
    services.add_section(
        published_brief,
        heading=f"Hidden {MARKERS['hidden']}",
        body=f"Body {MARKERS['hidden']}",
        hidden=True,
        entities=[secret_entity],
        user=editor,
        note="Ruošiama",
    )
    gone = services.create_brief(
        title=f"Gone {MARKERS['unpublished']}",
        slug="isimta",
        sections=[services.SectionInput("", f"Body {MARKERS['unpublished']}")],
        user=editor,
    )
    services.publish_brief(gone, user=editor)
    services.unpublish_brief(gone, user=editor, note="Išimta", kind=RevisionKind.UPDATE)
    return {"draft": draft, "gone": gone, "entity": secret_entity, "brief": published_brief}


def reader_urls(planted):
    return [
        "/briefs/",
        planted["brief"].get_absolute_url(),
        planted["draft"].get_absolute_url(),
        planted["gone"].get_absolute_url(),
        planted["entity"].get_absolute_url(),
        "/entities/vladimiras-putinas/",
    ]


@pytest.mark.parametrize("who", ["anonymous", "reader", "reporter"])
def test_no_marker_reaches_a_reader_page(client, django_user_model, planted, who):
    if who != "anonymous":
        user = django_user_model.objects.create_user(who, password="pw-some-123", is_staff=who == "reporter")
        client.force_login(user)
    for url in reader_urls(planted):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        body = response.content.decode()
        for marker in MARKERS.values():
            assert marker not in body, (url, marker)


def test_unpublished_and_draft_briefs_are_404(client, planted):
    assert client.get(planted["draft"].get_absolute_url()).status_code == 404
    assert client.get(planted["gone"].get_absolute_url()).status_code == 404
