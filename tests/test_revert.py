"""Revert brings text, order and entities back, recreates deleted sections, and is itself a revision."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from briefs import services
from briefs.actors import SYSTEM
from briefs.models import Entity, Revision, Section, TaggedEntity
from briefs.revisions.state import live_state, state_as_of

pytestmark = pytest.mark.django_db


def test_revert_restores_text_order_entities_and_deleted_sections(published_brief, make_entity, editor):
    target = Revision.objects.filter(brief=published_brief).first()
    wanted = state_as_of(published_brief, target)
    lead, first, second = published_brief.sections.order_by("position")
    ukraine = make_entity("Ukraina", "country")

    services.edit_section(first, heading="Pakeista", body="Changed body.", actor=editor, note="1")
    services.set_entities(lead, [ukraine], actor=editor, note="2")
    services.reorder_sections(published_brief, [second.pk, first.pk, lead.pk], actor=editor, note="3")
    first_id = first.pk
    services.delete_section(first, actor=editor, note="4")
    services.add_section(published_brief, heading="Extra", body="Extra.", actor=editor, note="5")
    services.update_brief(published_brief, title="Kitas", actor=editor, note="6")
    history_before = Section.history.count() + TaggedEntity.history.count()

    rev = services.revert_brief(published_brief, target, actor=editor)

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
    changed = services.edit_section(first, body="Version two.", actor=editor, note="v2")
    services.revert_brief(published_brief, original, actor=editor)
    assert Section.objects.get(pk=first.pk).body == "First body."
    services.revert_brief(published_brief, changed, actor=editor)
    assert Section.objects.get(pk=first.pk).body == "Version two."


def test_revert_tags_the_entity_a_tag_was_merged_into(published_brief, make_entity, editor):
    first = published_brief.sections.get(heading="First")
    temporary = make_entity("Laikinas", "country")
    tagged = services.set_entities(first, [temporary], actor=editor, note="Žymė")
    services.set_entities(first, [], actor=editor, note="Be žymių")
    russia = Entity.objects.get(name="Rusija")
    services.merge_entities(russia, [temporary], actor=editor)
    services.revert_brief(published_brief, tagged, actor=editor)
    assert list(first.entities.all()) == [russia]


def test_revert_needs_publish_permission_on_a_published_brief(published_brief, django_user_model):
    reporter = django_user_model.objects.create_user("r", password="pw-r-12345", is_staff=True)
    target = Revision.objects.filter(brief=published_brief).first()
    with pytest.raises(PermissionDenied):
        services.revert_brief(published_brief, target, actor=reporter)


def test_revert_to_a_revision_of_another_brief_is_refused(published_brief, editor):
    other = services.create_brief(title="Kita", actor=editor)
    foreign = Revision.objects.filter(brief=other).first()
    count = Revision.objects.count()
    with pytest.raises(ValidationError, match="does not belong"):
        services.revert_brief(published_brief, foreign, actor=editor)
    assert Revision.objects.count() == count


def brief_of(size):
    entities = [
        services.create_entity(name=f"Asmuo {size}-{i}", kind="person", actor=SYSTEM) for i in range(3)
    ]
    brief = services.create_brief(
        title=f"Santrauka {size}",
        sections=[
            services.SectionInput(f"Dalis {i}", f"Tekstas {i}.", entities=entities[: i % 3 + 1])
            for i in range(size)
        ],
        actor=SYSTEM,
    )
    return brief, entities


def churn(brief, entities):
    """Edit every section's text, retag them all, delete two, add two, hide one and reverse the order."""
    sections = list(brief.sections.order_by("position"))
    with services.editing(brief, actor=SYSTEM, note="Daug pakeitimų"):
        for section in sections:
            services.edit_section(section, body=f"Pakeista {section.pk}.", actor=SYSTEM)
            services.set_entities(section, entities[2:], actor=SYSTEM)
        services.edit_section(sections[2], hidden=True, actor=SYSTEM)
        services.delete_section(sections[0], actor=SYSTEM)
        services.delete_section(sections[1], actor=SYSTEM)
        services.add_section(brief, heading="Nauja A", body="A.", actor=SYSTEM)
        services.add_section(brief, heading="Nauja B", body="B.", actor=SYSTEM)
        order = list(brief.sections.order_by("-position").values_list("pk", flat=True))
        services.reorder_sections(brief, order, actor=SYSTEM)


@pytest.mark.parametrize("size", [4, 60])
def test_revert_costs_the_same_queries_at_4_and_60_sections(size, django_assert_num_queries):
    brief, entities = brief_of(size)
    target = Revision.objects.filter(brief=brief).latest()
    wanted = state_as_of(brief, target)
    churn(brief, entities)
    # Lock and conflict check, what readers saw before and after, the target state, the live state, then
    # one or two statements per kind of write, whatever the number of sections.
    with django_assert_num_queries(REVERT_QUERIES):
        services.revert_brief(brief, target, actor=SYSTEM, note="Atgal")
    brief.refresh_from_db()
    assert live_state(brief).sections == wanted.sections


REVERT_QUERIES = 38
