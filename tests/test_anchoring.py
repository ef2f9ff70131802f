import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from annotator.anchoring import FUZZY_THRESHOLD, SHORT_QUOTE, PositionMap, reanchor
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
    # A short quote is found by its context by design (so that a deleted
    # "10" does not land on another "10"); when the edit cuts into that
    # context in a text of repeated characters ("00" -> "0"), the diff cannot
    # tell whether the span's own characters went, so only edits that leave
    # a short quote's context whole are checked here.
    if len(exact) < SHORT_QUOTE:
        assume(b <= start - len(selector["prefix"]) if before else a >= end + len(selector["suffix"]))
    result = reanchor(new, start, end, exact, selector["prefix"], selector["suffix"], PositionMap(text, new))
    assert new[result.start:result.end] == exact
    assert (result.start, result.end) == (start + delta, end + delta)


def test_deleted_words_are_not_pinned_on_a_lookalike():
    """Regression: a deleted sentence's claim was attached, fuzzily, to a similar sentence elsewhere."""
    old = ("On Monday, Minister Ruiz said the port would reopen within a week, according to officials at the "
           "harbour. Unions were sceptical. By Friday, Minister Ruiz says, the port will be open to cargo ships again.")
    new = old[old.index("Unions"):]
    assert anchor(old, new, "Minister Ruiz said the port would reopen").outcome == "orphaned"


def test_a_short_quote_never_lands_inside_a_longer_number():
    """Regression: a claim on "5 percent" moved onto the "5 percent" of "15 percent"."""
    old = "The key rate is 5 percent, the bank said. Inflation hit 15 percent in May."
    new = old.replace("is 5 percent", "is 6 percent")
    result = anchor(old, new, "5 percent")
    assert result.outcome == "fuzzy" and new[result.start:result.end] == "6 percent"


def test_a_quote_in_a_deleted_paragraph_is_orphaned_not_exact_elsewhere():
    """Regression: "Maduro" in a deleted paragraph was reported exact on the next paragraph's "Maduro"."""
    old = ("The army said Maduro was still in charge of the country.\n\n"
           "Maduro left for Havana on Sunday, state television said.")
    new = old.split("\n\n")[1]
    assert anchor(old, new, "Maduro").outcome == "orphaned"


def test_fuzzy_keeps_symbols_and_emoji_at_the_edges():
    """Regression: a fuzzy anchor cut off a leading "$" or emoji."""
    old = "The city spent $12.5 million on parks in 2022. Fans cheered 🎉 loudly at the stadium 👍 all night."
    new = old.replace("parks in", "the parks in").replace("loudly at", "very loudly at")
    for quote, expected in (("$12.5 million on parks in 2022", "$12.5 million on the parks in 2022"),
                            ("🎉 loudly at the stadium 👍", "🎉 very loudly at the stadium 👍")):
        result = anchor(old, new, quote)
        assert result.outcome == "fuzzy" and new[result.start:result.end] == expected


def test_reordering_paragraphs_of_a_long_article():
    """Regression: the unbounded character diff took over a minute on a 23 KB reorder, holding the write lock."""
    paragraphs = [f"Paragraph {i}: " + " ".join(f"word{(i * 31 + j) % 997}" for j in range(60)) for i in range(60)]
    old, new = "\n\n".join(paragraphs), "\n\n".join(paragraphs[::-1])
    result = anchor(old, new, paragraphs[10][:40])  # bench/bench_reanchor.py times this
    assert result.outcome == "moved" and result.start == new.index(paragraphs[10])


def test_a_moved_paragraph_is_moved():
    old = "First paragraph.\n\nThe minister claimed “no fiends here” yesterday.\n\nThird paragraph."
    new = "First paragraph.\n\nThird paragraph.\n\nThe minister claimed “no fiends here” yesterday."
    result = anchor(old, new, "no fiends")
    assert result.outcome == "moved" and new[result.start:result.end] == "no fiends"


def test_a_short_quote_whose_context_was_edited_is_found_where_the_diff_puts_it():
    """Regression (found by hypothesis): "1" typed just before "10" in "000010"
    changed the short quote's prefix, and the character diff kept "00001"
    instead of "0000", so the quote, still the only one there, was orphaned."""
    result = anchor("000010", "0000110", "10")
    assert (result.outcome, result.start, result.end) == ("moved", 5, 7)


def test_a_short_quote_whose_words_were_deleted_still_does_not_land_elsewhere():
    old = "Maduro spoke.\n\nThe minister said it 10 times.\n\nThen he left."
    new = "Maduro spoke.\n\nThen he left, 10 days later."
    assert anchor(old, new, "10").outcome == "orphaned"


def test_the_approximate_search_reads_only_near_the_old_place(monkeypatch):
    """Regression: every "a" made "á" in a 200,000-character article sent
    4,000 quotes to a fuzzy search of the whole text (45 s, holding the write lock)."""
    from annotator import anchoring
    paragraphs = [f"Paragraph {i} says that figure {i * 7} was {i % 5} percent, a rate claimed." for i in range(400)]
    old = "\n\n".join(paragraphs)
    new = old.replace("a", "á")
    searched = []
    real = anchoring.fuzz.partial_ratio_alignment
    monkeypatch.setattr(anchoring.fuzz, "partial_ratio_alignment",
                        lambda needle, haystack, **kw: searched.append(len(haystack)) or real(needle, haystack, **kw))
    quote = f"figure {300 * 7} was 0 percent, a rate"
    result = anchor(old, new, quote)
    assert result.outcome == "fuzzy" and new[result.start:result.end] == quote.replace("a", "á")
    assert searched and max(searched) < len(new) // 4


def test_a_rewrite_with_no_line_kept_still_maps_offsets_near_their_words():
    old = "\n".join(f"line {i} has an a" for i in range(1000))
    new = old.replace("a", "á")
    position_map = PositionMap(old, new)
    assert position_map.estimate(old.index("line 700")) == new.index("line 700")


def test_a_moved_and_changed_paragraph_is_found_by_its_context_or_orphaned():
    """The approximate search looks near the old place and beside a unique
    occurrence of the stored context; words moved far, changed and stripped
    of their context are orphaned (see anchoring.reanchor)."""
    filler = "\n\n".join(f"Filler paragraph number {i} about nothing in particular." for i in range(200))
    moved = "The ministry of finance said on Monday that spending rose by 5 percent in the year to March."
    old = moved + "\n\n" + filler
    quote = "spending rose by 5 percent"
    changed = filler + "\n\n" + moved.replace("rose by 5", "rose by 6")
    result = anchor(old, changed, quote)
    assert result.outcome == "fuzzy" and changed[result.start:result.end] == "spending rose by 6 percent"
    rewritten = filler + "\n\nOn Monday officials said spending rose by 6 percent in the twelve months."
    assert anchor(old, rewritten, quote).outcome == "orphaned"


def test_every_paragraph_changed_is_still_diffed_paragraph_by_paragraph():
    """Guards the line-by-line diff of a block too large to diff whole (every "a" made "á")."""
    old = "\n\n".join(f"Paragraph {i}: a rate of {i} percent, officials said." for i in range(600))
    assert 2 * len(old) > 20_000  # old and new together: more than MAX_CHARACTER_DIFF
    new = old.replace("a", "á")
    quote = "percent"  # no "a" in it: its characters were kept where they were
    result = anchor(old, new, quote, occurrence=400)
    assert result.outcome == "exact" and result.start == [m for m in range(len(new)) if new.startswith(quote, m)][400]


def test_a_short_quote_from_a_deleted_block_does_not_land_on_a_lookalike_far_away():
    """Regression (fresh tester): "figure" from a deleted paragraph was
    'moved' 3,000 characters up, onto another "said the figure", because
    8 characters of context agreed."""
    filler = "\n\n".join(f"Paragraph {n} talks about the weather in Oslo and Bergen today." for n in range(60))
    old = f"The minister said the figure fell.\n\n{filler}\n\nCritics said the figure rose sharply.\n\nThe end."
    new = old.replace("\n\nCritics said the figure rose sharply.", "")
    result = anchor(old, new, "figure", occurrence=1)
    assert result.outcome == "orphaned"
