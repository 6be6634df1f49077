"""State as of a revision or a moment, and the diff between any two states."""

from datetime import timedelta

import pytest
from django.utils import timezone

from briefs import services
from briefs.models import Revision, RevisionKind
from briefs.revisions.diff import DELETE, EQUAL, INSERT, diff_states, word_diff
from briefs.revisions.state import live_state, state_as_of

pytestmark = pytest.mark.django_db


def test_word_diff_marks_inserted_and_deleted_words():
    ops = word_diff("Putinas susitiks su ministre.", "Putinas susitiko su ministre vakar.")
    assert ops == (
        (EQUAL, "Putinas "),
        (DELETE, "susitiks"),
        (INSERT, "susitiko"),
        (EQUAL, " su ministre"),
        (INSERT, " vakar"),
        (EQUAL, "."),
    )
    assert "".join(t for op, t in ops if op != INSERT) == "Putinas susitiks su ministre."
    assert "".join(t for op, t in ops if op != DELETE) == "Putinas susitiko su ministre vakar."


def test_state_as_of_each_revision_and_of_a_moment(published_brief, editor):
    first = published_brief.sections.get(heading="First")
    r1 = Revision.objects.filter(brief=published_brief).first()
    r2 = services.edit_section(first, body="Second version.", actor=editor, note="v2")
    r3 = services.edit_section(first, body="Third version.", actor=editor, note="v3")
    assert state_as_of(published_brief, r1).section(first.pk).body == "First body."
    assert state_as_of(published_brief, r2).section(first.pk).body == "Second version."
    assert state_as_of(published_brief, r3) == live_state(published_brief)
    assert state_as_of(published_brief, at=r2.created_at).section(first.pk).body == "Second version."
    long_ago = r1.created_at - timedelta(days=365)
    assert not state_as_of(published_brief, at=long_ago).fields


def test_diff_of_two_non_adjacent_revisions(published_brief, make_entity, editor):
    lead, first, second = published_brief.sections.order_by("position")
    ukraine = make_entity("Ukraina", "country")
    start = Revision.objects.filter(brief=published_brief).first()
    services.edit_section(first, body="First body, expanded.", actor=editor, note="1")
    services.set_entities(first, [ukraine], actor=editor, note="2")
    second_id = second.pk
    services.delete_section(second, actor=editor, note="3")
    services.add_section(published_brief, heading="New", body="New body.", position=0, actor=editor, note="4")
    services.update_brief(
        published_brief, title="Naujas", actor=editor, note="5", kind=RevisionKind.CORRECTION
    )

    diff = diff_states(state_as_of(published_brief, start), live_state(published_brief))

    assert [(f.name, f.old, f.new) for f in diff.fields] == [("title", "Bandomoji santrauka", "Naujas")]
    by_id = {c.id: c for c in diff.sections}
    assert by_id[second_id].status == "removed"
    added = diff.added[0]
    assert added.new.heading == "New"
    changed = by_id[first.pk]
    assert changed.status == "changed"
    assert (INSERT, ", expanded") in changed.body
    assert changed.entities_added == {ukraine.pk}
    assert {e.pk for e in first.entities.all()} == {ukraine.pk}
    assert len(changed.entities_removed) == 2
    assert by_id[lead.pk].status == "unchanged" and not by_id[lead.pk].moved
    assert diff


def test_moving_one_section_marks_only_that_section_moved(published_brief, editor):
    lead, first, second = published_brief.sections.order_by("position")
    before = live_state(published_brief)
    services.reorder_sections(published_brief, [lead.pk, second.pk, first.pk], actor=editor, note="Tvarka")
    diff = diff_states(before, live_state(published_brief))
    assert [c.id for c in diff.moved] == [first.pk] or [c.id for c in diff.moved] == [second.pk]
    assert len(diff.changed_sections) == 1


def test_identical_states_have_an_empty_diff(published_brief):
    state = live_state(published_brief)
    diff = diff_states(state, state)
    assert not diff and diff.changed_sections == [] and diff.fields == []


def test_hidden_sections_are_left_out_of_the_reader_state(published_brief, editor):
    services.add_section(published_brief, heading="Secret", body="x", hidden=True, actor=editor, note="x")
    state = live_state(published_brief)
    assert "Secret" in [s.heading for s in state.sections]
    assert "Secret" not in [s.heading for s in state.visible().sections]


def test_state_at_a_future_moment_is_the_latest(published_brief):
    assert state_as_of(published_brief, at=timezone.now() + timedelta(days=1)) == live_state(published_brief)
