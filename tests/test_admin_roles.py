"""Reporter and Editor roles: who may change what readers see, on every admin path."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Brief, BriefStatus, Revision, Section
from briefs.roles import ROLE_PERMISSIONS
from tests.desk import add_row, change_data, change_url, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporter(django_user_model):
    return make_user(django_user_model, "reporter", "Reporter")


@pytest.fixture
def editor_user(django_user_model):
    return make_user(django_user_model, "desk-editor", "Editor")


def snapshot(brief):
    brief.refresh_from_db()
    return (
        brief.title,
        brief.status,
        [(s.heading, s.body, s.hidden, s.position) for s in brief.sections.order_by("position")],
        sorted(brief.sections.values_list("tagged_entities__tag_id", flat=True), key=str),
        Revision.objects.count(),
    )


def test_migration_creates_both_groups_with_their_permissions():
    reporter = set(Group.objects.get(name="Reporter").permissions.values_list("codename", flat=True))
    editor = set(Group.objects.get(name="Editor").permissions.values_list("codename", flat=True))
    assert reporter == set(ROLE_PERMISSIONS["Reporter"])
    assert "publish_brief" not in reporter
    assert editor == reporter | {"publish_brief", "delete_entity"}


def test_setup_roles_is_idempotent_and_reports_counts(capsys):
    Group.objects.get(name="Editor").permissions.clear()
    call_command("setup_roles")
    call_command("setup_roles")
    out = capsys.readouterr().out
    assert out == "Reporter: 15 permissions\nEditor: 17 permissions\n" * 2
    assert Group.objects.get(name="Editor").permissions.filter(codename="publish_brief").exists()


def test_setup_roles_dry_run_changes_nothing(capsys):
    Group.objects.all().delete()
    call_command("setup_roles", "--dry-run")
    assert capsys.readouterr().out.startswith("Reporter: add_brief, add_entity,")
    assert not Group.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"sections": {1: {"body": "Reporter rewrote visible text."}}},
        {"title": "A new headline"},
        {"sections": {1: {"hidden": True}}},
        {"sections": {0: {"entities": []}}},
        {"sections": {0: {"order": 2}, 2: {"order": 0}}},
        {"sections": {2: {"DELETE": True}}},
        {"status": BriefStatus.UNPUBLISHED},
    ],
    ids=["body", "title", "hide", "entities", "reorder", "delete", "unpublish"],
)
def test_reporter_cannot_change_published_visible_content(client, reporter, published_brief, change):
    before = snapshot(published_brief)
    client.force_login(reporter)
    sections = change.pop("sections", None)
    data = change_data(published_brief, note="Attempt", sections=sections, **change)
    response = client.post(change_url(published_brief), data)
    assert response.status_code == 403
    assert snapshot(published_brief) == before


def test_reporter_may_add_a_hidden_section_to_a_published_brief(client, reporter, published_brief):
    client.force_login(reporter)
    data = change_data(published_brief, note="Draft section")
    add_row(data, 3, brief=published_brief.pk, heading="Coming up", body="Not yet.", hidden=True, order=3)
    response = client.post(change_url(published_brief), data)
    assert response.status_code == 302
    section = published_brief.sections.get(heading="Coming up")
    assert section.hidden and section.position == 3
    rev = Revision.objects.latest()
    assert rev.user == reporter and rev.note == "Draft section"
    # Readers cannot see the section, so the note stays out of their change log.
    assert not rev.is_public
    assert "Draft section" not in client.get(published_brief.get_absolute_url()).content.decode()


def test_reporter_cannot_make_a_hidden_section_visible(client, reporter, published_brief):
    section = services.add_section(
        published_brief, heading="Wip", body="Draft.", hidden=True, note="Wip", actor=SYSTEM
    )
    before = snapshot(published_brief)
    client.force_login(reporter)
    data = change_data(published_brief, note="Go live", sections={3: {"hidden": False}})
    assert client.post(change_url(published_brief), data).status_code == 403
    assert snapshot(published_brief) == before
    section.refresh_from_db()
    assert section.hidden


def test_reporter_may_edit_a_draft_but_not_publish_it(client, reporter):
    brief = services.create_brief(
        title="Draft", slug="draft", sections=[services.SectionInput("", "One.")], actor=reporter
    )
    client.force_login(reporter)
    ok = client.post(change_url(brief), change_data(brief, sections={0: {"body": "Two."}}))
    assert ok.status_code == 302
    assert brief.sections.get().body == "Two."
    before = snapshot(brief)
    refused = client.post(change_url(brief), change_data(brief, status=BriefStatus.PUBLISHED))
    assert refused.status_code == 403
    assert snapshot(brief) == before
    assert Brief.objects.get(pk=brief.pk).status == BriefStatus.DRAFT


def test_publish_action_is_not_offered_to_reporters_and_a_typed_post_does_nothing(client, reporter):
    brief = services.create_brief(title="Draft", slug="draft", actor=SYSTEM)
    client.force_login(reporter)
    changelist = reverse("admin:briefs_brief_changelist")
    assert b"publish_selected" not in client.get(changelist).content
    response = client.post(changelist, {"action": "publish_selected", "_selected_action": [brief.pk]})
    assert response.status_code in (200, 302)
    assert Brief.objects.get(pk=brief.pk).status == BriefStatus.DRAFT


def test_editor_publishes_with_the_action(client, editor_user):
    brief = services.create_brief(title="Draft", slug="draft", actor=SYSTEM)
    client.force_login(editor_user)
    response = client.post(
        reverse("admin:briefs_brief_changelist"),
        {"action": "publish_selected", "_selected_action": [brief.pk]},
    )
    assert response.status_code == 302
    brief.refresh_from_db()
    assert brief.status == BriefStatus.PUBLISHED
    assert Revision.objects.latest().user == editor_user


def test_editor_may_change_published_text(client, editor_user, published_brief):
    client.force_login(editor_user)
    data = change_data(published_brief, note="Fixed", kind="correction", sections={1: {"body": "Fixed."}})
    assert client.post(change_url(published_brief), data).status_code == 302
    assert Section.objects.get(brief=published_brief, position=1).body == "Fixed."


def test_mark_reviewed_button_is_shown_to_editors_only(client, reporter, editor_user, published_brief):
    client.force_login(reporter)
    page = client.get(change_url(published_brief)).content.decode()
    assert "mark-reviewed" not in page
    assert "Niekada" in page  # "Never" reviewed: the status without the button, in the desk's Lithuanian
    client.force_login(editor_user)
    assert "mark-reviewed" in client.get(change_url(published_brief)).content.decode()


def test_reporter_cannot_revert_or_mark_reviewed_a_published_brief(client, reporter, published_brief):
    first = published_brief.revisions.order_by("pk").first()
    before = snapshot(published_brief)
    client.force_login(reporter)
    revert = reverse("admin:briefs_brief_revert", args=[published_brief.pk, first.pk])
    assert client.get(revert).status_code == 403
    assert client.post(revert, {"update_kind": "update", "update_note": "x"}).status_code == 403
    section = published_brief.sections.first()
    reviewed = reverse("admin:briefs_brief_mark_reviewed", args=[published_brief.pk, section.pk])
    assert client.post(reviewed).status_code == 403
    assert snapshot(published_brief) == before
    section.refresh_from_db()
    assert section.last_reviewed_at is None


def test_briefs_cannot_be_deleted_from_the_admin(client, editor_user, published_brief):
    client.force_login(editor_user)
    url = reverse("admin:briefs_brief_delete", args=[published_brief.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Brief.objects.filter(pk=published_brief.pk).exists()


def test_reporter_may_add_aliases_but_not_rename_an_entity_readers_see(client, reporter, published_brief):
    from briefs.models import Entity

    putin = Entity.objects.get(name="Vladimiras Putinas")
    url = reverse("admin:briefs_entity_change", args=[putin.pk])
    form = {
        "name": putin.name,
        "kind": putin.kind,
        "aliases": "Putinu\nV. Putinas\nPutino",
        "description": "",
        "wikidata_id": "",
    }
    client.force_login(reporter)
    assert client.post(url, form).status_code == 302
    putin.refresh_from_db()
    assert putin.aliases == ["Putinu", "V. Putinas", "Putino"]
    assert client.post(url, {**form, "name": "Putin"}).status_code == 403
    putin.refresh_from_db()
    assert putin.name == "Vladimiras Putinas"
    # An entity no reader sees yet is the reporter's to shape.
    fresh = services.create_entity(name="Naujas", kind="person", actor=SYSTEM)
    fresh_url = reverse("admin:briefs_entity_change", args=[fresh.pk])
    assert client.post(fresh_url, {**form, "name": "Naujasis", "aliases": ""}).status_code == 302
    fresh.refresh_from_db()
    assert fresh.name == "Naujasis"


def test_reporter_may_work_on_a_hidden_section_of_a_published_brief(client, reporter, published_brief):
    from briefs.models import Entity

    section = services.add_section(
        published_brief, heading="Wip", body="Draft.", hidden=True, note="Wip", actor=SYSTEM
    )
    russia = Entity.objects.get(name="Rusija")
    client.force_login(reporter)
    data = change_data(
        published_brief, note="More draft", sections={3: {"body": "Longer draft.", "entities": [russia.pk]}}
    )
    assert client.post(change_url(published_brief), data).status_code == 302
    section.refresh_from_db()
    assert section.body == "Longer draft." and section.hidden
    assert list(section.entities.all()) == [russia]
    rev = Revision.objects.latest()
    assert rev.user == reporter and not rev.is_public


def test_a_reporter_cannot_edit_another_reporters_draft_until_it_is_shared(
    client, reporter, django_user_model
):
    colleague = make_user(django_user_model, "colleague", "Reporter")
    brief = services.create_brief(
        title="Kolegos juodraštis",
        slug="kolegos",
        sections=[services.SectionInput("", "Vienas.")],
        actor=colleague,
    )
    client.force_login(reporter)
    before = snapshot(brief)
    # The draft may be read, not changed: the form is read-only and a typed POST is refused.
    page = client.get(change_url(brief)).content.decode()
    assert 'name="sections-0-body"' not in page
    assert (
        client.post(change_url(brief), change_data(brief, sections={0: {"body": "Du."}})).status_code == 403
    )
    assert snapshot(brief) == before
    with pytest.raises(PermissionDenied):
        services.edit_section(brief.sections.get(), body="Du.", actor=reporter, note="x")
    # Sharing is for whoever started it (or an editor), not for the one who wants in.
    with pytest.raises(PermissionDenied):
        services.share_brief(brief, [reporter], actor=reporter)
    services.share_brief(brief, [reporter], actor=colleague)
    assert (
        client.post(change_url(brief), change_data(brief, sections={0: {"body": "Du."}})).status_code == 302
    )
    assert brief.sections.get().body == "Du."


def test_an_editor_edits_any_draft_and_may_share_it(client, editor_user, reporter):
    brief = services.create_brief(title="Kieno nors", slug="kieno", actor=reporter)
    client.force_login(editor_user)
    data = change_data(brief, collaborators=[reporter.pk])
    assert client.post(change_url(brief), data).status_code == 302
    assert list(brief.collaborators.all()) == [reporter]
