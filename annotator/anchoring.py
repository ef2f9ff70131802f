"""Re-anchoring: finding an annotation's words again in a new revision of the text.

Pure functions, no Flask. Offsets are Unicode code points, end exclusive.
Hypothesis and Apache Annotator use the same order: position, then quote with
context, then approximate quote.

Of all occurrences of the quote, the one whose surroundings agree longest with
the stored prefix and suffix wins, then the one nearest the old start mapped
through a diff of the two texts, then the first. Then:

1. **exact**: the winner is at the mapped old start: the words are where they
   were (an edit before them shifts the offsets; it is still exact).
2. **moved**: the winner is elsewhere (the paragraph was moved, or the
   mapped place now holds the same words in other surroundings).
3. **fuzzy**: where the quote with its context aligns best (rapidfuzz's
   ``partial_ratio_alignment``, at least ``CONTEXT_THRESHOLD``), the best
   approximate match of the quote scores at least ``FUZZY_THRESHOLD``; it is
   widened to whole words.
4. **orphaned**: none of the above; the annotation keeps its quote and is
   never dropped.

Deterministic: the same texts and selector always give the same result
(the diff runs without a time limit).
"""

from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from rapidfuzz import fuzz

#: Lowest similarity (0..1) of an approximate match that still anchors.
FUZZY_THRESHOLD = 0.8
#: Lowest similarity (0..1) of the quote *with its context* where it is
#: matched: below it the words around are gone too, and a lookalike elsewhere
#: must not take the annotation.
CONTEXT_THRESHOLD = 0.75

EXACT, MOVED, FUZZY, ORPHANED = "exact", "moved", "fuzzy", "orphaned"


@dataclass(frozen=True)
class Anchor:
    """Where a quote landed: outcome, [start, end) in the new text (None when
    orphaned), and score, the similarity 0..1 (1.0 for exact and moved)."""

    outcome: str
    start: int | None
    end: int | None
    score: float


class PositionMap:
    """Maps offsets in an old text to the new text through a character diff."""

    def __init__(self, old_text, new_text):
        differ = diff_match_patch()
        differ.Diff_Timeout = 0  # no time limit: the same texts always give the same diff
        self.diffs = differ.diff_main(old_text, new_text)
        self._differ = differ

    def __call__(self, offset):
        return self._differ.diff_xIndex(self.diffs, offset)


def reanchor(new_text, start, end, exact, prefix="", suffix="", position_map=None):
    """Find the span [start, end) with quote ``exact`` (and its context) in ``new_text``.

    position_map: a PositionMap from the text the span was made in, or None
    when that text is ``new_text`` itself. Returns an Anchor.
    """
    mapped = position_map(start) if position_map else start
    found = _best_occurrence(new_text, exact, prefix, suffix, mapped)
    if found is not None:
        return Anchor(EXACT if found == mapped else MOVED, found, found + len(exact), 1.0)
    return _fuzzy(new_text, exact, prefix, suffix)


def _occurrences(text, quote):
    at = text.find(quote)
    while at >= 0:
        yield at
        at = text.find(quote, at + 1)


def _best_occurrence(text, quote, prefix, suffix, near):
    """Start of the occurrence of ``quote`` with the most context agreeing, then
    nearest ``near``; None if the quote is absent."""
    best = None
    for at in _occurrences(text, quote):
        rank = (-_context_score(text, at, quote, prefix, suffix), abs(at - near), at)
        if best is None or rank < best:
            best = rank
    return None if best is None else best[2]


def _context_score(text, at, quote, prefix, suffix):
    """How many characters of the stored prefix and suffix match around ``at``."""
    before = text[max(0, at - len(prefix)):at]
    after = text[at + len(quote):at + len(quote) + len(suffix)]
    return _common_suffix(before, prefix) + _common_prefix(after, suffix)


def _common_prefix(a, b):
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _common_suffix(a, b):
    return _common_prefix(a[::-1], b[::-1])


def _fuzzy(text, quote, prefix, suffix):
    """The quote matched approximately, looked for where its context is: the
    whole ``prefix + quote + suffix`` is aligned first, so that a short quote
    whose words were deleted is not pinned on a lookalike elsewhere."""
    area = fuzz.partial_ratio_alignment(prefix + quote + suffix, text, score_cutoff=CONTEXT_THRESHOLD * 100)
    if area is None:
        return Anchor(ORPHANED, None, None, 0.0)
    lo = max(0, area.dest_start - len(quote))
    hi = min(len(text), area.dest_end + len(quote))
    match = fuzz.partial_ratio_alignment(quote, text[lo:hi], score_cutoff=FUZZY_THRESHOLD * 100)
    if match is None or match.dest_end <= match.dest_start:
        return Anchor(ORPHANED, None, None, 0.0)
    start, end = lo + match.dest_start, lo + match.dest_end
    # The alignment is as long as the quote; a quote of whole words should
    # land on whole words ("no fiends" -> "no friends", not "no friend").
    if quote[0].isalnum():
        while start > 0 and text[start - 1].isalnum():
            start -= 1
    if quote[-1].isalnum():
        while end < len(text) and text[end].isalnum():
            end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Anchor(FUZZY, start, end, round(match.score / 100, 4))
