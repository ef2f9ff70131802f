"""A long article with hundreds of annotations: the page draws the text in
paragraphs laid out only near the view, redraws only around a new selection,
and lists its cards a page at a time; none of that may lose or misplace one."""

import re

import pytest
from playwright.sync_api import expect

from annotator import annotations as annotations_model
from annotator.articles import create_article, edit_text, get_article
from annotator.db import get_db

SELECTED = re.compile(r"(^|\s)selected(\s|$)")
#: More than one page of cards (article.js CARDS_PER_PAGE is 100).
COUNT = 250
#: The most cards drawn at once (article.js MAX_CARDS).
MAX_CARDS = 200

# Paragraphs of distinct words, some astral (UTF-16 pairs) and right-to-left,
# long enough that most paragraphs are far below the first screen.
WORDS = ["minister", "said", "👍", "budget", "𝔘𝔫𝔦", "rose", "مرحبا", "per", "cent", "שלום"]


def long_text(paragraphs=120, words=70):
    return "\n\n".join(
        " ".join(f"{WORDS[(p + w) % len(WORDS)]}{p}x{w}" for w in range(words)) + "." for p in range(paragraphs)
    )


@pytest.fixture
def long_article(live_server):
    """(article id, [annotation rows]): COUNT annotations by alice and bob, of
    one to three words, some overlapping, a few across a paragraph break."""
    with live_server.app.app_context():
        db = get_db()
        article_id = create_article(db, "A long article", long_text())
        article = get_article(db, article_id)
        text = article["text"]
        starts = [i for i in range(len(text)) if (i == 0 or text[i - 1] in " \n") and text[i] not in " \n"]
        rows = []
        for n in range(COUNT):
            first = n // 2 * 33 + n % 2  # pairs that overlap
            last = starts[first + 1 + n % 3] - 1  # the end of the word before that start
            while text[last - 1] in " \n":
                last -= 1
            author = next(db["users"].rows_where("username = ?", ["alice" if n % 2 else "bob"]))
            data = {"kind": "claim", "start": starts[first], "end": last, "exact": text[starts[first]:last],
                    "verdict": "false" if n % 3 else "true"}
            rows.append(annotations_model.create_annotation(db, article, author, data))
    return article_id, rows


def test_every_annotation_is_highlighted_and_listed(live_server, open_page, long_article):
    """Regression: the paged list or paragraph blocks must not drop any annotation."""
    article_id, rows = long_article
    alice = open_page("alice", article_id)
    assert alice.text_content() == live_server.text(article_id)
    drawn = alice.page.evaluate("""() => new Set([...document.querySelectorAll('#article-text mark.hl')]
        .flatMap((m) => m.dataset.ids.split(' ')).filter(Boolean).map(Number)).size""")
    assert drawn == COUNT
    for row in rows[::50]:
        alice.assert_highlighted(annotations_model.to_json(row))
    expect(alice.page.locator("#annotation-count")).to_have_text(f"{COUNT} claims, 0 corrections")
    # Scrolling the list to its end draws the next cards, until the last one
    # is there; each card is drawn on the way (not all of them at once).
    seen = set(alice.card_ids())
    for _ in range(COUNT):
        if alice.page.locator("#annotation-list .list-more").count() == 1 and len(seen) == COUNT:
            break
        alice.page.evaluate("() => document.querySelector('.sidebar').scrollTo(0, 1e9)")
        alice.page.wait_for_timeout(50)
        seen.update(alice.card_ids())
    assert sorted(seen) == sorted(row["id"] for row in rows)
    assert alice.cards.count() <= MAX_CARDS
    # The end of the list is reached: nothing more to draw after the last card.
    expect(alice.page.locator("#annotation-list > li").last).to_have_class(re.compile("annotation-card"))


def test_highlight_far_down_is_clickable_and_its_card_is_drawn(live_server, open_page, long_article):
    """Clicking a highlight near the end selects its card, though the list had not drawn that far."""
    article_id, rows = long_article
    alice = open_page("alice", article_id)
    last = max(rows, key=lambda row: row["start"])
    assert alice.cards.count() < COUNT  # not drawn yet
    mark = alice.mark_locator(last["id"]).last
    mark.scroll_into_view_if_needed()
    ids = mark.get_attribute("data-ids").split()
    for _ in ids:  # clicks cycle through the annotations under the spot
        mark.click()
        if alice.page.locator("#annotation-list .selected").get_attribute("data-id") == str(last["id"]):
            break
    expect(alice.card(last["id"])).to_have_class(SELECTED)
    expect(alice.card(last["id"])).to_be_in_viewport()


def test_card_far_down_brings_its_highlight_into_view(live_server, open_page, long_article):
    """Regression: a smooth scroll over paragraphs not yet laid out ended off target."""
    article_id, rows = long_article
    alice = open_page("alice", article_id)
    last = max(rows, key=lambda row: row["start"])
    alice.page.goto(f"{live_server.url}/articles/{article_id}#annotation-{last['id']}")
    alice.wait_ready()
    expect(alice.card(last["id"])).to_have_class(SELECTED)
    expect(alice.mark_locator(last["id"]).first).to_be_in_viewport()
    # The list drew a window around that card: scrolling up draws the earlier pages.
    scroll_list_until_drawn(alice, rows[0]["id"], to_end=False)
    alice.card(rows[0]["id"]).locator("blockquote.quote").click()
    expect(alice.mark_locator(rows[0]["id"]).first).to_be_in_viewport()


def test_a_draft_that_comes_and_goes_leaves_the_text_as_drawn(live_server, open_page, long_article):
    """Only the paragraphs around the draft are redrawn: what is left must be what a full drawing makes."""
    article_id, rows = long_article
    alice = open_page("alice", article_id)
    shape = """() => [...document.querySelectorAll('#article-text > .paragraph')].map((p) =>
        [...p.childNodes].map((n) => [n.textContent, n.nodeType === 1 ? n.className + '|' + n.dataset.ids : '']))"""
    before = alice.page.evaluate(shape)
    # Over the first annotation's words and a little more, so that it overlaps.
    quote = rows[0]["exact"] + " " + live_server.text(article_id)[rows[0]["end"] + 1:].split(" ")[0]
    alice.select_text(quote)
    for row in rows[:5]:
        alice.assert_highlighted(annotations_model.to_json(row))
    assert alice.text_content() == live_server.text(article_id)
    alice.page.keyboard.press("Escape")
    expect(alice.editor).to_be_hidden()
    alice.expect_draft(None)
    assert alice.page.evaluate(shape) == before


def test_an_orphan_is_reachable_without_drawing_the_whole_list(live_server, open_page, long_article):
    """Regression: orphans were listed after every card, and #annotation-N of one did nothing."""
    article_id, rows = long_article
    ends = sorted(rows, key=lambda row: row["end"])[-6:]  # the last three pairs
    with live_server.app.app_context():
        db = get_db()
        article = get_article(db, article_id)
        user = next(db["users"].rows_where("username = ?", ["alice"]))
        db.execute("UPDATE users SET role = 'editor' WHERE id = ?", [user["id"]])
        user = next(db["users"].rows_where("id = ?", [user["id"]]))
        text = article["text"]
        edit_text(db, article, text[:min(r["start"] for r in ends)] + "gone." + text[ends[-1]["end"]:], user)
    alice = open_page("alice", article_id)
    lost = [a for a in alice.api_annotations() if a["orphaned"]][-1]
    orphan = alice.page.locator(f'#orphan-list li[data-id="{lost["id"]}"]')
    expect(orphan.locator("blockquote")).to_have_text(lost["exact"])
    expect(orphan).to_be_in_viewport()
    assert alice.cards.count() < COUNT - 1  # the list is not drawn to its end for it
    alice.page.evaluate("() => document.querySelector('.sidebar').scrollTo(0, 5000)")
    expect(orphan).not_to_be_in_viewport()
    alice.page.evaluate(f"() => {{ window.location.hash = '#annotation-{lost['id']}'; }}")
    expect(orphan).to_have_class(SELECTED)
    expect(orphan).to_be_in_viewport()
    expect(alice.page.locator(".sidebar .annotation-card.selected")).to_have_count(1)


def scroll_list_until_drawn(alice, annotation_id, to_end):
    """Scroll the card list to its end (or its start) until the card of
    ``annotation_id`` is drawn, a page of cards at a time."""
    for _ in range(COUNT):
        if alice.card(annotation_id).count():
            return
        alice.page.evaluate(f"() => document.querySelector('.sidebar').scrollTo(0, {'1e9' if to_end else 0})")
        alice.page.wait_for_timeout(50)


def in_list_order(rows):
    return [row["id"] for row in sorted(rows, key=lambda row: (row["start"], row["end"], row["id"]))]


def test_the_list_stays_a_window_after_scrolling_saving_and_filtering(live_server, open_page, long_article):
    """Regression: scrolled to its end, the list kept every card, and then each save or filter redrew them all."""
    article_id, rows = long_article
    alice = open_page("alice", article_id)
    last = in_list_order(rows)[-1]
    scroll_list_until_drawn(alice, last, to_end=True)
    expect(alice.card(last)).to_be_attached()
    assert alice.cards.count() <= MAX_CARDS
    # A new claim past the last one: saved, drawn, selected, and the list is still a window.
    text = live_server.text(article_id)
    word = text.rsplit(" ", 2)[1]
    alice.select_text(word)
    alice.fill_claim("true")
    alice.save()
    [new] = [a["id"] for a in alice.api_annotations() if a["exact"] == word]
    expect(alice.card(new)).to_have_class(SELECTED)
    expect(alice.card(new)).to_be_in_viewport()
    assert alice.cards.count() <= MAX_CARDS
    # Showing only alice's: the window is drawn anew, small, and keeps the selected card.
    alice.page.locator("#author-filter").select_option("mine")
    expect(alice.page.locator("#annotation-count")).to_have_text(f"{COUNT // 2 + 1} claims, 0 corrections")
    expect(alice.card(new)).to_have_class(SELECTED)
    assert alice.cards.count() <= MAX_CARDS
    # Everyone again: scrolling up still reaches the first card.
    alice.page.locator("#author-filter").select_option("all")
    first = in_list_order(rows)[0]
    scroll_list_until_drawn(alice, first, to_end=False)
    expect(alice.card(first)).to_be_attached()
    assert alice.cards.count() <= MAX_CARDS


def test_tab_goes_on_across_the_edge_of_the_drawn_cards(live_server, open_page, long_article):
    """The next page of cards is drawn before Tab reaches the last drawn one."""
    article_id, rows = long_article
    alice = open_page("alice", article_id)
    order = in_list_order(rows)
    assert alice.cards.count() == 100 and alice.card(order[100]).count() == 0
    alice.card(order[97]).focus()
    focused_card = "() => { const c = document.activeElement.closest('#annotation-list > .annotation-card'); return c ? Number(c.dataset.id) : null; }"
    reached = order.index(order[97])
    for _ in range(100):
        alice.page.keyboard.press("Tab")
        expect(alice.page.locator(":focus")).to_be_in_viewport()
        at = order.index(alice.page.evaluate(focused_card))  # fails if the focus left the list
        assert at in (reached, reached + 1), (at, reached)
        reached = at
        if reached == 103:
            break
    assert reached == 103


@pytest.fixture
def many_orphans(live_server, long_article):
    """(article id, [annotations in API shape]) after an edit that cut the
    first third of the long article: more than a page of orphans."""
    article_id, _ = long_article
    with live_server.app.app_context():
        db = get_db()
        article = get_article(db, article_id)
        db.execute("UPDATE users SET role = 'editor' WHERE username = 'alice'")
        user = next(db["users"].rows_where("username = ?", ["alice"]))
        text = article["text"]
        cut = text.index("\n\n", len(text) // 3)
        edit_text(db, article, text[cut + 2:], user)
        listed = [annotations_model.to_json(row) for row in annotations_model.list_annotations(db, article_id)]
    assert sum(a["orphaned"] for a in listed) > 100
    return article_id, listed


def test_a_save_below_many_orphans_keeps_the_new_card_in_view(live_server, open_page, many_orphans):
    """Regression: with over a page of orphans listed above the cards, a save
    redrew the orphans after the cards had been put back in place, so the
    list jumped to unrelated cards and the new one was out of view."""
    article_id, listed = many_orphans
    alice = open_page("alice", article_id)
    last = max((a for a in listed if not a["orphaned"]), key=lambda a: (a["start"], a["end"], a["id"]))
    alice.page.evaluate(f"() => {{ window.location.hash = '#annotation-{last['id']}'; }}")
    expect(alice.card(last["id"])).to_be_in_viewport()
    word = live_server.text(article_id).rsplit(" ", 2)[1]
    alice.select_text(word)
    alice.fill_claim("true")
    alice.save()
    [new] = [a["id"] for a in alice.api_annotations() if a["exact"] == word]
    expect(alice.card(new)).to_have_class(SELECTED)
    expect(alice.card(new)).to_be_in_viewport()


def test_a_link_to_the_first_card_below_many_orphans_shows_it(live_server, open_page, many_orphans):
    """Regression (fresh tester): #annotation-N of the first card, on a fresh
    load, selected it but left it far below the view, under the orphans."""
    article_id, listed = many_orphans
    alice = open_page("alice", article_id)
    first = min((a for a in listed if not a["orphaned"]), key=lambda a: (a["start"], a["end"], a["id"]))
    alice.page.goto(f"{live_server.url}/articles/{article_id}#annotation-{first['id']}")
    alice.page.reload()
    alice.wait_ready()
    expect(alice.card(first["id"])).to_have_class(SELECTED)
    expect(alice.card(first["id"])).to_be_in_viewport()
