"""Re-anchoring: finding an annotation's words again in a new revision of the text.

Pure functions, no Flask. Offsets are Unicode code points, end exclusive.
Hypothesis and Apache Annotator use the same order: position, then quote with
context, then approximate quote.

1. **exact**: a diff of the two texts (lines, then characters) kept every
   character of the span, untouched and together: the words are where they
   were (an edit before them shifts the offsets; it is still exact).
2. **moved**: else, the quote occurs elsewhere, cut from its neighbours the
   way the original was (never inside a longer word or number); a short
   quote also needs some of its stored context around it. Of several, the
   one with the most context agreeing wins, then the one nearest the old place.
3. **fuzzy**: where the quote with its context aligns best (rapidfuzz's
   ``partial_ratio_alignment``, at least ``CONTEXT_THRESHOLD``), the words
   between the end of the prefix and the start of the suffix, if they are
   like the quote (``fuzz.ratio`` at least ``FUZZY_THRESHOLD``). Only near
   where the diff puts the old span (``FUZZY_REACH``; see ``reanchor``), or
   beside its stored context if that occurs once elsewhere: words that moved
   far, changed and lost their context are orphaned, not looked for in the
   whole text (which took 45 s for 5,000 annotations).
4. **orphaned**: none of the above; the annotation keeps its quote and is
   never dropped.

Deterministic: the same texts and selector always give the same result
(no step depends on a clock).
"""

import difflib
import re
from bisect import bisect_right
from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from rapidfuzz import fuzz

#: Lowest similarity (0..1) of an approximate match that still anchors.
FUZZY_THRESHOLD = 0.8
#: Lowest similarity (0..1) of the quote *with its context* where it is
#: matched: below it the words around are gone too, and a lookalike elsewhere
#: must not take the annotation.
CONTEXT_THRESHOLD = 0.75

#: A quote shorter than this (in code points) is common enough ("Maduro",
#: "5 percent") that it only moves to a place where at least
#: SHORT_QUOTE_CONTEXT characters of its stored prefix and suffix agree.
SHORT_QUOTE = 16
SHORT_QUOTE_CONTEXT = 8

#: How far (code points) before and after where the diff puts the old span
#: the approximate search looks, at least; further for a long quote
#: (``FUZZY_REACH_QUOTES`` times its length with context).
FUZZY_REACH = 2_000
FUZZY_REACH_QUOTES = 2

EXACT, MOVED, FUZZY, ORPHANED = "exact", "moved", "fuzzy", "orphaned"


@dataclass(frozen=True)
class Anchor:
    """Where a quote landed: outcome, [start, end) in the new text (None when
    orphaned), and score, the similarity 0..1 (1.0 for exact and moved)."""

    outcome: str
    start: int | None
    end: int | None
    score: float


#: A replaced block of lines larger than this (old + new characters) is not
#: diffed character by character: it counts as deleted and inserted whole.
#: Keeps a rewrite of a long article from taking minutes, deterministically.
MAX_CHARACTER_DIFF = 20_000


class PositionMap:
    """How an old text became a new one: which stretches were kept unchanged.

    Lines (with the blank lines after them) are compared first (difflib,
    deterministic and fast even when paragraphs move); a small block of
    changed lines is then compared character by character (diff-match-patch,
    without a time limit), or each line with the one it replaces when a
    block replaces as many lines.
    """

    def __init__(self, old_text, new_text):
        self.old_length, self.new_length = len(old_text), len(new_text)
        self.kept = []  # (old_start, new_start, length) of unchanged stretches, in order
        old_lines, new_lines = _lines(old_text), _lines(new_text)
        old_at, new_at = _offsets(old_lines), _offsets(new_lines)
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            a, b = old_at[i1], new_at[j1]
            if tag == "equal":
                self._keep(a, b, old_at[i2] - a)
            elif tag == "replace":
                # As many lines as they replace are diffed each with its own
                # (every "a" made "á"; or two paragraphs swapped: then moved,
                # not "kept" across the swap); other blocks whole, if small.
                pairs = [(i, i + 1, j, j + 1) for i, j in zip(range(i1, i2), range(j1, j2))] if (
                    i2 - i1 == j2 - j1) else [(i1, i2, j1, j2)]
                for k1, k2, m1, m2 in pairs:
                    if (old_at[k2] - old_at[k1]) + (new_at[m2] - new_at[m1]) <= MAX_CHARACTER_DIFF:
                        self._diff_characters(old_text[old_at[k1]:old_at[k2]], new_text[new_at[m1]:new_at[m2]],
                                              old_at[k1], new_at[m1])
        # The stretches are in order and apart, so the one holding an old
        # offset is found by bisection (thousands of lookups after an edit).
        self._old_starts = [a for a, _, _ in self.kept]

    def _diff_characters(self, old, new, a, b):
        differ = diff_match_patch()
        differ.Diff_Timeout = 0  # the same texts must always give the same diff
        diffs = differ.diff_main(old, new, False)
        differ.diff_cleanupSemantic(diffs)  # no "kept" stretches of chance single letters in rewritten words
        for op, chunk in diffs:
            if op == 0:
                self._keep(a, b, len(chunk))
            a += len(chunk) if op <= 0 else 0
            b += len(chunk) if op >= 0 else 0

    def _keep(self, a, b, length):
        if self.kept and self.kept[-1][0] + self.kept[-1][2] == a and self.kept[-1][1] + self.kept[-1][2] == b:
            last = self.kept.pop()
            a, b, length = last[0], last[1], last[2] + length
        if length:
            self.kept.append((a, b, length))

    def unchanged(self, start, end):
        """The new [start, end) of old [start, end) (start < end) if those
        characters were all kept, untouched and together; else None."""
        i = bisect_right(self._old_starts, start) - 1
        if i >= 0:
            a, b, length = self.kept[i]
            if end <= a + length:
                return b + start - a, b + end - a
        return None

    def __call__(self, offset):
        """Where old ``offset`` is in the new text (after the last kept stretch before it)."""
        i = bisect_right(self._old_starts, offset) - 1
        if i < 0:
            return 0
        a, b, length = self.kept[i]
        return b + min(offset - a, length)


    def estimate(self, offset):
        """Where old ``offset`` most likely is in the new text: exact inside a
        kept stretch; between two kept stretches (or a kept stretch and an end
        of the texts), at the same fraction of the way across the new gap as
        of the old one, so that a rewrite with no line kept (every "a" made
        "á") still maps each offset near its words."""
        i = bisect_right(self._old_starts, offset) - 1
        old_lo = new_lo = 0
        if i >= 0:
            a, b, length = self.kept[i]
            if offset <= a + length:
                return b + offset - a
            old_lo, new_lo = a + length, b + length
        old_hi, new_hi = self.kept[i + 1][:2] if i + 1 < len(self.kept) else (self.old_length, self.new_length)
        if old_hi <= old_lo:
            return new_lo
        return new_lo + (offset - old_lo) * (new_hi - new_lo) // (old_hi - old_lo)


def _lines(text):
    """Lines, each with the blank lines after it: blank lines compared apart
    are thousands of equal elements, which made difflib quadratic (1.7 s on
    a 200,000-character article with every paragraph changed)."""
    return re.findall(r"[^\n]*\n+|[^\n]+", text)


def _offsets(lines):
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return offsets


def reanchor(new_text, start, end, exact, prefix="", suffix="", position_map=None):
    """Find the span [start, end) with quote ``exact`` (and its context) in ``new_text``.

    position_map: a PositionMap from the text the span was made in, or None
    when that text is ``new_text`` itself. Returns an Anchor.

    The approximate search (step 3) looks only within ``FUZZY_REACH`` (or
    ``FUZZY_REACH_QUOTES`` times the quote with its context, if longer) of
    where ``position_map.estimate`` puts the old span, and near a unique
    occurrence of its stored prefix or suffix: a quote whose words changed
    *and* moved further than that, away from its context (a paragraph moved
    and rewritten), is orphaned. Exact and moved quotes are found anywhere,
    except that a short quote far outside that window needs all of its
    stored prefix or suffix beside it (else a deleted "figure" lands on
    another "said the figure" far away).
    """
    kept = position_map.unchanged(start, end) if position_map else (start, end)
    if kept:
        return Anchor(EXACT, kept[0], kept[1], 1.0)
    mapped = position_map(start)
    reach = max(FUZZY_REACH, FUZZY_REACH_QUOTES * len(prefix + exact + suffix))
    lo = max(0, position_map.estimate(start) - reach)
    hi = min(len(new_text), position_map.estimate(end) + reach)
    found = _inside_image(new_text, exact, prefix, suffix, mapped, position_map(end))
    if found is None:
        found = _best_occurrence(new_text, exact, prefix, suffix, mapped, (lo, hi))
    if found is not None:
        return Anchor(MOVED, found, found + len(exact), 1.0)
    found = _fuzzy(new_text, exact, prefix, suffix, lo, hi)
    for near in () if found.start is not None else _context_elsewhere(new_text, exact, prefix, suffix, lo, hi):
        found = _fuzzy(new_text, exact, prefix, suffix, max(0, near - reach), min(len(new_text), near + reach))
        if found.start is not None:
            break
    return found


def locate(text, start, end, exact, prefix="", suffix=""):
    """Where an annotation brought from elsewhere lands in ``text``: an Anchor.

    start, end: its TextPositionSelector (code points, end exclusive; None
    when it has none); exact, prefix, suffix: its TextQuoteSelector. Exact
    when ``text[start:end] == exact``; else moved to the occurrence of the
    quote whose context agrees best (nearest ``start``), under the same rules
    as ``reanchor``; else fuzzy; else orphaned. See W3C Web Annotation Data
    Model, sections 4.2.4 and 4.2.5.
    """
    if not isinstance(exact, str) or not exact:
        return Anchor(ORPHANED, None, None, 0.0)
    positioned = all(isinstance(n, int) and not isinstance(n, bool) for n in (start, end))
    if positioned and 0 <= start < end <= len(text) and text[start:end] == exact:
        return Anchor(EXACT, start, end, 1.0)
    found = _best_occurrence(text, exact, prefix, suffix, start if positioned else 0)
    if found is not None:
        return Anchor(MOVED, found, found + len(exact), 1.0)
    return _fuzzy(text, exact, prefix, suffix)


def _best_occurrence(text, quote, prefix, suffix, near, window=None):
    """Start of the occurrence of ``quote`` with the most context agreeing, then
    nearest ``near``; None if there is none that starts and ends on the same
    kind of boundary as the original (so "5 percent" never lands inside
    "15 percent") and, for a short quote, with ``SHORT_QUOTE_CONTEXT``
    characters of context agreeing (so "Maduro" from a deleted paragraph does
    not land on any other "Maduro"). window: (lo, hi), where a short quote
    with only part of its context agreeing may land (None: anywhere);
    outside it, all of its prefix or all of its suffix must agree.

    A common word occurs hundreds of times in a long article, so the most
    context there can be is looked for first, and otherwise the checks run
    inline on single characters."""
    cut_like_original = _boundary_check(text, quote, prefix, suffix)
    # All the stored context agreeing is the highest score: where prefix,
    # quote and suffix occur together, no other occurrence can win.
    whole = [at + len(prefix) for at in _find_all(text, prefix + quote + suffix)
             if cut_like_original(at + len(prefix))]
    if whole:
        return min(whole, key=lambda at: (abs(at - near), at))
    needed = 0 if len(quote) >= SHORT_QUOTE else min(SHORT_QUOTE_CONTEXT, len(prefix) + len(suffix))
    best = None
    lo, hi = window if window and needed else (0, len(text))
    for at in _find_all(text, quote):
        if (lo <= at < hi or _one_side_whole(text, at, quote, prefix, suffix)) and cut_like_original(at):
            score = _context_score(text, at, at + len(quote), prefix, suffix)
            if score >= needed:
                rank = (-score, abs(at - near), at)
                if best is None or rank < best:
                    best = rank
    return None if best is None else best[2]


def _one_side_whole(text, at, quote, prefix, suffix):
    """Whether all of the stored prefix, or all of the stored suffix (at least
    SHORT_QUOTE_CONTEXT characters), is beside ``quote`` at ``at``: what a
    short quote far from its old place needs (a paragraph moved whole keeps
    one side; a lookalike sentence rarely does)."""
    end = at + len(quote)
    return ((len(prefix) >= SHORT_QUOTE_CONTEXT and text[at - len(prefix):at] == prefix)
            or (len(suffix) >= SHORT_QUOTE_CONTEXT and text[end:end + len(suffix)] == suffix))


def _inside_image(text, quote, prefix, suffix, lo, hi):
    """Start of the first occurrence of ``quote`` within new [lo, hi), where
    the diff puts the old span's characters, cut on the same boundaries; None
    if there is none. Its context need not agree: an edit just beside the
    span changes the context but not where the words are."""
    cut_like_original = _boundary_check(text, quote, prefix, suffix)
    at = text.find(quote, lo, hi)
    while at >= 0 and not cut_like_original(at):
        at = text.find(quote, at + 1, hi)
    return None if at < 0 else at


def _context_elsewhere(text, quote, prefix, suffix, lo, hi):
    """Where the quote would start beside its stored prefix (then suffix) if
    that occurs once in ``text``, outside [lo, hi), and is long enough to be
    telling: a paragraph that moved far *and* whose quoted words changed is
    still found by its unchanged context, at the cost of a str.find or two."""
    for part, offset in ((prefix, len(prefix)), (suffix, -len(quote))):
        if len(part) >= SHORT_QUOTE:
            at = text.find(part)
            if at >= 0 and text.find(part, at + 1) < 0 and not lo <= at + offset < hi:
                yield at + offset


def _find_all(text, part):
    """Every start of ``part`` in ``text``, overlapping ones too, in order."""
    at = text.find(part)
    while at >= 0:
        yield at
        at = text.find(part, at + 1)


def _boundary_check(text, quote, prefix, suffix):
    """A function of a start in ``text``: whether ``quote`` there is cut from
    its neighbours the way the original was (inside a word only if the
    original was). The expected kinds are worked out once per quote; a quote
    that starts (ends) with a non-alphanumeric never joins its neighbour,
    whatever it is, so that boundary needs no check."""
    check_start, joined_start = quote[:1].isalnum(), _joins(prefix[-1:], quote[:1])
    check_end, joined_end = quote[-1:].isalnum(), _joins(quote[-1:], suffix[:1])
    size, length = len(text), len(quote)

    def cut_like_original(at):
        end = at + length
        return (not check_start or (at > 0 and text[at - 1].isalnum()) == joined_start) and (
            not check_end or (end < size and text[end].isalnum()) == joined_end)

    return cut_like_original


def _joins(left, right):
    return bool(left) and bool(right) and left.isalnum() and right.isalnum()


def _context_score(text, start, end, prefix, suffix):
    """How many characters of the stored prefix (suffix) match right before
    ``start`` (after ``end``): compared outward, one by one."""
    i, j = start - 1, len(prefix) - 1
    while i >= 0 and j >= 0 and text[i] == prefix[j]:
        i -= 1
        j -= 1
    k, m = end, 0
    while k < len(text) and m < len(suffix) and text[k] == suffix[m]:
        k += 1
        m += 1
    return (len(prefix) - 1 - j) + m


def _fuzzy(text, quote, prefix, suffix, lo=0, hi=None):
    """The quote matched approximately, between its context, within
    ``text[lo:hi]`` (offsets returned are in ``text``): the whole
    ``prefix + quote + suffix`` is aligned first (so a short quote whose
    words were deleted is not pinned on a lookalike elsewhere), then the span
    runs from where the prefix ends to where the suffix starts (so "5 percent"
    edited to "6 percent" is found, not the "5 percent" inside "15 percent")."""
    if lo or hi is not None:
        found = _fuzzy(text[lo:hi], quote, prefix, suffix)
        return found if found.start is None else Anchor(found.outcome, found.start + lo, found.end + lo, found.score)
    area = fuzz.partial_ratio_alignment(prefix + quote + suffix, text, score_cutoff=CONTEXT_THRESHOLD * 100)
    if area is None:
        return Anchor(ORPHANED, None, None, 0.0)
    lo, hi = area.dest_start, area.dest_end
    start = lo + fuzz.partial_ratio_alignment(prefix, text[lo:hi]).dest_end if prefix else lo
    end = start + fuzz.partial_ratio_alignment(suffix, text[start:hi]).dest_start if suffix else hi
    if end <= start:
        return Anchor(ORPHANED, None, None, 0.0)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    score = fuzz.ratio(quote, text[start:end]) / 100
    if score < FUZZY_THRESHOLD:
        return Anchor(ORPHANED, None, None, 0.0)
    return Anchor(FUZZY, start, end, round(score, 4))
