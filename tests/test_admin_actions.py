"""Every admin action, for every role: offered only to those who may take it, and refused (with nothing
changed) for anyone else who posts it by hand. An action is never granted by holding any one of several
permissions."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Brief, BriefStatus, Entity, Revision
from tests.desk import make_user

pytestmark = pytest.mark.django_db

ROLES = {"no role": None, "reporter": "Reporter", "editor": "Editor"}


@pytest.fixture
def world(seed, make_entity):
    draft = services.create_brief(title="Juodraštis", slug="juodrastis", actor=SYSTEM)
    twin = make_entity("V. Putinas (dublis)")
    services.set_entities(seed.sections.get(position=1), [twin], actor=SYSTEM, note="Dublis")
    unused = make_entity("Niekur nežymėtas")
    return {
        "seed": seed,
        "draft": draft,
        "putin": Entity.objects.get(slug="vladimiras-putinas"),
        "twin": twin,
        "unused": unused,
    }


def state(world):
    return (
        Revision.objects.count(),
        dict(Brief.objects.values_list("slug", "status")),
        sorted(Entity.objects.values_list("pk", "merged_into")),
    )


# (changelist, action, what to select, extra POST data, who may)
ACTIONS = {
    "publish": ("briefs_brief", "publish_selected", ["draft"], {}, {"editor"}),
    "unpublish": ("briefs_brief", "unpublish_selected", ["seed"], {}, {"editor"}),
    "merge": (
        "briefs_entity",
        "merge_selected",
        ["putin", "twin"],
        {"apply": "1", "survivor": "putin"},
        {"editor"},
    ),
    "delete entity": ("briefs_entity", "delete_selected", ["unused"], {"post": "yes"}, {"editor"}),
}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("name", list(ACTIONS))
def test_each_action_is_offered_and_works_only_for_those_who_may(
    client, django_user_model, world, role, name
):
    changelist, action, selected, extra, allowed = ACTIONS[name]
    client.force_login(make_user(django_user_model, f"user-{role.replace(' ', '-')}", ROLES[role]))
    url = reverse(f"admin:{changelist}_changelist")
    page = client.get(url)
    offered = page.status_code == 200 and f'value="{action}"' in page.content.decode()
    assert offered == (role in allowed)

    before = state(world)
    data = {
        "action": action,
        ACTION_CHECKBOX_NAME: [world[key].pk for key in selected],
        **{k: (world[v].pk if v in world else v) for k, v in extra.items()},
    }
    response = client.post(url, data)
    assert response.status_code in (200, 302, 403)
    if role in allowed:
        assert state(world) != before
    else:
        assert state(world) == before


def test_a_reporter_cannot_merge_entities_shown_on_a_published_brief(client, django_user_model, world):
    """The merge used to be offered to anyone holding change *or* delete; reporters hold change."""
    client.force_login(make_user(django_user_model, "rep", "Reporter"))
    before = state(world)
    response = client.post(
        reverse("admin:briefs_entity_changelist"),
        {
            "action": "merge_selected",
            ACTION_CHECKBOX_NAME: [world["putin"].pk, world["twin"].pk],
            "apply": "1",
            "survivor": world["twin"].pk,
        },
    )
    assert response.status_code in (200, 302)
    assert state(world) == before
    assert client.get(world["putin"].get_absolute_url()).status_code == 200


def test_the_merge_service_refuses_a_reporter_too(django_user_model, world):
    from django.core.exceptions import PermissionDenied

    reporter = make_user(django_user_model, "rep", "Reporter")
    before = state(world)
    with pytest.raises(PermissionDenied):
        services.merge_entities(world["twin"], [world["putin"]], actor=reporter)
    assert state(world) == before


def test_an_entity_that_history_mentions_is_never_deleted(client, django_user_model, world):
    client.force_login(make_user(django_user_model, "ed", "Editor"))
    before = state(world)
    client.post(
        reverse("admin:briefs_entity_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [world["putin"].pk], "post": "yes"},
    )
    assert state(world) == before
    assert Brief.objects.get(slug=world["seed"].slug).status == BriefStatus.PUBLISHED
