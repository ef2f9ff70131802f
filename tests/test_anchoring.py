import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from annotator.anchoring import FUZZY_THRESHOLD, PositionMap, reanchor
from annotator.text import quote_selector

OLD = 'Maduro stressed the U.S. is an "unreliable" country that has “no fiends ", adding it’s only interest.'


def anchor(old, new, quote, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = old.index(quote, start + 1)
    selector = quote_selector(old, start, start + len(quote))
    return reanchor(new, start, start + len(quote), quote, selector["prefix"], selector["suffix"], PositionMap(old, new))


@pytest.mark.parametrize("new, quote, outcome, expected", [
    (OLD, "no fiends", "exact", "no fiends"),
    ("Yesterday " + OLD, "no fiends", "exact", "no fiends"),          # shifted by an edit before it
    (OLD.replace("Maduro stressed", "He stressed"), "U.S.", "exact", "U.S."),
    (OLD.replace("no fiends", "no friends"), "no fiends", "fuzzy", "no friends"),
    (OLD.replace("“no fiends \",", "") + " Later: “no fiends \",", "no fiends", "moved", "no fiends"),
    ("Something else entirely, about weather in Oslo.", "no fiends", "orphaned", None),
    ("👍👍 " + OLD, "it’s only", "exact", "it’s only"),               # astral characters before it
])
def test_reanchor_table(new, quote, outcome, expected):
    result = anchor(OLD, new, quote)
    assert result.outcome == outcome
    if expected is None:
        assert (result.start, result.end) == (None, None)
    else:
        assert new[result.start:result.end] == expected
        assert 0 < result.score <= 1 and (result.score == 1.0) == (outcome != "fuzzy")


def test_moved_prefers_the_occurrence_with_matching_context():
    old = "She said no. He said yes. They said maybe."
    new = "He said yes. They said maybe. She said no."
    result = anchor(old, new, "said")  # "She said", now last
    assert result.outcome == "moved" and new[result.start - 4:result.end] == "She said"


def test_fuzzy_scores_below_the_threshold_are_orphaned():
    result = anchor(OLD, OLD.replace("no fiends", "zz qqqqqq"), "no fiends")
    assert result.outcome == "orphaned"
    assert FUZZY_THRESHOLD == 0.8


def test_reanchoring_is_deterministic():
    new = OLD.replace("fiends", "friends") * 3
    assert len({anchor(OLD, new, "no fiends") for _ in range(5)}) == 1


texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=200)


@settings(max_examples=300, deadline=None)
@given(texts, st.data())
def test_unchanged_text_gives_back_the_same_span(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    selector = quote_selector(text, start, end)
    result = reanchor(text, start, end, selector["exact"], selector["prefix"], selector["suffix"])
    assert (result.outcome, result.start, result.end) == ("exact", start, end)


@settings(max_examples=300, deadline=None)
@given(texts, st.data(), st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30))
def test_edit_outside_the_span_shifts_it_by_the_length_change(text, data, inserted):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    # an edit (replace text[a:b] by `inserted`) wholly before or wholly after the span
    before = data.draw(st.booleans())
    a = data.draw(st.integers(0, start) if before else st.integers(end, len(text)))
    b = data.draw(st.integers(a, start) if before else st.integers(a, len(text)))
    new = text[:a] + inserted + text[b:]
    delta = len(inserted) - (b - a) if before else 0
    exact = text[start:end]
    # Where the same quote could have come from the edit itself, the texts
    # alone cannot tell which is meant; only unambiguous cases are checked.
    assume(new.count(exact) == 1)
    selector = quote_selector(text, start, end)
    result = reanchor(new, start, end, exact, selector["prefix"], selector["suffix"], PositionMap(text, new))
    assert new[result.start:result.end] == exact
    assert (result.start, result.end) == (start + delta, end + delta)


def test_deleted_words_are_not_pinned_on_a_lookalike():
    """Regression: a deleted sentence's claim was attached, fuzzily, to a similar sentence elsewhere."""
    old = ("On Monday, Minister Ruiz said the port would reopen within a week, according to officials at the "
           "harbour. Unions were sceptical. By Friday, Minister Ruiz says, the port will be open to cargo ships again.")
    new = old[old.index("Unions"):]
    assert anchor(old, new, "Minister Ruiz said the port would reopen").outcome == "orphaned"
