"""Selections made the ways people make them store the intended words, and
highlights of every shape stay drawn and clickable."""

import re

from playwright.sync_api import expect


def char_middle(alice, start):
    """Viewport point in the middle of the character at UTF-16 offset ``start``."""
    rect = alice.span_edges(start, start + 1)["first"]
    return rect["left"] + rect["width"] / 2, rect["top"] + rect["height"] / 2


def test_double_click_selects_a_word(live_server, open_page):
    alice = open_page("alice", live_server.demo_id)
    start, _ = alice.find("Anadolu")
    alice.page.mouse.dblclick(*char_middle(alice, start + 2))
    expect(alice.page.locator("#editor-quote")).to_have_text("Anadolu")


def test_triple_click_selects_the_paragraph_without_its_line_breaks(live_server, open_page):
    alice = open_page("alice", live_server.demo_id)
    text = live_server.text(live_server.demo_id)
    paragraph = "He said the country is in a historic battle so no one should lower their guard."
    start, _ = alice.find("historic")
    x, y = char_middle(alice, start)
    alice.page.mouse.click(x, y, click_count=3)
    expect(alice.page.locator("#editor-quote")).to_have_text(paragraph)
    alice.fill_claim("unverifiable")
    alice.save()
    [saved] = alice.api_annotations()
    assert (saved["start"], saved["end"]) == (text.index(paragraph), text.index(paragraph) + len(paragraph))


def test_selection_from_inside_one_highlight_into_another(live_server, open_page):
    demo = live_server.demo_id
    live_server.add_annotation("bob", demo, "Brazil and the Organization", verdict="true")
    live_server.add_annotation("bob", demo, "recognized Guaido as Venezuela's leader", verdict="true")
    alice = open_page("alice", demo)
    wanted = "Organization of American States recognized Guaido"
    start, end = alice.find(wanted)
    assert alice.drag_select(start, end) == wanted
    alice.fill_claim("true")
    alice.save()
    [mine] = [a for a in alice.api_annotations() if a["author"] == "alice"]
    assert mine["exact"] == wanted
    alice.assert_highlighted(mine)


def test_one_character_and_adjacent_spans_render_and_click(live_server, open_page):
    demo = live_server.demo_id
    text = live_server.text(demo)
    comma = text.index("state ,") + 6  # the stray comma
    one = live_server.add_annotation("bob", demo, ",", occurrence=text[:comma].count(","), kind="correction",
                                     correction_type="punctuation", correction="")
    left = live_server.add_annotation("bob", demo, "Bolivia and", verdict="true")
    right = live_server.add_annotation("bob", demo, " Mexico", verdict="false")
    alice = open_page("alice", demo)
    for annotation in alice.api_annotations():
        alice.assert_highlighted(annotation)
    assert [m["text"] for m in alice.marks(one)] == [","]
    # adjacent spans stay two separate marks, each selecting its own card
    alice.mark_locator(right).first.click()
    expect(alice.card(right)).to_have_class(re.compile(r"\bselected\b"))
    alice.mark_locator(left).first.click()
    expect(alice.card(left)).to_have_class(re.compile(r"\bselected\b"))
    alice.mark_locator(one).first.click()
    expect(alice.card(one)).to_have_class(re.compile(r"\bselected\b"))
    assert alice.text_content() == text


SELECTION_JS = "() => window.getSelection().toString()"
CROSSING = "Anadolu Agency reports.\n\nMaduro made"


def test_a_drag_across_paragraphs_leaves_no_paragraph_selected(live_server, open_page):
    """Regression: redrawing the draft's paragraphs left the whole first paragraph selected."""
    alice = open_page("alice", live_server.demo_id)
    alice.select_text(CROSSING)
    assert alice.page.evaluate(SELECTION_JS) in ("", CROSSING)
    alice.page.locator("#editor-cancel").click()
    expect(alice.editor).to_be_hidden()
    assert alice.page.evaluate(SELECTION_JS) == ""
    alice.expect_draft(None)


def test_the_drag_after_a_cross_paragraph_one_opens_the_editor(live_server, open_page):
    """Regression: the next drag over the first paragraph dragged the selected text instead."""
    alice = open_page("alice", live_server.demo_id)
    for close in ("Escape", None):
        alice.select_text(CROSSING)
        if close:
            alice.page.keyboard.press(close)
            expect(alice.editor).to_be_hidden()
            assert alice.page.evaluate(SELECTION_JS) == ""
        alice.select_text("Juan Guaido")  # words of the first paragraph
        assert alice.page.evaluate(SELECTION_JS) in ("", "Juan Guaido")
        alice.page.keyboard.press("Escape")
        expect(alice.editor).to_be_hidden()
    alice.select_text("Anadolu Agency")  # inside what the first drag selected
    alice.fill_claim("true")
    alice.save()
    [saved] = alice.api_annotations()
    assert saved["exact"] == "Anadolu Agency"


def test_shift_arrows_extend_a_selection_across_a_redrawn_paragraph(live_server, open_page):
    """The keyboard path: the selection stays the selected words, so Shift+Right goes on from there."""
    alice = open_page("alice", live_server.demo_id)
    start, end = alice.find("reports")
    alice.visible_edges(start, end)
    # A selection made by script (as with caret browsing), then extended with keys.
    alice.page.evaluate("""([start, end]) => {
        const root = document.getElementById('article-text');
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        let seen = 0;
        while (walker.nextNode()) {
          const n = walker.currentNode;
          if (start < seen + n.data.length) { window.getSelection().setBaseAndExtent(n, start - seen, n, end - seen); break; }
          seen += n.data.length;
        }
    }""", [start, end])
    alice.page.keyboard.press("Shift+ArrowRight")
    expect(alice.page.locator("#editor-quote")).to_have_text("reports.")
    for _ in range(len("\n\nMaduro")):
        alice.page.keyboard.press("Shift+ArrowRight")
    expect(alice.page.locator("#editor-quote")).to_have_text("reports.\n\nMaduro")
    assert alice.page.evaluate(SELECTION_JS) == "reports.\n\nMaduro"
    alice.expect_draft("reports.\n\nMaduro")
