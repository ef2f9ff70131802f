"""Applying corrections to a text: the corrected article, and where it changed.

Pure text logic, no Flask and no database. Offsets are Unicode code points
(Python ``str`` indices), end exclusive, as everywhere in the annotator; a
correction is ``(start, end, replacement, *extra)``: replace ``text[start:end]``
with ``replacement`` ("" deletes the span; start == end inserts at that point).
Anything after the replacement (an annotation id, say) is carried along untouched.

Which corrections win when they collide, in this order:

1. The earliest start wins.
2. At the same start, an insertion goes first (it sits before the span, which
   it does not touch), then the longest span: it holds the shorter ones.
3. Then the order given.

Taking them in that order, a correction is applied unless it collides with one
already applied, and skipped if it does. Two corrections collide when they
share a character, when an insertion falls strictly inside the other's span,
or when both insert at the same point (which text would come first is a guess).
A skipped correction does not block later ones. Adjacent spans (``[a, b)`` and
``[b, c)``) share no character, so both apply.
"""

from typing import NamedTuple


class Change(NamedTuple):
    """One applied correction as the reader sees it: ``original`` (the words
    taken out, "" for an insertion) became ``replacement`` ("" for a deletion);
    ``correction`` is the item given to apply_corrections."""

    original: str
    replacement: str
    correction: tuple


def apply_corrections(text, corrections):
    """The text with the corrections applied; (corrected text, applied, skipped).

    text: str. corrections: iterable of tuples ``(start, end, replacement,
    *extra)`` with ints ``0 <= start <= end <= len(text)`` (code points) and a
    str replacement. applied: the given tuples that were applied, in document
    order. skipped: list of (tuple, the applied tuple it collides with), in
    the order they lost (see the module docstring for who wins). ``text``
    itself is a str and so never changes.
    Raises ValueError for a correction outside the text or of the wrong shape.
    """
    pieces, applied, skipped = [], [], []
    cursor = 0
    for item in _winning_order(text, corrections):
        start, end, replacement = item[:3]
        if _collides(item, applied, cursor):
            skipped.append((item, applied[-1]))
            continue
        pieces += [text[cursor:start], replacement]
        cursor = end
        applied.append(item)
    pieces.append(text[cursor:])
    return "".join(pieces), applied, skipped


def changes(text, applied):
    """The corrected text in pieces for showing the changes: a list of str
    (unchanged text) and Change items, in document order, empty strings left out.

    applied: the ``applied`` list from apply_corrections on the same ``text``.
    """
    pieces, cursor = [], 0
    for item in applied:
        start, end, replacement = item[:3]
        pieces += [text[cursor:start], Change(text[start:end], replacement, item)]
        cursor = end
    pieces.append(text[cursor:])
    return [piece for piece in pieces if piece != ""]


def _winning_order(text, corrections):
    """The corrections checked, in the order in which they claim their span."""
    items = []
    for index, item in enumerate(corrections):
        _check(text, item)
        start, end = item[0], item[1]
        items.append(((start, end > start, start - end, index), item))
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


def _collides(item, applied, cursor):
    """Whether ``item`` collides with what is already applied (up to ``cursor``).

    In winning order only the last applied correction can reach ``item``'s
    start, so it is the one collided with: it either runs past that start, or
    is an insertion at the same point as ``item``, another insertion."""
    start, end = item[0], item[1]
    if start < cursor:
        return True
    if start == end and applied:
        last_start, last_end = applied[-1][0], applied[-1][1]
        return last_start == last_end == start
    return False


def _check(text, item):
    try:
        start, end, replacement = item[:3]
    except (TypeError, ValueError):
        raise ValueError(f"A correction is (start, end, replacement, ...), not {item!r}.")
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"A correction's {name} must be a whole number of code points, not {value!r}.")
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"The correction [{start}, {end}) is not within the text of {len(text)} code points.")
    if not isinstance(replacement, str):
        raise ValueError(f"A correction's replacement must be a string, not {replacement!r}.")
