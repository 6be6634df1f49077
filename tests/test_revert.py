"""Revert brings text, order and entities back, recreates deleted sections, and is itself a revision."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from briefs import services
from briefs.models import Entity, Revision, Section, TaggedEntity
from briefs.state import live_state, state_as_of

pytestmark = pytest.mark.django_db


def test_revert_restores_text_order_entities_and_deleted_sections(published_brief, make_entity, editor):
    target = Revision.objects.filter(brief=published_brief).first()
    wanted = state_as_of(published_brief, target)
    lead, first, second = published_brief.sections.order_by("position")
    ukraine = make_entity("Ukraina", "country")

    services.edit_section(first, heading="Pakeista", body="Changed body.", user=editor, note="1")
    services.set_entities(lead, [ukraine], user=editor, note="2")
    services.reorder_sections(published_brief, [second.pk, first.pk, lead.pk], user=editor, note="3")
    first_id = first.pk
    services.delete_section(first, user=editor, note="4")
    services.add_section(published_brief, heading="Extra", body="Extra.", user=editor, note="5")
    services.update_brief(published_brief, title="Kitas", user=editor, note="6")
    history_before = Section.history.count() + TaggedEntity.history.count()

    rev = services.revert_brief(published_brief, target, user=editor)

    published_brief.refresh_from_db()
    assert live_state(published_brief).sections == wanted.sections
    assert published_brief.title == wanted.fields["title"]
    restored = Section.objects.get(pk=first_id)
    assert (restored.heading, restored.body) == ("First", "First body.")
    assert restored.body_html == "<p>First body.</p>"
    assert set(restored.entities.values_list("name", flat=True)) == {"Vladimiras Putinas", "Rusija"}
    assert not Section.objects.filter(heading="Extra").exists()
    # Nothing in the history was rewritten: the revert only added rows, under a new public revision.
    assert Section.history.count() + TaggedEntity.history.count() > history_before
    assert rev == Revision.objects.filter(brief=published_brief).first()
    assert rev.note == f"Reverted to revision #{target.pk}" and rev.is_public


def test_revert_then_revert_back(published_brief, editor):
    first = published_brief.sections.get(heading="First")
    original = Revision.objects.filter(brief=published_brief).first()
    changed = services.edit_section(first, body="Version two.", user=editor, note="v2")
    services.revert_brief(published_brief, original, user=editor)
    assert Section.objects.get(pk=first.pk).body == "First body."
    services.revert_brief(published_brief, changed, user=editor)
    assert Section.objects.get(pk=first.pk).body == "Version two."


def test_revert_skips_entities_deleted_since(published_brief, make_entity, editor):
    first = published_brief.sections.get(heading="First")
    temporary = make_entity("Laikinas")
    tagged = services.set_entities(first, [temporary], user=editor, note="Žymė")
    services.set_entities(first, [], user=editor, note="Be žymių")
    services.merge_entities(Entity.objects.get(name="Rusija"), [temporary], user=editor)
    services.revert_brief(published_brief, tagged, user=editor)
    assert list(first.entities.all()) == []


def test_revert_needs_publish_permission_on_a_published_brief(published_brief, django_user_model):
    reporter = django_user_model.objects.create_user("r", password="pw-r-12345", is_staff=True)
    target = Revision.objects.filter(brief=published_brief).first()
    with pytest.raises(PermissionDenied):
        services.revert_brief(published_brief, target, user=reporter)


def test_revert_to_a_revision_of_another_brief_is_refused(published_brief, editor):
    other = services.create_brief(title="Kita", user=editor)
    foreign = Revision.objects.filter(brief=other).first()
    count = Revision.objects.count()
    with pytest.raises(ValidationError, match="does not belong"):
        services.revert_brief(published_brief, foreign, user=editor)
    assert Revision.objects.count() == count
