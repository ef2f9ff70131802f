"""Making annotations: selecting text with the mouse, the editor, saving."""

import re

from playwright.sync_api import expect

FOLLOWED_SUIT = (
    "Argentina, Canada, Chile, Colombia, Costa Rica, Ecuador, Guatemala, Panama and Paraguay have followed suit"
)
SOURCES = [
    "https://en.wikipedia.org/wiki/2019_Venezuelan_presidential_crisis",
    "https://www.reuters.com/article/us-venezuela-politics-idUSKCN1PH2R9",
]


def test_correction_and_claim_saved_highlighted_and_listed(live_server, open_page, artifacts):
    alice = open_page("alice", live_server.demo_id)
    text = live_server.text(live_server.demo_id)
    page = alice.page

    # A correction on the typo.
    alice.select_text("no fiends")
    expect(alice.page.locator("#editor-title")).to_have_text("New annotation")
    alice.fill_correction("typo", "no friends")
    alice.save()
    expect(alice.cards).to_have_count(1)
    alice.expect_draft(None)

    # A claim with a verdict, a rationale and two sources.
    alice.select_text(FOLLOWED_SUIT)
    alice.fill_claim("mostly-true", "Most of these governments said so on 23-24 January 2019.", SOURCES)
    alice.save()
    expect(alice.cards).to_have_count(2)

    stored = alice.api_annotations()
    assert [a["kind"] for a in stored] == ["correction", "claim"]
    correction, claim = stored
    assert (correction["start"], correction["end"], correction["exact"]) == (644, 653, "no fiends")
    assert text[644:653] == "no fiends"
    assert correction["correction_type"] == "typo"
    assert correction["correction"] == "no friends"
    assert correction["author"] == "alice"
    start = text.index(FOLLOWED_SUIT)
    assert (claim["start"], claim["end"], claim["exact"]) == (start, start + len(FOLLOWED_SUIT), FOLLOWED_SUIT)
    assert claim["verdict"] == "mostly-true"
    assert claim["rationale"] == "Most of these governments said so on 23-24 January 2019."
    assert claim["sources"] == SOURCES
    assert live_server.stored(live_server.demo_id) == stored

    # After a reload both are highlighted and listed in document order.
    alice.reload()
    for annotation in stored:
        alice.assert_highlighted(annotation)
    assert alice.card_ids() == [correction["id"], claim["id"]]
    correction_card, claim_card = alice.card(correction["id"]), alice.card(claim["id"])
    expect(correction_card.locator(".badge")).to_have_text("Typo")
    expect(correction_card.locator(".change del")).to_have_text("no fiends")
    expect(correction_card.locator(".change ins")).to_have_text("no friends")
    expect(claim_card.locator(".badge")).to_have_text("Mostly true")
    expect(claim_card.locator("blockquote.quote")).to_have_text(FOLLOWED_SUIT)
    assert claim_card.locator(".sources a").evaluate_all("links => links.map((a) => a.href)") == SOURCES
    expect(page.locator("#annotation-count")).to_have_text("1 claim, 1 correction")
    claim_marks = alice.marks(claim["id"])
    assert all("hl-claim" in m["classes"] and m["hl"] == "#7cb342" for m in claim_marks)
    assert all("hl-correction" in m["classes"] for m in alice.marks(correction["id"]))
    assert alice.text_content() == text

    # For humans: what the page looks like now, with the claim selected. (From
    # the top: a full-page shot draws the sticky sidebar where it is now.)
    alice.card(claim["id"]).locator(".author").click()
    expect(claim_card).to_have_class(re.compile(r"\bselected\b"))
    page.evaluate("() => window.scrollTo({top: 0, behavior: 'instant'})")
    page.wait_for_function("() => window.scrollY === 0")
    page.screenshot(path=str(artifacts / "article-annotated.png"), full_page=True)


def test_emoji_article_offsets_are_code_points(live_server, open_page, artifacts):
    text = live_server.text(live_server.emoji_id)
    alice = open_page("alice", live_server.emoji_id)
    assert alice.text_content() == text

    saved = []
    # Words after astral characters, a span starting on a flag (two astral
    # characters) and one ending on an emoji.
    for word, verdict in (("check", "true"), ("said", "false"), ("🇻🇪 paragraph", "mixed"), ("Fact 👍", "false")):
        alice.select_text(word)
        alice.fill_claim(verdict)
        alice.save()
        saved.append(word)
        expect(alice.cards).to_have_count(len(saved))

    stored = {a["exact"]: a for a in alice.api_annotations()}
    assert sorted(stored) == sorted(saved)
    for word in saved:
        a = stored[word]
        start = text.index(word)  # Python str: code points
        assert (a["start"], a["end"]) == (start, start + len(word)), word
        assert text[a["start"]:a["end"]] == word
        alice.assert_highlighted(a)
    # The browser's UTF-16 offsets differ: one per astral character before.
    assert alice.find("check")[0] == text.index("check") + 1
    assert alice.find("said")[0] == text.index("said") + 1
    assert alice.text_content() == text
    alice.page.screenshot(path=str(artifacts / "emoji-annotated.png"))


def _mid_line_space(alice, candidates):
    """The first of `candidates` (UTF-16 offsets of spaces) drawn in the middle
    of a line: same line as its neighbours and wider than nothing, so a drag can
    start or end on it whatever the fonts and wrapping."""
    for at in candidates:
        left = alice.span_edges(at - 1, at)["first"]
        space = alice.span_edges(at, at + 1)["first"]
        right = alice.span_edges(at + 1, at + 2)["first"]
        if space["width"] > 2 and abs(left["top"] - space["top"]) < 1 and abs(right["top"] - space["top"]) < 1:
            return at
    raise AssertionError(f"none of the spaces at {candidates} is in the middle of a line")


def test_selection_trimmed_across_paragraphs(live_server, open_page):
    text = live_server.text(live_server.demo_id)
    alice = open_page("alice", live_server.demo_id)
    first_paragraph_end = text.index("\n\n")
    # Spaces before the words of paragraph 1's last sentence part, and after
    # the first words of paragraph 2.
    starts = [m.start() for m in re.finditer(" ", text[:first_paragraph_end])][-6:]
    second = first_paragraph_end + 2
    ends = [m.start() for m in re.finditer(" ", text[second:second + 40])]
    start = _mid_line_space(alice, starts)
    end_space = _mid_line_space(alice, [second + e for e in ends][1:])
    # The demo text is all in the Basic Multilingual Plane: UTF-16 == code points.
    assert len(text) == len(text.encode("utf-16-le")) // 2

    selected = alice.drag_select(start, end_space + 1)
    # The browser selected the spaces at both ends...
    assert selected == text[start:end_space + 1], repr(selected)
    expect(alice.editor).to_be_visible()
    # ...the page trims them.
    expected = text[start + 1:end_space]
    expect(alice.page.locator("#editor-quote")).to_have_text(expected)
    alice.expect_draft(expected)
    alice.fill_claim("unverifiable", "Spans two paragraphs.")
    alice.save()

    [stored] = alice.api_annotations()
    assert stored["exact"] == expected
    assert "\n\n" in stored["exact"]
    assert stored["exact"] == stored["exact"].strip()
    article = alice.api_get(f"/api/articles/{live_server.demo_id}")
    assert article["text"][stored["start"]:stored["end"]] == stored["exact"]
    assert (stored["start"], stored["end"]) == (start + 1, end_space)
    alice.assert_highlighted(stored)
    assert alice.text_content() == text


def test_save_error_shown_and_nothing_stored(live_server, open_page):
    alice = open_page("alice", live_server.demo_id)
    posts = []
    alice.page.on("request", lambda r: posts.append(r) if r.method == "POST" and "/api/" in r.url else None)

    alice.select_text("gave 72 hours")
    alice.fill_claim("false", "Checked.", ["https://example.org/ok", "javascript:alert(1)"])
    with alice.page.expect_response(lambda r: r.request.method == "POST" and "/annotations" in r.url) as answer:
        alice.save_button.click()
    assert answer.value.status == 400
    error = alice.page.locator("#editor-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("javascript:alert(1)")
    expect(error).to_contain_text("is not an http(s) URL")
    expect(alice.editor).to_be_visible()
    expect(alice.save_button).to_be_enabled()
    expect(alice.cards).to_have_count(0)
    assert alice.api_annotations() == []
    assert live_server.stored(live_server.demo_id) == []
    expect(alice.saved_marks).to_have_count(0)
    alice.expect_draft("gave 72 hours")
    assert len(posts) == 1

    # What was typed is kept; fixing the source saves it.
    expect(alice.form.locator("textarea[name=rationale]")).to_have_value("Checked.")
    alice.form.locator("textarea[name=sources]").fill("https://example.org/ok")
    alice.save()
    [stored] = alice.api_annotations()
    assert stored["exact"] == "gave 72 hours"
    assert stored["sources"] == ["https://example.org/ok"]
    alice.expect_draft(None)

    # A second claim by the same author on exactly the same words is refused.
    alice.select_text("gave 72 hours")
    alice.fill_claim("true")
    with alice.page.expect_response(lambda r: r.request.method == "POST" and "/annotations" in r.url) as answer:
        alice.save_button.click()
    assert answer.value.status == 409
    expect(error).to_contain_text("You already have a claim on exactly this text")
    expect(alice.editor).to_be_visible()
    assert [a["id"] for a in alice.api_annotations()] == [stored["id"]]
    # Cancel closes the editor and removes the draft highlight.
    alice.page.locator("#editor-cancel").click()
    expect(alice.editor).to_be_hidden()
    alice.expect_draft(None)
    alice.assert_highlighted(stored)


def _double_click(alice):
    alice.save_button.dblclick()


def _two_mouse_clicks(alice):
    box = alice.save_button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    alice.page.mouse.click(x, y)
    alice.page.mouse.click(x, y)


def test_double_save_stores_one_annotation(live_server, open_page):
    alice = open_page("alice", live_server.demo_id)
    posts = []
    alice.page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/api/" in r.url else None)

    for n, (quote, click_twice) in enumerate(
        (("gave 72 hours", _double_click), ("no one should lower their guard", _two_mouse_clicks)), start=1
    ):
        alice.select_text(quote)
        alice.fill_claim("true")
        with alice.page.expect_response(lambda r: r.request.method == "POST" and "/annotations" in r.url) as answer:
            click_twice(alice)
        assert answer.value.status == 201
        expect(alice.editor).to_be_hidden()
        expect(alice.cards).to_have_count(n)
        assert len(posts) == n, posts
        stored = alice.api_annotations()
        assert len(stored) == n
        assert [a["exact"] for a in stored if a["exact"] == quote] == [quote]
    assert len(live_server.stored(live_server.demo_id)) == 2


def _next_task(page):
    """Let the page run what its mouseup handler queued (a setTimeout 0)."""
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")


def test_drag_from_left_margin_opens_editor(live_server, open_page):
    text = live_server.text(live_server.demo_id)
    alice = open_page("alice", live_server.demo_id)
    quote = "He said the country"
    start, end = alice.find(quote)
    edges = alice.span_edges(start, end)
    first, last = edges["first"], edges["last"]
    assert abs(first["top"] - last["top"]) < 1, "the quote should be on one line"
    reader = alice.page.locator("article.reader").bounding_box()
    margin_x = (reader["x"] + first["left"]) / 2  # in the reader's padding, left of the line
    assert reader["x"] < margin_x < first["left"] - 5
    page = alice.page
    page.evaluate("""() => window.addEventListener('mouseup', () => {
        window.__selectedAtMouseUp = window.getSelection().toString();
    }, { capture: true, once: true })""")
    page.mouse.move(margin_x, first["top"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(last["right"] - 1, last["top"] + last["height"] / 2, steps=8)
    page.mouse.up()
    assert page.evaluate("() => window.__selectedAtMouseUp") == quote == text[start:end]
    _next_task(page)
    assert alice.editor.is_visible(), "the article text is selected, yet no editor opened"
    expect(page.locator("#editor-quote")).to_have_text(quote)
