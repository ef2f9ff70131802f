"""Tricky texts (tests/tricky_texts.py) in Chromium: a real mouse drag over
the words, a saved claim, code point offsets stored, the highlight on exactly
those words."""

import unicodedata

import pytest
from playwright.sync_api import expect

from annotator.articles import create_article
from tests.tricky_texts import CASES, IDS, canonical, decoded, utf16_len

_RTL = ("R", "AL")


def _rtl(char):
    """Is `char` drawn right to left (a strong Hebrew or Arabic letter)?"""
    return unicodedata.bidirectional(char) in _RTL


# JS run in the page: the x, on the line at height y, nearest to preferX where
# Chromium's own hit test (caretRangeFromPoint, what a mouse press uses) puts
# the caret at UTF-16 offset `target` of #article-text; null if none.
_X_FOR_OFFSET_JS = r"""
([target, y, preferX]) => {
  const root = document.getElementById('article-text');
  const box = root.getBoundingClientRect();
  const unitsAt = (x) => {
    const caret = document.caretRangeFromPoint(x, y);
    if (!caret || !root.contains(caret.startContainer)) return null;
    const probe = document.createRange();
    probe.setStart(root, 0);
    probe.setEnd(caret.startContainer, caret.startOffset);
    return probe.toString().length;
  };
  let best = null;
  for (let x = Math.ceil(box.left); x < box.right; x += 0.5) {
    if (unitsAt(x) === target && (best === null || Math.abs(x - preferX) < Math.abs(best - preferX))) best = x;
  }
  return best;
}
"""


def _bidi_drag(alice, start, end, first_rtl, last_rtl, steps=12):
    """Select the UTF-16 span [start, end) with real mouse events, like
    ArticlePage.drag_select, where an edge of the span is a right-to-left
    character. The logical start of an RTL character is its RIGHT edge and its
    logical end its LEFT edge, so the press and the release go near those. But
    where an RTL run meets LTR text one point on screen stands for two offsets
    (in an LTR paragraph the left end of "said مرحبا بكم to" is right after
    "said ", and the run's logical end is at its RIGHT end, next to " to"), so
    the exact x is the one nearest that edge where Chromium's hit test gives
    the wanted offset: what a user does, moving the pointer until the
    selection looks right. Returns the browser's selection at mouse-up."""
    first, last = alice.visible_edges(start, end)
    y0 = first["top"] + first["height"] / 2
    y1 = last["top"] + last["height"] / 2
    x0 = first["right"] - 1 if first_rtl else first["left"] + 1
    x1 = last["left"] + 1 if last_rtl else last["right"] - 1
    x0 = alice.page.evaluate(_X_FOR_OFFSET_JS, [start, y0, x0])
    x1 = alice.page.evaluate(_X_FOR_OFFSET_JS, [end, y1, x1])
    assert x0 is not None and x1 is not None, f"no point on screen hits offsets {start} and {end}: {x0}, {x1}"
    alice.page.evaluate("""() => window.addEventListener('mouseup', () => {
        window.__selectedAtMouseUp = window.getSelection().toString();
    }, { capture: true, once: true })""")
    mouse = alice.page.mouse
    mouse.move(x0, y0)
    mouse.down()
    mouse.move(x1, y1, steps=steps)
    mouse.up()
    return alice.page.evaluate("() => window.__selectedAtMouseUp")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_mouse_selection_stores_code_point_offsets(live_server, open_page, case):
    text = canonical(case)
    db = live_server.db()
    try:
        article_id = create_article(db, case.name, decoded(case.raw), created_by=live_server.users["alice"])
    finally:
        db.close()
    assert live_server.text(article_id) == text

    # What the mouse selects: the case's words, or (see case.why) the words
    # with their visible neighbours when an edge is an invisible character.
    selected, start, end = case.mouse or (case.selected, case.start, case.end)
    assert text[start:end] == selected
    units = (utf16_len(text[:start]), utf16_len(text[:end]))

    occurrence = 0 if case.mouse else case.occurrence

    alice = open_page("alice", article_id)
    assert alice.text_content() == text
    assert alice.find(selected, occurrence) == units
    if _rtl(selected[0]) or _rtl(selected[-1]):
        got = _bidi_drag(alice, *units, first_rtl=_rtl(selected[0]), last_rtl=_rtl(selected[-1]))
        assert got == selected, f"the drag selected {got!r}, not {selected!r}"
        expect(alice.editor).to_be_visible()
        expect(alice.page.locator("#editor-quote")).to_have_text(selected)
        alice.expect_draft(selected)
    else:
        alice.select_text(selected, occurrence)  # drag_select from the first character's left edge
    # (to_have_text normalises whitespace and drops U+200B: compare exactly too.)
    assert alice.page.locator("#editor-quote").evaluate("e => e.textContent") == selected
    alice.fill_claim("mixed", f"Tricky text: {case.name}.")
    alice.save()
    expect(alice.cards).to_have_count(1)

    [stored] = alice.api_annotations()
    assert (stored["start"], stored["end"], stored["exact"]) == (start, end, selected)
    assert text[stored["start"]:stored["end"]] == selected
    assert live_server.stored(article_id) == [stored]
    alice.assert_highlighted(stored)
    assert alice.text_content() == text
    # And again after a reload, from the stored offsets alone.
    alice.reload()
    alice.assert_highlighted(stored)
    assert alice.text_content() == text
