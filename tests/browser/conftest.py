"""Browser tests: a live server with a fresh database per test, Debian's
Chromium driven by Playwright (sync API), and helpers that log in through the
real form and select article text with real mouse events.

Run with ``python3 -m pytest tests/browser -q``. Needs ``/usr/bin/chromium``
(``apt-get install -y chromium``); Playwright's own browser downloads are never
used.
"""

import os
import re
import socket
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from annotator import annotations as annotations_model
from annotator.articles import get_article
from annotator.auth import create_user
from annotator.db import connect, get_db
from annotator.demo import DEMO_TITLE
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
#: Milliseconds any single wait may take before the test fails.
TIMEOUT_MS = 5_000

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


# ---------------------------------------------------------------- live server


class _Serving:
    """The app served by werkzeug in a thread on 127.0.0.1, which can be
    stopped (listening socket and open keep-alive connections closed, as when
    the process dies) and started again on the same port."""

    def __init__(self, app, port=0):
        self.app = app
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self.server.server_port
        self.connections = set()
        accept = self.server.get_request

        def get_request():  # noted, so that stop() can cut them
            connection, address = accept()
            self.connections.add(connection)
            return connection, address

        self.server.get_request = get_request
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
        )
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()
        for connection in self.connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its handler
        self.connections.clear()


class LiveServer:
    """The running app: its URL, seeded ids, and direct access to its database."""

    def __init__(self, app, url, users, demo_id, emoji_id, serving=None):
        self.app = app
        self.url = url
        self.users = users  # username -> id
        self.demo_id = demo_id
        self.emoji_id = emoji_id
        self.serving = serving

    def stop(self):
        """Stop serving, mid-test: requests now fail as with a server that is down."""
        self.serving.stop()

    def start(self):
        """Serve again on the same port (and URL) after stop()."""
        self.serving = _Serving(self.app, self.serving.port)

    def db(self):
        """A connection of the test's own (close it when done)."""
        return connect(self.app.config["DATABASE"])

    def text(self, article_id):
        """The stored (canonical) article text, a Python str."""
        db = self.db()
        try:
            return get_article(db, article_id)["text"]
        finally:
            db.close()

    def stored(self, article_id):
        """The article's annotations straight from the database, in API shape."""
        db = self.db()
        try:
            return [annotations_model.to_json(r) for r in annotations_model.list_annotations(db, article_id)]
        finally:
            db.close()

    def add_user(self, username, role="reviewer"):
        """Create a user (password PASSWORD) who can then log in."""
        db = self.db()
        try:
            self.users[username] = create_user(db, username, PASSWORD, role)
        finally:
            db.close()

    def add_annotation(self, username, article_id, quote, kind="claim", occurrence=0, **fields):
        """Store an annotation on the `occurrence`-th `quote` (found with Python's
        str.index, so in code points) as `username`; returns its id."""
        with self.app.app_context():
            db = get_db()
            article = get_article(db, article_id)
            author = next(db["users"].rows_where("username = ?", [username]))
            start = -1
            for _ in range(occurrence + 1):
                start = article["text"].index(quote, start + 1)
            data = {"kind": kind, "start": start, "end": start + len(quote), "exact": quote}
            if kind == "claim":
                data["verdict"] = "false"
            else:
                data.update(correction_type="typo", correction="")
            data.update(fields)
            return annotations_model.create_annotation(db, article, author, data)["id"]


@pytest.fixture
def live_server(app):
    """The test app (tests/conftest.py: users alice and bob, the demo article
    and the emoji article, in a fresh database) on a free port of 127.0.0.1.
    Stopped after the test."""
    db = connect(app.config["DATABASE"])
    users = {row["username"]: row["id"] for row in db["users"].rows}
    demo_id = next(db["articles"].rows_where("title = ?", [DEMO_TITLE]))["id"]
    emoji_id = next(db["articles"].rows_where("title = 'Emoji'"))["id"]
    db.close()
    serving = _Serving(app)
    live = LiveServer(app, f"http://127.0.0.1:{serving.port}", users, demo_id, emoji_id, serving)
    try:
        yield live
    finally:
        live.serving.stop()


# ---------------------------------------------------------------- browser


class _Browser:
    """One Chromium for the whole session, launched on first use (inside a
    test, so a missing Chromium FAILS that test rather than erroring or
    skipping it)."""

    def __init__(self):
        self._playwright = None
        self._browser = None

    def get(self):
        if self._browser is None:
            if not os.access(CHROMIUM, os.X_OK):
                pytest.fail(
                    f"The browser tests need Debian's Chromium at {CHROMIUM}, which is missing. "
                    "Install it with: apt-get install -y chromium",
                    pytrace=False,
                )
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        return self._browser

    def close(self):
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


@pytest.fixture(scope="session")
def _browser():
    holder = _Browser()
    yield holder
    holder.close()


# JS run in the page: the viewport coordinates of the first and last characters
# of the UTF-16 span [start, end) of #article-text, found with a Range of our
# own (not the app's offsets.js). Scrolls the start into view first and waits
# until the layout stops moving (a smooth scroll the app started, say).
_SPAN_EDGES_JS = r"""
async ([start, end]) => {
  const root = document.getElementById('article-text');
  const text = root.textContent;
  if (!(0 <= start && start < end && end <= text.length)) {
    throw new Error(`bad span [${start}, ${end}) for a text of ${text.length} units`);
  }
  const isHigh = (i) => { const c = text.charCodeAt(i); return c >= 0xd800 && c <= 0xdbff; };
  const isLow = (i) => { const c = text.charCodeAt(i); return c >= 0xdc00 && c <= 0xdfff; };
  // The DOM point at a UTF-16 offset: inside the text node holding the unit at
  // `units` (forward), or at the end of the node holding the unit before it.
  function point(units, forward) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let seen = 0;
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const len = node.data.length;
      if (forward ? units < seen + len : units <= seen + len) return [node, units - seen];
      seen += len;
    }
    throw new Error(`offset ${units} is past the text`);
  }
  function charRect(from, to) {
    const range = document.createRange();
    range.setStart(...point(from, true));
    range.setEnd(...point(to, false));
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    const r = rects.length ? rects[0] : range.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height };
  }
  const firstEnd = isHigh(start) && start + 1 < end ? start + 2 : start + 1;
  const lastStart = isLow(end - 1) && end - 2 >= start ? end - 2 : end - 1;
  const edges = () => ({ first: charRect(start, firstEnd), last: charRect(lastStart, end) });
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

  const top = edges().first.top;
  window.scrollTo({ top: window.scrollY + top - window.innerHeight / 4, behavior: 'instant' });
  let before = JSON.stringify(edges());
  for (let i = 0; i < 200; i++) {
    await frame();
    await frame();
    const now = JSON.stringify(edges());
    if (now === before) return { ...JSON.parse(now), viewportHeight: window.innerHeight };
    before = now;
  }
  throw new Error('the article text kept moving');
}
"""

_MARKS_JS = r"""
(id) => {
  const root = document.getElementById('article-text');
  const marks = [...root.querySelectorAll('mark.hl')].filter((m) => m.dataset.ids.split(' ').includes(String(id)));
  const offsetOf = (node) => { const r = document.createRange(); r.setStart(root, 0); r.setEndBefore(node); return r.toString().length; };
  return marks.map((m) => ({ text: m.textContent, offset: offsetOf(m), classes: [...m.classList], hl: m.style.getPropertyValue('--hl') }));
}
"""


class ArticlePage:
    """One browser context (one user's session) on the live server."""

    def __init__(self, context, server):
        self.context = context
        self.server = server
        self.page = context.new_page()
        self.page_errors = []
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.article_id = None

    # -- navigation

    def login(self, username, password=PASSWORD):
        """Log in through the real login form."""
        page = self.page
        page.goto(self.server.url + "/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("main form button[type=submit]")
        expect(page.locator(".user-badge")).to_have_text(username)
        expect(page).not_to_have_url(re.compile(r"/login"))
        return self

    def open(self, article_id):
        """Go to an article and wait until its annotations are loaded."""
        self.article_id = article_id
        self.page.goto(f"{self.server.url}/articles/{article_id}")
        self.wait_ready()
        return self

    def wait_ready(self):
        self.page.wait_for_selector("#article-text[data-ready]", state="attached")

    def reload(self):
        self.page.reload()
        self.wait_ready()

    # -- selecting text with the mouse

    def find(self, needle, occurrence=0):
        """UTF-16 [start, end) of the `occurrence`-th `needle` in #article-text's
        textContent, found with JS indexOf."""
        span = self.page.evaluate(
            """([needle, occurrence]) => {
                 const text = document.getElementById('article-text').textContent;
                 let at = -1;
                 for (let i = 0; i <= occurrence; i++) { at = text.indexOf(needle, at + 1); if (at < 0) return null; }
                 return [at, at + needle.length];
               }""",
            [needle, occurrence],
        )
        assert span is not None, f"{needle!r} is not in the article text"
        return tuple(span)

    def span_edges(self, start, end):
        return self.page.evaluate(_SPAN_EDGES_JS, [start, end])

    def visible_edges(self, start, end):
        """Rects (first character, last character) of the UTF-16 span [start, end),
        scrolled into view; fails the test if either is invisible or off screen."""
        self.wait_ready()
        edges = self.span_edges(start, end)
        first, last = edges["first"], edges["last"]
        for name, rect in (("first", first), ("last", last)):
            assert rect["width"] > 2, f"the {name} character of [{start}, {end}) has no width on screen: {rect}"
            assert 0 <= rect["top"] and rect["bottom"] <= edges["viewportHeight"], (
                f"the {name} character of [{start}, {end}) is outside the viewport: {rect}"
            )
        return first, last

    def drag_select(self, start, end, steps=12):
        """Select the UTF-16 span [start, end) of #article-text with real mouse
        events: press 1px inside the left edge of its first character, at its
        vertical middle, drag in steps to 1px inside the right edge of its last
        character, release."""
        first, last = self.visible_edges(start, end)
        # The page redraws the text once the editor opens (which drops the
        # browser's selection), so note what was selected as the button rises.
        self.page.evaluate("""() => window.addEventListener('mouseup', () => {
            window.__selectedAtMouseUp = window.getSelection().toString();
        }, { capture: true, once: true })""")
        mouse = self.page.mouse
        mouse.move(first["left"] + 1, first["top"] + first["height"] / 2)
        mouse.down()
        mouse.move(last["right"] - 1, last["top"] + last["height"] / 2, steps=steps)
        mouse.up()
        return self.page.evaluate("() => window.__selectedAtMouseUp")

    def select_text(self, needle, occurrence=0):
        """Drag over `needle` in the article and wait for the editor to show it
        and the text to show it as the draft highlight."""
        start, end = self.find(needle, occurrence)
        selected = self.drag_select(start, end)
        assert selected == needle, f"the drag selected {selected!r}, not {needle!r}"
        expect(self.editor).to_be_visible()
        expect(self.page.locator("#editor-quote")).to_have_text(needle)
        self.expect_draft(needle)

    def expect_draft(self, quote):
        """The span being annotated is drawn as dashed 'draft' marks (or, with
        quote None, there are none)."""
        drafts = self.page.locator("#article-text mark.hl-draft")
        if quote is None:
            expect(drafts).to_have_count(0)
        else:
            expect(drafts).not_to_have_count(0)
            assert "".join(drafts.all_text_contents()) == quote

    # -- the editor

    @property
    def editor(self):
        return self.page.locator("#editor")

    @property
    def form(self):
        return self.page.locator("#annotation-form")

    @property
    def save_button(self):
        return self.form.locator("button[type=submit]")

    def choose_kind(self, kind):
        """Click the Claim / Correction switch (the label; its radio is hidden)."""
        self.page.locator(".kind-switch label").filter(has=self.page.locator(f"input[value={kind}]")).click()
        expect(self.editor).to_have_attribute("data-kind", kind)

    def fill_claim(self, verdict, rationale="", sources=()):
        self.choose_kind("claim")
        self.form.locator("select[name=verdict]").select_option(verdict)
        self.form.locator("textarea[name=rationale]").fill(rationale)
        self.form.locator("textarea[name=sources]").fill("\n".join(sources))

    def fill_correction(self, correction_type, correction, rationale=""):
        self.choose_kind("correction")
        self.form.locator("select[name=correction_type]").select_option(correction_type)
        self.form.locator("textarea[name=correction]").fill(correction)
        self.form.locator("textarea[name=rationale]").fill(rationale)

    def save(self):
        """Click Save and wait until the editor closes (saved)."""
        self.save_button.click()
        expect(self.page.locator("#editor-error")).to_have_text("")
        expect(self.editor).to_be_hidden()

    # -- what the page shows

    @property
    def cards(self):
        return self.page.locator("#annotation-list > li.annotation-card")

    def card(self, annotation_id):
        return self.page.locator(f'#annotation-list > li.annotation-card[data-id="{annotation_id}"]')

    def card_ids(self):
        return [int(i) for i in self.cards.evaluate_all("cards => cards.map((c) => c.dataset.id)")]

    def marks(self, annotation_id):
        """The highlight marks of one annotation, in document order: text, UTF-16
        offset into the article text, classes and --hl colour of each."""
        return self.page.evaluate(_MARKS_JS, annotation_id)

    def mark_locator(self, annotation_id):
        return self.page.locator(f'#article-text mark.hl[data-ids~="{annotation_id}"]')

    @property
    def saved_marks(self):
        """Marks of saved annotations (not the draft's own)."""
        return self.page.locator('#article-text mark.hl:not([data-ids=""])')

    def assert_highlighted(self, annotation):
        """The marks of `annotation` (API shape) cover exactly its span."""
        text = self.server.text(annotation["article_id"])
        marks = self.marks(annotation["id"])
        assert marks, f"annotation {annotation['id']} has no highlight"
        assert "".join(m["text"] for m in marks) == annotation["exact"]
        assert marks[0]["offset"] == utf16_len(text[: annotation["start"]])
        # contiguous: each mark starts where the previous one ended
        for a, b in zip(marks, marks[1:]):
            assert b["offset"] == a["offset"] + len(a["text"].encode("utf-16-le")) // 2

    def text_content(self):
        return self.page.evaluate("() => document.getElementById('article-text').textContent")

    # -- the API, with this session's cookies

    def csrf_token(self):
        return self.page.get_attribute('meta[name="csrf-token"]', "content")

    def api_get(self, path):
        response = self.page.request.get(self.server.url + path)
        assert response.ok, f"GET {path}: {response.status} {response.text()}"
        return response.json()

    def api_annotations(self, article_id=None):
        return self.api_get(f"/api/articles/{article_id or self.article_id}/annotations")

    def api_send(self, method, path, data=None):
        """PATCH/POST/DELETE with the page's CSRF token; returns the response."""
        headers = {"X-CSRFToken": self.csrf_token(), "Accept": "application/json"}
        return self.page.request.fetch(self.server.url + path, method=method, headers=headers, data=data)


@pytest.fixture
def open_page(live_server, _browser):
    """open_page(username, article_id=None) -> ArticlePage: a new browser
    context, logged in as `username` through the login form, optionally on an
    article. Contexts are closed after the test; an uncaught error in a page's
    scripts fails the test."""
    opened = []

    def open_(username, article_id=None):
        context = _browser.get().new_context(viewport=VIEWPORT, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        article_page = ArticlePage(context, live_server)
        opened.append(article_page)
        article_page.login(username)
        if article_id is not None:
            article_page.open(article_id)
        return article_page

    yield open_
    errors = [e for p in opened for e in p.page_errors]
    for p in opened:
        p.context.close()
    if errors:
        pytest.fail("Uncaught errors in the page: " + "; ".join(errors), pytrace=False)


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
