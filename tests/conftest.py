import http.server
import re
import threading

import pytest

from annotator import create_app
from annotator.articles import create_article
from annotator.auth import create_user
from annotator.db import connect, get_db, init_db
from annotator.demo import DEMO_TITLE, demo_text

PASSWORD = "correct horse battery"
EMOJI_TEXT = 'Fact 👍 check: the café said "hi"\n\nSecond 🇻🇪 paragraph.'


@pytest.fixture
def app(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "test.sqlite3"), "SECRET_KEY": "test-only"})
    with app.app_context():
        db = get_db()
        init_db(db)
        create_user(db, "alice", PASSWORD)
        create_user(db, "bob", PASSWORD)
        create_article(db, DEMO_TITLE, demo_text(), "https://example.org/venezuela")
        create_article(db, "Emoji", EMOJI_TEXT)
    return app


@pytest.fixture
def db(app):
    """A connection of the test's own, apart from the requests' ones."""
    conn = connect(app.config["DATABASE"])
    yield conn
    conn.close()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Session:
    """A logged-in (or not) browser-like client that sends the CSRF token."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path="/login"):
        html = self.client.get(path, follow_redirects=True).get_data(as_text=True)
        return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)

    def login(self, username="alice", password=PASSWORD):
        token = self.csrf_token()
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def api(self, method, path, json=None, token=None):
        headers = {"X-CSRFToken": token if token is not None else self.csrf_token()}
        return self.client.open(path, method=method, json=json, headers=headers)


@pytest.fixture
def alice(app):
    session = Session(app.test_client())
    session.login("alice")
    return session


@pytest.fixture
def bob(app):
    session = Session(app.test_client())
    session.login("bob")
    return session


def new_session(app, db, username, role):
    """A logged-in session of a new user ``username`` with ``role``."""
    create_user(db, username, PASSWORD, role=role)
    session = Session(app.test_client())
    session.login(username)
    return session


@pytest.fixture
def editor(app, db):
    """A logged-in session of erin, an editor."""
    return new_session(app, db, "erin", "editor")


@pytest.fixture
def admin(app, db):
    """A logged-in session of ada, the only admin."""
    return new_session(app, db, "ada", "admin")


@pytest.fixture
def anonymous(app):
    return Session(app.test_client())


def claim(text, quote, verdict="false", occurrence=0, **extra):
    """The JSON body for a claim on the `occurrence`-th `quote` in `text`."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return {"kind": "claim", "start": start, "end": start + len(quote), "exact": quote, "verdict": verdict, **extra}


ARTICLE_PAGE = (
    "<html><head><title>Port strike ends</title><meta name='author' content='Lee Chan'>"
    "<meta property='article:published_time' content='2026-11-02T08:00:00Z'></head><body><nav>Menu</nav>"
    "<article><p>Dock workers ended a nine-day strike on Monday after the port authority agreed to a 6% rise, "
    "the union said in a statement read outside the main gate.</p><p>Shipping lines said it would take two "
    "weeks to clear the backlog of more than 300 containers waiting on the quays.</p></article>"
    "<footer>Subscribe</footer></body></html>"
).encode("utf-8")


@pytest.fixture
def page_server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(ARTICLE_PAGE)))
            self.end_headers()
            self.wfile.write(ARTICLE_PAGE)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/story"
    server.shutdown()
    server.server_close()
