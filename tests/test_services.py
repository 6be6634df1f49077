"""Write services: each runs in one transaction inside exactly one Revision, writes history only for what
changed, enforces the publish permission and leaves data untouched when it refuses."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from briefs import services
from briefs.history import EditConflict
from briefs.models import Brief, BriefStatus, Entity, Revision, RevisionKind, Section, TaggedEntity

pytestmark = pytest.mark.django_db


def history_rows(rev):
    return {
        "brief": Brief.history.filter(revision=rev).count(),
        "section": Section.history.filter(revision=rev).count(),
        "tagged": TaggedEntity.history.filter(revision=rev).count(),
        "entity": Entity.history.filter(revision=rev).count(),
    }


@pytest.fixture
def reporter(django_user_model):
    user = django_user_model.objects.create_user("reporter", password="pw-reporter-123", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="briefs").exclude(codename="publish_brief")
    )
    return django_user_model.objects.get(pk=user.pk)


def test_create_brief_writes_one_revision_grouping_every_row(make_entity, editor):
    putin = make_entity("Vladimiras Putinas")
    brief = services.create_brief(
        title="Nauja santrauka",
        sections=[services.SectionInput("", "Lead."), services.SectionInput("H", "Body.", entities=[putin])],
        actor=editor,
        note="Sukurta",
    )
    rev = Revision.objects.get(brief=brief)
    assert (rev.user, rev.note, rev.kind, rev.is_public) == (editor, "Sukurta", RevisionKind.UPDATE, False)
    assert history_rows(rev) == {"brief": 1, "section": 2, "tagged": 1, "entity": 0}
    assert brief.status == BriefStatus.DRAFT
    assert brief.slug == "nauja-santrauka"
    assert Section.history.filter(revision=rev).first().history_user == editor


def test_publish_sets_first_published_once_and_logs_publicly(published_brief, editor):
    first = published_brief.first_published_at
    rev = Revision.objects.filter(brief=published_brief).first()
    assert rev.is_public and rev.note == "Paskelbta"
    assert published_brief.last_material_update_at == rev.created_at

    services.unpublish_brief(published_brief, actor=editor, note="Laikinai išimta")
    published_brief.refresh_from_db()
    assert published_brief.status == BriefStatus.UNPUBLISHED
    # Readers saw the brief go: when it comes back, its change log says when and why it was withdrawn.
    assert Revision.objects.filter(brief=published_brief).first().is_public

    services.publish_brief(published_brief, actor=editor, note="Vėl paskelbta")
    published_brief.refresh_from_db()
    assert published_brief.first_published_at == first
    assert published_brief.status == BriefStatus.PUBLISHED


def test_edit_section_records_only_the_changed_section(published_brief, editor):
    section = published_brief.sections.get(heading="First")
    rev = services.edit_section(section, body="First body, *updated*.", actor=editor, note="Atnaujinta")
    assert history_rows(rev) == {"brief": 0, "section": 1, "tagged": 0, "entity": 0}
    section.refresh_from_db()
    assert section.body_html == "<p>First body, <em>updated</em>.</p>"
    assert rev.is_public
    published_brief.refresh_from_db()
    assert published_brief.last_material_update_at == rev.created_at


def test_saving_unchanged_values_writes_no_revision(published_brief, editor):
    section = published_brief.sections.get(heading="First")
    count = Revision.objects.count()
    assert services.edit_section(section, body=section.body, actor=editor, note="Nieko") is None
    assert services.update_brief(published_brief, title=published_brief.title, actor=editor, note="x") is None
    assert Revision.objects.count() == count


def test_minor_change_is_not_public_and_does_not_move_last_update(published_brief, editor):
    before = published_brief.last_material_update_at
    rev = services.update_brief(published_brief, dek="Kitas dek.", actor=editor, kind=RevisionKind.MINOR)
    assert rev is not None and not rev.is_public and rev.note == ""
    published_brief.refresh_from_db()
    assert published_brief.last_material_update_at == before


def test_a_note_is_required_unless_the_change_is_minor(published_brief, editor):
    count = Revision.objects.count()
    with pytest.raises(ValidationError, match="note"):
        services.update_brief(
            published_brief, dek="Kitas.", actor=editor, note="", kind=RevisionKind.CORRECTION
        )
    published_brief.refresh_from_db()
    assert published_brief.dek == "Trumpai."
    assert Revision.objects.count() == count


def test_one_revision_groups_several_operations(published_brief, make_entity, editor):
    ukraine = make_entity("Ukraina", "country")
    first = published_brief.sections.get(heading="First")
    with services.editing(
        published_brief, actor=editor, note="Keli pakeitimai", kind=RevisionKind.CORRECTION
    ) as opened:
        services.update_brief(published_brief, title="Naujas pavadinimas", actor=editor)
        services.edit_section(first, heading="Pirmas", actor=editor)
        services.set_entities(first, [ukraine], actor=editor)
        services.add_section(published_brief, heading="Third", body="Third body.", actor=editor)
    rev = opened.revision
    assert Revision.objects.filter(brief=published_brief).first() == rev
    assert rev.kind == RevisionKind.CORRECTION
    assert history_rows(rev) == {"brief": 1, "section": 2, "tagged": 3, "entity": 0}


def test_add_section_at_a_position_shifts_the_rest(published_brief, editor):
    services.add_section(
        published_brief, heading="Inserted", body="x", position=1, actor=editor, note="Naujas"
    )
    assert list(published_brief.sections.values_list("heading", flat=True)) == [
        "",
        "Inserted",
        "First",
        "Second",
    ]


def test_reorder_records_history_only_for_sections_that_moved(published_brief, editor):
    lead, first, second = published_brief.sections.order_by("position")
    rev = services.reorder_sections(
        published_brief, [lead.pk, second.pk, first.pk], actor=editor, note="Tvarka"
    )
    assert history_rows(rev)["section"] == 2
    assert list(published_brief.sections.values_list("heading", flat=True)) == ["", "Second", "First"]


@pytest.mark.parametrize("order", [[], [1, 1, 1], "missing-one"])
def test_reorder_rejects_an_incomplete_order_and_changes_nothing(published_brief, editor, order):
    ids = list(published_brief.sections.values_list("pk", flat=True))
    if order == "missing-one":
        order = ids[:-1]
    count = Revision.objects.count()
    with pytest.raises(ValidationError, match="every section"):
        services.reorder_sections(published_brief, order, actor=editor, note="Tvarka")
    assert list(published_brief.sections.values_list("pk", flat=True)) == ids
    assert Revision.objects.count() == count


def test_delete_section_records_the_section_and_its_tags(published_brief, editor):
    first = published_brief.sections.get(heading="First")
    rev = services.delete_section(first, actor=editor, note="Pašalinta")
    rows = history_rows(rev)
    assert rows["section"] == 2  # the deleted section, and "Second" moving up into its place
    assert rows["tagged"] == 2
    assert list(published_brief.sections.values_list("position", flat=True)) == [0, 1]


def test_set_entities_costs_the_same_queries_for_1_or_15_entities(published_brief, make_entity, editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entities = [make_entity(f"Asmuo {i}") for i in range(15)]
    section = published_brief.sections.get(heading="Second")
    counts = {}
    for size in (1, 15):
        services.set_entities(section, [], actor=editor, note="Išvalyta")
        with CaptureQueriesContext(connection) as queries:
            rev = services.set_entities(section, entities[:size], actor=editor, note="Žymės")
        counts[size] = len(queries)
        assert history_rows(rev)["tagged"] == size
    assert counts[1] == counts[15] <= 22
    rev = services.set_entities(section, entities[:10], actor=editor, note="Mažiau žymių")
    assert history_rows(rev)["tagged"] == 5
    assert section.entities.count() == 10


def test_reporter_may_draft_but_not_change_what_readers_see(published_brief, reporter):
    section = published_brief.sections.get(heading="First")
    count = Revision.objects.count()
    with pytest.raises(PermissionDenied):
        services.edit_section(section, body="Reporter text", actor=reporter, note="Bandymas")
    with pytest.raises(PermissionDenied):
        services.publish_brief(published_brief, actor=reporter)
    with pytest.raises(PermissionDenied):
        services.add_section(published_brief, heading="Visible", body="x", actor=reporter, note="x")
    section.refresh_from_db()
    assert section.body == "First body."
    assert Revision.objects.count() == count

    hidden = services.add_section(
        published_brief, heading="Draft", body="x", hidden=True, actor=reporter, note="x"
    )
    services.edit_section(hidden, body="Better draft", actor=reporter, note="x")
    with pytest.raises(PermissionDenied):
        services.edit_section(hidden, hidden=False, actor=reporter, note="Rodyti")
    hidden.refresh_from_db()
    assert hidden.hidden and hidden.body == "Better draft"

    draft = services.create_brief(title="Juodraštis", actor=reporter)
    services.update_brief(draft, dek="Reporter may edit drafts.", actor=reporter, note="x")


def test_stale_expected_revision_is_a_conflict_and_writes_nothing(published_brief, editor):
    seen = Revision.objects.filter(brief=published_brief).first().pk
    section = published_brief.sections.get(heading="First")
    services.edit_section(section, body="First editor.", actor=editor, note="Pirmas", expected_revision=seen)
    with pytest.raises(EditConflict, match="editor changed this brief"):
        services.edit_section(
            section, body="Second editor.", actor=editor, note="Antras", expected_revision=seen
        )
    section.refresh_from_db()
    assert section.body == "First editor."


def test_bad_field_values_are_rejected_with_a_clear_error(published_brief, editor):
    with pytest.raises(ValueError, match="cannot change status"):
        services.update_brief(published_brief, status="published", actor=editor, note="x")
    with pytest.raises(ValidationError, match="language"):
        services.update_brief(published_brief, language="x" * 40, actor=editor, note="x")
    published_brief.refresh_from_db()
    assert published_brief.language == "lt"


def test_entity_merge_moves_taggings_and_records_it(published_brief, make_entity, editor):
    putin = Entity.objects.get(name="Vladimiras Putinas")
    duplicate = make_entity("V. Putin", aliases=["Putino"], wikidata_id="Q7747")
    second = published_brief.sections.get(heading="Second")
    services.set_entities(second, [duplicate], actor=editor, note="Žymė")
    rev = services.merge_entities(putin, [duplicate], actor=editor)
    # The duplicate stays, so that history still names it, and points at the entity it became.
    duplicate.refresh_from_db()
    assert duplicate.merged_into == putin
    assert not Entity.objects.current().filter(pk=duplicate.pk).exists()
    assert set(second.entities.all()) == {putin}
    putin.refresh_from_db()
    assert {"V. Putin", "Putino"} <= set(putin.aliases)
    assert putin.wikidata_id == "Q7747"
    rows = history_rows(rev)
    assert rows["tagged"] == 2 and rows["entity"] == 2
