"""Applying corrections to a text (annotator.corrections): offsets in code
points, and who wins where corrections collide."""

import pytest

from annotator.corrections import Change, apply_corrections, changes


def span(text, quote, replacement, occurrence=0, *extra):
    """The correction replacing the `occurrence`-th `quote` in `text`."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return (start, start + len(quote), replacement, *extra)


def test_no_corrections_leave_the_text_as_it_is():
    assert apply_corrections("Some text.", []) == ("Some text.", [], [])


def test_one_replacement():
    text = "They have no fiends there."
    fix = span(text, "fiends", "friends")
    assert apply_corrections(text, [fix]) == ("They have no friends there.", [fix], [])


@pytest.mark.parametrize("text, corrections, expected", [
    # deletion: an empty replacement removes the span
    ("said Macri, said the", [(0, 12, "")], "said the"),
    # insertion: an empty span adds text at that point
    ("a cat", [(2, 2, "black ")], "a black cat"),
    # insertion at the very end and the very start
    ("cat", [(3, 3, "s"), (0, 0, "the ")], "the cats"),
    # several, given out of order, are applied in document order
    ("one two three", [(8, 13, "3"), (0, 3, "1"), (4, 7, "2")], "1 2 3"),
    # a replacement longer and shorter than its span
    ("ab cd", [(0, 2, "abc"), (3, 5, "d")], "abc d"),
])
def test_edits(text, corrections, expected):
    corrected, applied, skipped = apply_corrections(text, corrections)
    assert corrected == expected
    assert skipped == []
    assert applied == sorted(corrections, key=lambda c: (c[0], c[1] > c[0]))


def test_adjacent_spans_do_not_collide():
    """[a, b) and [b, c) share no character: both apply."""
    text = "abcdef"
    corrected, applied, skipped = apply_corrections(text, [(3, 6, "DEF"), (0, 3, "ABC")])
    assert corrected == "ABCDEF"
    assert [c[:2] for c in applied] == [(0, 3), (3, 6)] and skipped == []


def test_overlapping_spans_the_earliest_start_wins():
    text = "the quick brown fox"
    first, second = (4, 15, "slow brown"), (10, 19, "red dog")
    corrected, applied, skipped = apply_corrections(text, [second, first])
    assert corrected == "the slow brown fox"
    assert applied == [first]
    assert skipped == [(second, first)]


def test_at_the_same_start_the_longest_wins_then_the_order_given():
    text = "the quick brown fox"
    short, long_, same = (4, 9, "slow"), (4, 15, "slow grey"), (4, 15, "fast grey")
    corrected, applied, skipped = apply_corrections(text, [short, same, long_])
    assert corrected == "the fast grey fox"  # `same` came before `long_`
    assert applied == [same]
    assert skipped == [(long_, same), (short, same)]


def test_a_skipped_correction_does_not_block_later_ones():
    """[0, 5) wins over [3, 8); [6, 9) touches only the loser, so it applies."""
    text = "0123456789"
    corrected, applied, skipped = apply_corrections(text, [(0, 5, "a"), (3, 8, "b"), (6, 9, "c")])
    assert corrected == "a5c9"
    assert [c[2] for c in applied] == ["a", "c"]
    assert [(lost[2], won[2]) for lost, won in skipped] == [("b", "a")]


def test_a_span_inside_another_is_skipped():
    text = "a big red ball"
    outer, inner = (2, 9, "small blue"), (6, 9, "green")
    corrected, applied, skipped = apply_corrections(text, [inner, outer])
    assert corrected == "a small blue ball"
    assert skipped == [(inner, outer)]


def test_insertions_at_the_same_point_collide_the_first_given_wins():
    text = "a cat"
    first, second = (2, 2, "black "), (2, 2, "white ")
    corrected, applied, skipped = apply_corrections(text, [first, second])
    assert corrected == "a black cat"
    assert applied == [first] and skipped == [(second, first)]


def test_an_insertion_where_a_span_starts_or_ends_goes_with_it():
    """An insertion touching a replaced span's edge is not inside it."""
    text = "a cat sat"
    before, replaced, after = (2, 2, "big "), (2, 5, "dog"), (5, 5, "gy")
    corrected, applied, skipped = apply_corrections(text, [replaced, after, before])
    assert corrected == "a big doggy sat"
    assert applied == [before, replaced, after] and skipped == []


def test_an_insertion_inside_a_replaced_span_is_skipped():
    text = "a cat sat"
    replaced, inside = (2, 5, "dog"), (3, 3, "x")
    corrected, applied, skipped = apply_corrections(text, [inside, replaced])
    assert corrected == "a dog sat"
    assert skipped == [(inside, replaced)]


def test_offsets_are_code_points_even_for_astral_characters():
    """👍 and the flag 🇻🇪 (two code points) are each one Python index per code
    point, as the stored offsets are; UTF-16 would count them twice."""
    text = 'Fact 👍 check: the café said "hi"\n\nSecond 🇻🇪 paragraph.'
    thumbs = span(text, "👍", "👎")
    flag = span(text, "🇻🇪", "🇺🇸")
    cafe = span(text, "café", "cafés")
    corrected, applied, skipped = apply_corrections(text, [flag, cafe, thumbs])
    assert corrected == 'Fact 👎 check: the cafés said "hi"\n\nSecond 🇺🇸 paragraph.'
    assert applied == [thumbs, cafe, flag] and skipped == []
    # half a flag (one regional indicator) is a span of its own, and overlaps the whole flag
    half = (flag[0] + 1, flag[1], "🇪")
    corrected, _, skipped = apply_corrections(text, [flag, half])
    assert "🇺🇸" in corrected and skipped == [(half, flag)]


def test_emoji_replacements_and_deletions_next_to_them():
    text = "ok 👍👍 ok"
    corrected, _, skipped = apply_corrections(text, [(3, 4, ""), (4, 5, "🎉"), (5, 5, "!")])
    assert corrected == "ok 🎉! ok" and skipped == []


def test_extra_items_are_carried_along():
    text = "no fiends"
    fix = (3, 9, "friends", 42, {"author": "alice"})
    _, applied, _ = apply_corrections(text, [fix])
    assert applied[0][3:] == (42, {"author": "alice"})


@pytest.mark.parametrize("correction, message", [
    ((-1, 2, "x"), "not within the text"),
    ((2, 1, "x"), "not within the text"),
    ((0, 99, "x"), "not within the text"),
    ((0, 1, None), "replacement must be a string"),
    (("0", 1, "x"), "whole number"),
    ((True, 1, "x"), "whole number"),
    ((0, 1), "start, end, replacement"),
    (None, "start, end, replacement"),
])
def test_bad_corrections_are_refused(correction, message):
    with pytest.raises(ValueError, match=message):
        apply_corrections("some text", [correction])


def test_changes_mark_what_was_taken_out_and_put_in():
    text = "They have no fiends, said Macri, said the"
    fiends, twice, insert = span(text, "fiends", "friends"), span(text, "said Macri, ", ""), (len(text), len(text), ".")
    corrected, applied, _ = apply_corrections(text, [fiends, twice, insert])
    pieces = changes(text, applied)
    assert pieces == [
        "They have no ", Change("fiends", "friends", fiends), ", ", Change("said Macri, ", "", twice), "said the",
        Change("", ".", insert),
    ]
    # the pieces put back together are the corrected text
    assert "".join(p if isinstance(p, str) else p.replacement for p in pieces) == corrected
    # ... and, taking the originals, the text as it was
    assert "".join(p if isinstance(p, str) else p.original for p in pieces) == text
