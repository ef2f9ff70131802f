"""Pages fit their window: nothing runs off the side on a phone or with long titles."""

import pytest

from annotator.articles import create_article
from annotator.db import connect

# Boxes whose right edge must stay inside the window (text inside them may be
# clipped with an ellipsis; the boxes themselves must not overflow).
BOXES = "header, main, h1, .page-head, .reader, .sidebar, .list-head, .annotation-card, .card-head, table, .card"
OVERFLOWING = f"""() => [document.documentElement, ...document.querySelectorAll('{BOXES}')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 || e.scrollWidth > e.clientWidth + 1)
    .map((e) => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'))"""


@pytest.mark.parametrize("width", [400, 1400])
def test_no_sideways_scrolling(live_server, open_page, width):
    """Regression: at 400 px the top bar, the article list and the cards ran off screen."""
    db = connect(live_server.app.config["DATABASE"])
    long_title = "Unbroken" * 37  # 296 characters without a space
    article_id = create_article(db, long_title, "Body with a https://example.com/" + "very-long-path/" * 20 + " link.")
    db.close()
    live_server.add_annotation("bob", live_server.demo_id, "no fiends", sources=["https://example.com/" + "x" * 300])
    alice = open_page("alice")
    alice.page.set_viewport_size({"width": width, "height": 900})
    for path in ("/", f"/articles/{live_server.demo_id}", f"/articles/{article_id}", "/articles/new"):
        alice.page.goto(live_server.url + path)
        alice.page.wait_for_load_state()
        assert alice.page.evaluate(OVERFLOWING) == [], f"{path} runs off the side at {width} px"
        assert alice.page.locator("header form button").is_visible()  # Log out stays reachable
