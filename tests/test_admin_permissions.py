"""Every admin URL and action, for anonymous visitors, a staff user with no role, Reporters and Editors."""

import pytest

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Entity, Revision
from tests.desk import make_user

pytestmark = pytest.mark.django_db

LOGIN = "login"


def urls(brief, revision, section, entity, unused):
    b, r = brief.pk, revision.pk
    return [
        ("get", "/admin/", {}),
        ("get", "/admin/briefs/brief/", {}),
        ("get", "/admin/briefs/brief/add/", {}),
        ("get", f"/admin/briefs/brief/{b}/change/", {}),
        ("get", f"/admin/briefs/brief/{b}/history/", {}),
        ("get", f"/admin/briefs/brief/{b}/history/compare/?a={r}&b={r}", {}),
        ("get", f"/admin/briefs/brief/{b}/history/{r}/revert/", {}),
        (
            "post",
            f"/admin/briefs/brief/{b}/history/{r}/revert/",
            {"update_kind": "update", "update_note": "x"},
        ),
        ("get", f"/admin/briefs/brief/{b}/preview/", {}),
        ("get", "/admin/briefs/brief/review-due/", {}),
        ("post", "/admin/briefs/brief/markdown-preview/", {"body": "*x*"}),
        ("post", f"/admin/briefs/brief/{b}/sections/{section.pk}/reviewed/", {}),
        ("get", f"/admin/briefs/brief/{b}/delete/", {}),
        ("post", "/admin/briefs/brief/", {"action": "unpublish_selected", "_selected_action": [b]}),
        ("get", "/admin/briefs/entity/", {}),
        ("get", "/admin/briefs/entity/add/", {}),
        ("get", f"/admin/briefs/entity/{entity.pk}/change/", {}),
        # An entity that history mentions is merged, never deleted; one never tagged may go.
        ("get", f"/admin/briefs/entity/{entity.pk}/delete/", {}),
        ("get", f"/admin/briefs/entity/{unused.pk}/delete/", {}),
        ("get", "/admin/briefs/revision/", {}),
        ("get", "/admin/autocomplete/?app_label=briefs&model_name=section&field_name=entities&term=Put", {}),
    ]


# One column per URL above, in order.
EXPECTED = {
    "anonymous": [LOGIN] * 21,
    "no role": [
        200,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
        403,
    ],
    "reporter": [
        200,
        200,
        200,
        200,
        200,
        200,
        403,
        403,
        200,
        200,
        200,
        403,
        403,
        200,
        200,
        200,
        200,
        403,
        403,
        200,
        200,
    ],
    "editor": [
        200,
        200,
        200,
        200,
        200,
        200,
        200,
        302,
        200,
        200,
        200,
        302,
        403,
        302,
        200,
        200,
        200,
        403,
        200,
        200,
        200,
    ],
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_admin_permission_matrix(client, django_user_model, seed, who):
    users = {
        "anonymous": None,
        "no role": make_user(django_user_model, "norole"),
        "reporter": make_user(django_user_model, "reporter1", "Reporter"),
        "editor": make_user(django_user_model, "editor1", "Editor"),
    }
    revision = Revision.objects.filter(brief=seed).first()
    section = seed.sections.get(position=0)
    entity = Entity.objects.get(slug="vladimiras-putinas")
    unused = services.create_entity(name="Niekur nežymėtas", kind="person", actor=SYSTEM)
    if users[who]:
        client.force_login(users[who])
    before = Revision.objects.count()
    observed = []
    for method, url, data in urls(seed, revision, section, entity, unused):
        response = getattr(client, method)(url, data)
        if response.status_code == 302 and response["Location"].startswith("/admin/login/"):
            observed.append(LOGIN)
        else:
            observed.append(response.status_code)
    assert observed == EXPECTED[who]
    seed.refresh_from_db()
    if who != "editor":
        # Nobody but an Editor changed anything, whatever they posted.
        assert Revision.objects.count() == before
        assert seed.is_published
        section.refresh_from_db()
        assert section.last_reviewed_at is None
    else:
        assert not seed.is_published  # the unpublish action ran, after the revert
        assert Revision.objects.count() > before
