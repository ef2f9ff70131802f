"""Long and right-to-left names keep every page inside the window and keep
their own direction (data: tests/long_names.py)."""

import re

import pytest
from playwright.sync_api import expect

from tests import long_names
from tests.long_names import ARABIC_COMMENT, HEBREW_RATIONALE, LONG_ADMIN, LONG_VERDICT, OVERRIDE

PAGES = ["/", "/review", "/dashboard", "/articles/{a}", "/articles/{a}/dashboard", "/articles/{a}/conflicts",
         "/articles/{a}/deleted", "/admin/users"]

# Boxes whose right edge must stay inside the window: the top bar's parts and
# every card, list item and table box the long names are drawn in.
BOXES = ("header > *, main, .card, .annotation-card, .review, .queue-item, .chart-card, .judgement-column, "
         ".timeline .event, .table-wrap")
OVERFLOWING = f"""() => {{
    const width = window.innerWidth;
    const found = [];
    if (document.documentElement.scrollWidth > width) found.push(`the page is ${{document.documentElement.scrollWidth}}px wide`);
    for (const e of document.querySelectorAll('{BOXES}')) {{
      const r = e.getBoundingClientRect();
      if (r.width && r.right > width + 0.5) found.push(`${{e.tagName.toLowerCase()}}.${{[...e.classList].join('.')}} ends at ${{r.right}}px`);
    }}
    return found;
}}"""
# Tables that scroll inside their box instead of showing every column.
SCROLLING_TABLES = """() => [...document.querySelectorAll('.table-wrap')]
    .filter((w) => w.scrollWidth > w.clientWidth + 1)
    .map((w) => `${w.querySelector("table").className}: ${w.scrollWidth} > ${w.clientWidth}`)"""


@pytest.fixture
def ids(live_server):
    return long_names.seed(live_server.app, live_server.demo_id)


def visit(page, url):
    """Go to `url` and wait until its script, if any, has drawn the page."""
    page.goto(url)
    if "/review" in url:
        page.wait_for_selector(".queue-item")
    elif re.search(r"/articles/\d+$", url):
        page.wait_for_selector("#article-text[data-ready]", state="attached")
    page.wait_for_load_state()


@pytest.mark.parametrize("width", [360, 1400])
def test_no_page_runs_off_the_side_with_long_names(live_server, open_page, ids, width):
    """Regression: an 80-character name pushed the admin's buttons, the review
    cards and the queue off screen, a 43-character verdict label was drawn
    outside its chart, and at 400 px the Admin link was off the page."""
    admin = open_page(LONG_ADMIN)
    page = admin.page
    page.set_viewport_size({"width": width, "height": 900})
    for path in PAGES:
        visit(page, live_server.url + path.format(a=live_server.demo_id))
        if path == "/articles/{a}":
            for key in ("long", "hebrew"):  # open the review threads, long names and all
                card = admin.card(ids[key])
                card.locator("button.reviews").click()
                expect(card.locator(".thread li")).not_to_have_count(0)
        assert page.evaluate(OVERFLOWING) == [], f"{path} runs off the side at {width} px"
        if width == 1400:
            assert page.evaluate(SCROLLING_TABLES) == [], f"a table on {path} hides columns at {width} px"
        expect(page.locator(".user-badge")).to_have_text(LONG_ADMIN)  # whole, though it shows shortened
        assert page.locator("header form button").is_visible()  # Log out stays reachable


def test_the_admin_link_fits_a_phone(live_server, open_page, ids):
    admin = open_page(LONG_ADMIN)
    page = admin.page
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/")
    link = page.locator(".topnav a", has_text="Admin")
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= 360
    link.click()
    expect(page).to_have_url(live_server.url + "/admin/users")
    expect(page.locator("h1")).to_have_text("Users")


def test_a_long_verdict_label_stays_in_its_chart(live_server, open_page, ids):
    page = open_page(LONG_ADMIN).page
    page.goto(f"{live_server.url}/articles/{live_server.demo_id}/dashboard")
    chart = page.locator("#verdict-chart")
    card = chart.locator("xpath=ancestor::section[contains(@class, 'chart-card')]").bounding_box()
    for label in chart.locator(".bar-label").all():
        box = label.bounding_box()
        assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"], label.text_content()
    bar = chart.locator(f'g.bar[data-name="{LONG_VERDICT[0]}"]')
    expect(bar.locator(".bar-label")).to_have_text(re.compile("^Partly true.*…$"))
    assert bar.locator("title").text_content().startswith(LONG_VERDICT[1] + ": 1 of")


def test_deleted_rows_keep_their_actions_in_line(live_server, open_page, ids):
    """Regression: the actions cell was a flex box, so its bottom border sat
    above or below the rest of its row's."""
    page = open_page(LONG_ADMIN).page
    page.goto(f"{live_server.url}/articles/{live_server.demo_id}/deleted")
    rows = page.locator(".deleted-list tbody tr")
    expect(rows).to_have_count(2)
    for row in rows.all():
        edges = row.evaluate("""(tr) => [tr, ...tr.cells].map((e) => {
            const r = e.getBoundingClientRect(); return [Math.round(r.top), Math.round(r.bottom)]; })""")
        assert all(cell == edges[0] for cell in edges[1:]), edges
    restore = rows.first.get_by_role("button", name="Restore")
    restore.click()
    expect(rows).to_have_count(1)


# The left edges of a text's final full stop and of the character before it:
# a right-to-left paragraph puts the stop on the left, a left-to-right one on
# the right.
_FULL_STOP = """(el) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let node = null;
    while (walker.nextNode()) if (walker.currentNode.data.includes('.')) node = walker.currentNode;
    const at = node.data.lastIndexOf('.');
    const left = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                          return r.getBoundingClientRect().left; };
    return { stop: left(at), before: left(at - 1) };
}"""

# Where the words after a name start, against where the name ends: an override
# in the name that leaks flips them to its left.
_AFTER_NAME = """([name, after]) => {
    const n = [...name.getClientRects()].pop(), a = after.getClientRects()[0];
    return { nameRight: n.right, nameBottom: n.bottom, afterLeft: a.left, afterTop: a.top };
}"""


def assert_after(page, name, after):
    """`after` (a locator) is drawn after `name` (a locator) in reading order."""
    edges = page.evaluate(_AFTER_NAME, [name.element_handle(), after.element_handle()])
    assert edges["afterTop"] >= edges["nameBottom"] - 1 or edges["afterLeft"] >= edges["nameRight"] - 1, edges


def test_right_to_left_texts_and_names_keep_their_direction(live_server, open_page, ids):
    admin = open_page(LONG_ADMIN, live_server.demo_id)
    page = admin.page

    # On the article page (cards built by article.js, isolated by the CSS):
    card = admin.card(ids["long"])
    card.locator("button.reviews").click()
    comment = card.locator(".review-comment", has_text=ARABIC_COMMENT)
    expect(comment).to_be_visible()
    dots = comment.evaluate(_FULL_STOP)
    assert dots["stop"] < dots["before"], "the Arabic comment is laid out left to right"
    hebrew_card = admin.card(ids["hebrew"])
    hebrew_card.locator("button.reviews").click()
    thread_item = hebrew_card.locator(".thread li", has_text="no, 48 (not 72)")
    assert_after(page, thread_item.locator("strong"), thread_item.locator("strong + span"))
    expect(thread_item.locator("strong")).to_have_text(OVERRIDE)

    # On pages the server renders (dir="auto" and isolating spans):
    page.goto(f"{live_server.url}/annotations/{ids['hebrew']}")
    rationale = page.locator("dd.rationale")
    expect(rationale).to_have_text(HEBREW_RATIONALE)
    dots = rationale.evaluate(_FULL_STOP)
    assert dots["stop"] < dots["before"], "the Hebrew rationale is laid out left to right"
    page.goto(f"{live_server.url}/articles/{live_server.demo_id}/conflicts")
    who = page.locator(".judgement .who").filter(has=page.locator(".person", has_text="mallory")).first
    assert_after(page, who.locator("strong"), who.locator("strong + .muted"))
    assert who.locator(".person").first.get_attribute("title") == OVERRIDE
