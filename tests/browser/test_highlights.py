"""Highlights and cards: selecting, editing, deleting; the text never changes."""

import re

import pytest
from playwright.sync_api import expect

SELECTED = re.compile(r"(^|\s)selected(\s|$)")
GAVE = "gave 72 hours for diplomats to leave the country"


def _assert_selected(page, annotation_id, others):
    expect(page.card(annotation_id)).to_have_class(SELECTED)
    for mark in page.marks(annotation_id):
        assert "selected" in mark["classes"], mark
    for other in others:
        expect(page.card(other)).not_to_have_class(SELECTED)
    selected_marks = page.page.locator("#article-text mark.hl.selected")
    expect(selected_marks).to_have_count(len(page.marks(annotation_id)))
    for mark in selected_marks.all():
        assert str(annotation_id) in mark.get_attribute("data-ids").split()


def test_clicking_highlight_selects_card_and_card_selects_highlight(live_server, open_page):
    demo = live_server.demo_id
    outer = live_server.add_annotation("alice", demo, GAVE, verdict="true")
    inner = live_server.add_annotation("bob", demo, "72 hours", verdict="mostly-true")
    typo = live_server.add_annotation("alice", demo, "no fiends", kind="correction", correction="no friends")
    alice = open_page("alice", demo)
    ids = [outer, inner, typo]
    assert alice.card_ids() == ids
    expect(alice.page.locator("#annotation-list .selected, #article-text .selected")).to_have_count(0)

    # A click on a highlight (real mouse click: no selection is made, so no editor).
    alice.page.locator(f'#article-text mark.hl[data-ids="{typo}"]').click()
    _assert_selected(alice, typo, [outer, inner])
    expect(alice.editor).to_be_hidden()

    # Where two annotations overlap the innermost comes first, then the next.
    overlap = alice.page.locator(f'#article-text mark.hl[data-ids="{inner} {outer}"]')
    expect(overlap).to_have_text("72 hours")
    overlap.click()
    _assert_selected(alice, inner, [outer, typo])
    overlap.click()
    _assert_selected(alice, outer, [inner, typo])
    # A part of the outer claim only it covers.
    alice.page.locator(f'#article-text mark.hl[data-ids="{outer}"]').last.click()
    _assert_selected(alice, outer, [inner, typo])

    # A click on a card selects its highlight.
    alice.card(typo).locator(".change").click()
    _assert_selected(alice, typo, [outer, inner])
    alice.card(inner).locator("blockquote.quote").click()
    _assert_selected(alice, inner, [outer, typo])
    expect(alice.editor).to_be_hidden()
    assert alice.text_content() == live_server.text(demo)


def test_edit_and_delete_own_annotation(live_server, open_page):
    demo = live_server.demo_id
    text = live_server.text(demo)
    claim = live_server.add_annotation("alice", demo, GAVE, verdict="true", rationale="Televised speech.",
                                       sources=["https://example.org/speech"])
    other = live_server.add_annotation("alice", demo, "no fiends", kind="correction", correction="no friends")
    alice = open_page("alice", demo)
    card = alice.card(claim)
    expect(card.locator(".badge")).to_have_text("True")
    assert {m["hl"] for m in alice.marks(claim)} == {"#2e7d32"}

    # Edit: the editor opens filled in; change the verdict.
    card.locator("button.edit").click()
    expect(alice.editor).to_be_visible()
    expect(alice.page.locator("#editor-title")).to_have_text("Edit annotation")
    expect(alice.page.locator("#editor-quote")).to_have_text(GAVE)
    expect(alice.form.locator("select[name=verdict]")).to_have_value("true")
    expect(alice.form.locator("textarea[name=rationale]")).to_have_value("Televised speech.")
    expect(alice.form.locator("textarea[name=sources]")).to_have_value("https://example.org/speech")
    alice.form.locator("select[name=verdict]").select_option("misleading")
    alice.save()
    expect(card.locator(".badge")).to_have_text("Misleading")
    assert {m["hl"] for m in alice.marks(claim)} == {"#8e24aa"}
    [stored] = [a for a in alice.api_annotations() if a["id"] == claim]
    assert stored["verdict"] == "misleading"
    assert (stored["exact"], stored["rationale"], stored["sources"]) == (
        GAVE, "Televised speech.", ["https://example.org/speech"])
    assert len(alice.api_annotations()) == 2

    alice.reload()
    card = alice.card(claim)
    expect(card.locator(".badge")).to_have_text("Misleading")
    alice.assert_highlighted(stored)

    # Delete asks first; Cancel keeps the annotation.
    card.locator("button.delete").click()
    confirm = card.locator(".confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Delete this claim?")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    expect(card).to_be_visible()
    assert [a["id"] for a in alice.api_annotations()] == [claim, other]

    # Delete, confirmed.
    card.locator("button.delete").click()
    expect(confirm).to_be_visible()
    with alice.page.expect_response(lambda r: r.request.method == "DELETE") as answer:
        confirm.get_by_role("button", name="Delete").click()
    assert answer.value.status == 204
    expect(card).to_have_count(0)
    expect(alice.mark_locator(claim)).to_have_count(0)
    expect(alice.cards).to_have_count(1)
    assert [a["id"] for a in alice.api_annotations()] == [other]
    assert [a["id"] for a in live_server.stored(demo)] == [other]
    alice.assert_highlighted(alice.api_annotations()[0])
    assert alice.text_content() == text
    alice.reload()
    assert alice.card_ids() == [other]
    assert alice.text_content() == text


# Holds the page's GET of the annotations until the test releases it, so the
# text can be checked before any highlight is drawn.
_HOLD_ANNOTATIONS = r"""
(() => {
  const realFetch = window.fetch;
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  window.__releaseAnnotations = () => release();
  window.fetch = async function (input, init) {
    const url = typeof input === 'string' ? input : input.url;
    const method = (init && init.method) || 'GET';
    if (method === 'GET' && /\/api\/articles\/\d+\/annotations$/.test(url)) {
      window.__annotationsRequested = true;
      await gate;
    }
    return realFetch.apply(this, arguments);
  };
})();
"""


@pytest.mark.parametrize("article", ["demo", "emoji"])
def test_article_text_is_exactly_the_stored_text(live_server, open_page, article):
    article_id = getattr(live_server, f"{article}_id")
    text = live_server.text(article_id)
    quotes = {
        "demo": [GAVE, "72 hours", "Maduro", "no fiends", "Maduro made the announcement"],
        "emoji": ["👍 check", "check: the café", "café", '"hi"\n\nSecond 🇻🇪', "🇻🇪"],
    }[article]
    for n, quote in enumerate(quotes):
        if n % 2:
            live_server.add_annotation("bob", article_id, quote, kind="correction", correction="x")
        else:
            live_server.add_annotation("alice", article_id, quote, verdict="mixed")

    alice = open_page("alice")
    alice.page.add_init_script(_HOLD_ANNOTATIONS)
    alice.page.goto(f"{live_server.url}/articles/{article_id}")
    alice.article_id = article_id
    alice.page.wait_for_function("() => window.__annotationsRequested === true")
    api_text = alice.api_get(f"/api/articles/{article_id}")["text"]
    assert api_text == text

    # Before the highlights: the server-rendered text.
    expect(alice.page.locator("#article-text[data-ready]")).to_have_count(0)
    expect(alice.page.locator("#article-text mark")).to_have_count(0)
    assert alice.text_content() == api_text

    # After them.
    alice.page.evaluate("() => window.__releaseAnnotations()")
    alice.wait_ready()
    expect(alice.page.locator("#article-text mark.hl")).not_to_have_count(0)
    assert alice.text_content() == api_text
    stored = alice.api_annotations()
    assert len(stored) == len(quotes)
    for annotation in stored:
        alice.assert_highlighted(annotation)

    # And after re-rendering with a filter.
    alice.page.locator("#author-filter").select_option("mine")
    expect(alice.cards).to_have_count(sum(1 for a in stored if a["author"] == "alice"))
    assert alice.text_content() == api_text


def test_draft_highlight_follows_the_editor(live_server, open_page):
    demo = live_server.demo_id
    alice = open_page("alice", demo)
    alice.select_text("no fiends")
    alice.page.keyboard.press("Escape")
    expect(alice.editor).to_be_hidden()
    alice.expect_draft(None)
    alice.select_text("no fiends")
    alice.page.locator("#editor-cancel").click()
    expect(alice.editor).to_be_hidden()
    alice.expect_draft(None)
    # A new selection moves the draft.
    alice.select_text("no fiends")
    alice.select_text("historic battle")
    assert alice.text_content() == live_server.text(demo)


def test_editing_an_annotation_drops_the_draft_highlight(live_server, open_page):
    demo = live_server.demo_id
    claim = live_server.add_annotation("alice", demo, GAVE, verdict="true")
    alice = open_page("alice", demo)
    alice.select_text("no fiends")
    alice.card(claim).locator("button.edit").click()
    expect(alice.page.locator("#editor-title")).to_have_text("Edit annotation")
    expect(alice.page.locator("#editor-quote")).to_have_text(GAVE)
    # The click handler has run (the title changed in it): no waiting needed.
    stale = alice.page.locator("#article-text mark.hl-draft")
    assert stale.count() == 0, f"the old draft is still drawn on {stale.all_text_contents()}"
    alice.page.locator("#editor-cancel").click()
    expect(alice.editor).to_be_hidden()
    assert stale.count() == 0, f"after Cancel the old draft is still drawn on {stale.all_text_contents()}"


def test_three_overlapping_claims_all_show(live_server, open_page):
    """Regression: where three claims overlapped, the third left no trace."""
    demo = live_server.demo_id
    outer = live_server.add_annotation("alice", demo, "Maduro stressed the U.S. is an", verdict="true")
    middle = live_server.add_annotation("bob", demo, "the U.S. is", verdict="false")
    inner = live_server.add_annotation("bob", demo, "U.S.", occurrence=1, verdict="mixed")  # inside both
    alice = open_page("alice", demo)
    [mark] = [m for m in alice.marks(inner) if m["text"] == "U.S."]
    assert {"hl-overlap", "hl-overlap3"} <= set(mark["classes"])
    colours = alice.page.evaluate(
        """(id) => { const m = [...document.querySelectorAll('#article-text mark.hl')]
                       .find((m) => m.dataset.ids.split(' ')[0] === String(id));
                     return [m.dataset.ids, m.style.getPropertyValue('--hl'), m.style.getPropertyValue('--hl2'),
                             m.style.getPropertyValue('--hl3')]; }""", inner)
    assert colours == [f"{inner} {middle} {outer}", "#f9a825", "#c62828", "#2e7d32"]


# The boxes on screen of each outlined mark of annotation `id`.
_OUTLINED_BOXES_JS = """(id) => [...document.querySelectorAll(`#article-text mark.hl[data-ids~="${id}"]`)]
    .filter((m) => getComputedStyle(m).outlineStyle !== 'none')
    .flatMap((m) => [...m.getClientRects()].map((r) => ({ text: m.textContent, width: r.width })))"""


def test_a_selected_span_across_paragraphs_outlines_no_blank_line(live_server, open_page):
    """Regression: the line breaks between its paragraphs drew a small outlined box on the blank line."""
    demo = live_server.demo_id
    quote = "Anadolu Agency reports.\n\nMaduro made"
    crossing = live_server.add_annotation("bob", demo, quote, verdict="true")
    alice = open_page("alice", demo)
    alice.card(crossing).locator("blockquote.quote").click()
    expect(alice.mark_locator(crossing).first).to_have_class(SELECTED)
    [annotation] = alice.api_annotations()
    alice.assert_highlighted(annotation)
    boxes = alice.page.evaluate(_OUTLINED_BOXES_JS, crossing)
    assert boxes and all(box["width"] > 2 for box in boxes), boxes
    # The draft of the same words, too.
    alice.select_text(quote)
    drafts = alice.page.evaluate("""() => [...document.querySelectorAll('#article-text mark.hl-draft')]
        .filter((m) => getComputedStyle(m).outlineStyle !== 'none')
        .flatMap((m) => [...m.getClientRects()].map((r) => r.width))""")
    assert drafts and all(width > 2 for width in drafts), drafts
    assert alice.text_content() == live_server.text(demo)
