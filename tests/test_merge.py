"""The three-way merge on its own: a change only one side made is never dropped, and where both sides
changed the same thing differently the merge says so instead of choosing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefs.revisions.merge import merge_sequences, merge_set, merge_text, merge_value


@pytest.mark.parametrize(
    ("base", "theirs", "mine", "expected"),
    [
        ("a", "a", "a", "a"),
        ("a", "b", "a", "b"),
        ("a", "a", "b", "b"),
        ("a", "b", "b", "b"),
    ],
)
def test_a_value_takes_the_side_that_changed_it(base, theirs, mine, expected):
    merged = merge_value(base, theirs, mine)
    assert (merged.value, merged.conflict) == (expected, False)


def test_a_value_changed_differently_on_both_sides_is_a_conflict():
    assert merge_value("a", "b", "c").conflict


def test_the_editor_changed_something_only_when_the_result_differs_from_what_is_saved():
    assert not merge_value("a", "b", "a").mine_changed
    assert not merge_value("a", "b", "b").mine_changed
    assert merge_value("a", "a", "c").mine_changed


def test_sets_merge_member_by_member():
    merged = merge_set(frozenset({1, 2}), frozenset({1, 2, 3}), frozenset({2, 4}))
    assert (merged.value, merged.conflict, merged.mine_changed) == (frozenset({2, 3, 4}), False, True)


def test_paragraphs_changed_apart_merge():
    base = "One.\n\nTwo.\n\nThree."
    merged = merge_text(base, "One!\n\nTwo.\n\nThree.", "One.\n\nTwo.\n\nThree!")
    assert merged.value == "One!\n\nTwo.\n\nThree!"


def test_a_paragraph_added_on_each_side_at_different_places_merges():
    base = "One.\n\nTwo.\n\nThree."
    merged = merge_text(base, "Zero.\n\nOne.\n\nTwo.\n\nThree.", "One.\n\nTwo.\n\nThree.\n\nFour.")
    assert merged.value == "Zero.\n\nOne.\n\nTwo.\n\nThree.\n\nFour."


@pytest.mark.parametrize(
    ("theirs", "mine"),
    [
        ("One.\n\nTwo, theirs.\n\nThree.", "One.\n\nTwo, mine.\n\nThree."),
        # Next to each other on both sides: no order of the two is safer than the other.
        ("One.\n\nTwo, theirs.\n\nThree.", "One.\n\nTwo.\n\nThree, mine."),
        ("One.\n\nThree.", "One.\n\nTwo, mine.\n\nThree."),
    ],
)
def test_overlapping_paragraph_changes_are_a_conflict(theirs, mine):
    assert merge_text("One.\n\nTwo.\n\nThree.", theirs, mine).conflict


def test_the_same_change_on_both_sides_is_taken_once():
    base = "One.\n\nTwo.\n\nThree."
    both = "One.\n\nTwo, both.\n\nThree."
    assert merge_text(base, both, both).value == both
    assert merge_sequences(["a", "b", "c"], ["a", "x", "c", "d"], ["a", "x", "c"]) == ["a", "x", "c", "d"]


def test_windows_line_breaks_merge_like_unix_ones():
    merged = merge_text("One.\n\nTwo.\n\nThree.", "One!\n\nTwo.\n\nThree.", "One.\r\n\r\nTwo.\r\n\r\nThree!")
    assert merged.value == "One!\n\nTwo.\n\nThree!"


# Random edits on two sides. Paragraphs are distinct tokens, so whether a change survived can be read
# from the result.
EDIT = st.one_of(st.just("keep"), st.just("delete"), st.just("replace"), st.just("insert"))


@st.composite
def two_sides(draw):
    size = draw(st.integers(min_value=0, max_value=12))
    base = [f"p{i}" for i in range(size)]
    sides = []
    for side in ("t", "m"):
        edits = draw(st.lists(EDIT, min_size=size, max_size=size))
        out, changed = [], set()
        for index, (paragraph, edit) in enumerate(zip(base, edits, strict=True)):
            if edit == "keep":
                out.append(paragraph)
            elif edit == "delete":
                changed.add(index)
            elif edit == "replace":
                out.append(f"{side}{index}")
                changed.add(index)
            else:
                out += [f"{side}{index}+", paragraph]
                changed.add(index)
        if draw(st.booleans()):
            out.append(f"{side}-end")
        sides.append((out, changed))
    return base, sides


@given(two_sides())
def test_a_merge_never_drops_a_change_that_only_one_side_made(case):
    base, ((theirs, their_changes), (mine, my_changes)) = case
    merged = merge_sequences(base, theirs, mine)
    if merged is None:
        # A conflict is only declared where both sides changed something.
        assert their_changes or theirs[-1:] == ["t-end"]
        assert my_changes or mine[-1:] == ["m-end"]
        return
    for side, text in (("t", theirs), ("m", mine)):
        added = [p for p in text if p.startswith(side)]
        assert all(p in merged for p in added), (side, added, merged)
    for paragraph in base:
        # A paragraph one side deleted or replaced is gone; one both kept is there.
        if paragraph not in theirs or paragraph not in mine:
            assert paragraph not in merged
        else:
            assert paragraph in merged
    assert len(merged) == len(set(merged))


@given(two_sides())
def test_one_sided_changes_always_merge_to_that_side(case):
    base, ((theirs, _), (mine, _)) = case
    assert merge_sequences(base, theirs, base) == theirs
    assert merge_sequences(base, base, mine) == mine


def _edit(base, edits, side, positions):
    out = []
    for index, paragraph in enumerate(base):
        edit = edits[index] if index in positions else "keep"
        if edit == "keep":
            out.append(paragraph)
        elif edit == "replace":
            out.append(f"{side}{index}")
        elif edit == "insert":
            out += [f"{side}{index}+", paragraph]
    return out


@given(
    st.integers(min_value=4, max_value=12).flatmap(
        lambda size: st.tuples(
            st.just(size),
            st.integers(min_value=1, max_value=size - 3),
            st.lists(EDIT, min_size=size, max_size=size),
            st.lists(EDIT, min_size=size, max_size=size),
        )
    )
)
def test_changes_with_an_untouched_paragraph_between_them_always_merge(case):
    """Their edits before a paragraph neither side touches, mine after it: always merged, both kept."""
    size, cut, their_edits, my_edits = case
    base = [f"p{i}" for i in range(size)]
    theirs = _edit(base, their_edits, "t", range(cut))
    # The paragraph at `cut` is the buffer; an insertion before cut + 1 would touch it.
    mine = _edit(base, my_edits, "m", range(cut + 1, size))
    merged = merge_sequences(base, theirs, mine)
    assert merged is not None
    buffer = f"p{cut}"
    assert merged == theirs[: theirs.index(buffer)] + mine[mine.index(buffer) :]
