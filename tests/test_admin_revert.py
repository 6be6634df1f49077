"""Reverting a brief from the admin: confirmation with the diff, permission, new revision."""

import pytest
from django.urls import reverse

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Revision, Section
from tests.desk import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def revert_url(brief, rev):
    return reverse("admin:briefs_brief_revert", args=[brief.pk, rev.pk])


@pytest.fixture
def edited(published_brief, make_entity):
    """The published brief after a text change, a new entity and a deleted section."""
    target = published_brief.revisions.order_by("pk").last()
    section = published_brief.sections.get(position=1)
    services.edit_section(section, body="Wrong claim.", note="Oops", actor=SYSTEM)
    services.set_entities(section, [make_entity("Kim Jong Unas")], note="Tag", actor=SYSTEM)
    services.delete_section(published_brief.sections.get(position=2), note="Cut", actor=SYSTEM)
    return published_brief, target


def test_confirmation_page_shows_the_diff_and_changes_nothing(client, django_user_model, edited):
    brief, target = edited
    client.force_login(make_user(django_user_model, "ed", "Editor"))
    before = Revision.objects.count()
    html = client.get(revert_url(brief, target)).content.decode()
    assert "<del>Wrong</del><ins>First</ins> <del>claim</del><ins>body</ins>." in html
    assert "− Kim Jong Unas" in html and "badge-added" in html and "Second body." in html
    assert "Yes, revert" in html
    assert Revision.objects.count() == before
    assert Section.objects.get(brief=brief, position=1).body == "Wrong claim."


def test_post_reverts_as_a_new_revision(client, django_user_model, edited):
    brief, target = edited
    editor = make_user(django_user_model, "ed", "Editor")
    client.force_login(editor)
    response = client.post(
        revert_url(brief, target), {"update_kind": "correction", "update_note": "Undo the error"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:briefs_brief_history", args=[brief.pk])
    rev = Revision.objects.latest()
    assert (rev.user, rev.kind, rev.note, rev.is_public) == (editor, "correction", "Undo the error", True)
    sections = list(brief.sections.order_by("position"))
    assert [s.body for s in sections] == ["Lead paragraph.", "First body.", "Second body."]
    assert {e.name for e in sections[1].entities.all()} == {"Vladimiras Putinas", "Rusija"}
    reader = client.get(brief.get_absolute_url()).content.decode()
    assert "Second body." in reader and "Wrong claim." not in reader and "Undo the error" in reader


def test_published_revert_needs_a_note_unless_minor(client, django_user_model, edited):
    brief, target = edited
    client.force_login(make_user(django_user_model, "ed", "Editor"))
    before = Revision.objects.count()
    response = client.post(revert_url(brief, target), {"update_kind": "update", "update_note": ""})
    assert response.status_code == 200
    assert "Write an update note" in response.content.decode()
    assert Revision.objects.count() == before


def test_reporter_may_revert_a_draft_but_not_a_published_brief(client, django_user_model, edited):
    brief, target = edited
    reporter = make_user(django_user_model, "rep", "Reporter")
    client.force_login(reporter)
    before = Revision.objects.count()
    assert (
        client.post(revert_url(brief, target), {"update_kind": "update", "update_note": "x"}).status_code
        == 403
    )
    assert Revision.objects.count() == before

    draft = services.create_brief(
        title="Draft", slug="draft", sections=[services.SectionInput("", "One.")], actor=reporter
    )
    first = draft.revisions.get()
    services.edit_section(draft.sections.get(), body="Two.", note="Edit", actor=SYSTEM)
    response = client.post(revert_url(draft, first), {"update_kind": "update", "update_note": "Back"})
    assert response.status_code == 302
    assert draft.sections.get().body == "One."


def test_get_is_harmless_and_other_methods_do_not_revert(client, django_user_model, edited):
    brief, target = edited
    client.force_login(make_user(django_user_model, "ed", "Editor"))
    client.get(revert_url(brief, target))
    client.get(revert_url(brief, target) + "?update_kind=update&update_note=x")
    assert Section.objects.get(brief=brief, position=1).body == "Wrong claim."
