"""Property-based checks of the diff: whatever the input, it reconstructs both sides and classifies every
section exactly once."""

from hypothesis import given, settings
from hypothesis import strategies as st

from briefs.revisions.diff import DELETE, EQUAL, INSERT, diff_states, word_diff
from briefs.revisions.state import BriefState, SectionState

text = st.text(alphabet=st.sampled_from(list("abc ąčę„“.,\n<>&")), max_size=60)


@given(text, text)
def test_word_diff_rebuilds_both_texts(old, new):
    ops = word_diff(old, new)
    assert "".join(t for op, t in ops if op in (EQUAL, DELETE)) == old
    assert "".join(t for op, t in ops if op in (EQUAL, INSERT)) == new
    assert all(t for _, t in ops)
    if old == new:
        assert all(op == EQUAL for op, _ in ops)


section_ids = st.lists(st.integers(min_value=1, max_value=12), unique=True, max_size=8)


def make_state(ids, bodies, entities):
    return BriefState(
        1,
        1,
        {"title": "t"},
        tuple(
            SectionState(pk, i, "", bodies.get(pk, ""), False, frozenset(entities.get(pk, ())))
            for i, pk in enumerate(ids)
        ),
    )


@settings(max_examples=200)
@given(
    section_ids,
    section_ids,
    st.dictionaries(st.integers(1, 12), text, max_size=12),
    st.dictionaries(st.integers(1, 12), text, max_size=12),
    st.dictionaries(st.integers(1, 12), st.frozensets(st.integers(1, 5)), max_size=12),
)
def test_every_section_is_classified_once(old_ids, new_ids, old_bodies, new_bodies, entities):
    old = make_state(old_ids, old_bodies, entities)
    new = make_state(new_ids, new_bodies, {})
    diff = diff_states(old, new)
    assert sorted(c.id for c in diff.sections) == sorted(set(old_ids) | set(new_ids))
    assert {c.id for c in diff.added} == set(new_ids) - set(old_ids)
    assert {c.id for c in diff.removed} == set(old_ids) - set(new_ids)
    assert {c.id for c in diff.moved} <= set(old_ids) & set(new_ids)
    # Only sections that kept their place relative to each other are unmoved.
    kept = [i for i in new_ids if i in set(old_ids) and i not in {c.id for c in diff.moved}]
    assert kept == [i for i in old_ids if i in kept]
    # A section still at the same place number is never said to have moved ("from 4 to 4").
    assert all(c.old.position != c.new.position for c in diff.moved)
    assert bool(diff) == (old != new)


@given(section_ids)
def test_a_state_compared_with_itself_has_no_changes(ids):
    state = make_state(ids, {}, {})
    assert not diff_states(state, state)
