"""Who may do what, route by route.

Every route of the app is in MATRIX (a test fails when a new route is not),
with what each kind of person gets. A refusal (401, the login redirect, 403)
must also leave every table exactly as it was.

The people: anonymous; bob, a reviewer and the author of annotation 1 (and
of annotation 2, which he deleted); alice, another reviewer; erin, an
editor; ada, an admin.
"""

import io
import shutil
from dataclasses import dataclass, field

import pytest

from annotator import annotations, create_app
from annotator.articles import create_article, get_article
from annotator.auth import create_user, set_active
from annotator.db import connect, get_db, init_db
from annotator.demo import DEMO_TITLE, demo_text
from tests.conftest import PASSWORD, Session, claim

PEOPLE = {"author": "bob", "reviewer": "alice", "editor": "erin", "admin": "ada"}
ROLES = ("anonymous", *PEOPLE)
LOGGED_IN = {role: "ok" for role in PEOPLE}
EDITORS = {"author": 403, "reviewer": 403, "editor": "ok", "admin": "ok"}
ADMINS = {"author": 403, "reviewer": 403, "editor": 403, "admin": "ok"}
AUTHOR_ONLY = {"author": "ok", "reviewer": 403, "editor": 403, "admin": 403}
NOT_THE_AUTHOR = {"author": 403, "reviewer": "ok", "editor": "ok", "admin": "ok"}
AUTHOR_OR_EDITOR = {"author": "ok", "reviewer": 403, "editor": "ok", "admin": "ok"}

#: Open to everyone: logging in and out, the static files, and the health
#: check (which shows no data; see test_reliability).
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/static/<path:filename>"),
          ("GET", "/healthz")}


@dataclass
class Route:
    method: str
    rule: str  # as in app.url_map
    path: str  # with the world's ids filled in
    expect: dict  # role -> "ok" (2xx, or a redirect that is not to the login page) or a status
    json: object = None
    form: dict = field(default=None)


MATRIX = [
    Route("GET", "/", "/", LOGGED_IN),
    Route("GET", "/articles/<id:article_id>", "/articles/1", LOGGED_IN),
    Route("GET", "/articles/new", "/articles/new", EDITORS),
    Route("POST", "/articles/new", "/articles/new", EDITORS, form={"title": "New", "text": "Fresh words."}),
    Route("GET", "/articles/<id:article_id>/edit", "/articles/1/edit", EDITORS),
    Route("POST", "/articles/<id:article_id>/edit", "/articles/1/edit", EDITORS,
          form={"text": "Short new text.", "base_revision": "1"}),
    Route("GET", "/articles/<id:article_id>/dashboard", "/articles/1/dashboard", LOGGED_IN),
    Route("GET", "/dashboard", "/dashboard", LOGGED_IN),
    Route("GET", "/articles/<id:article_id>/deleted", "/articles/1/deleted", LOGGED_IN),
    Route("GET", "/annotations/<id:annotation_id>", "/annotations/1", LOGGED_IN),
    Route("POST", "/annotations/<id:annotation_id>/restore", "/annotations/2/restore", AUTHOR_OR_EDITOR,
          form={"back": "annotation"}),
    Route("GET", "/review", "/review", LOGGED_IN),
    Route("GET", "/export.csv", "/export.csv", LOGGED_IN),
    Route("GET", "/articles/<id:article_id>/export.csv", "/articles/1/export.csv", LOGGED_IN),
    Route("GET", "/export-reviews.csv", "/export-reviews.csv", LOGGED_IN),
    Route("GET", "/articles/<id:article_id>/export-reviews.csv", "/articles/1/export-reviews.csv", LOGGED_IN),
    Route("GET", "/api/session", "/api/session", LOGGED_IN),
    Route("GET", "/api/articles", "/api/articles", LOGGED_IN),
    Route("GET", "/api/articles/<id:article_id>", "/api/articles/1", LOGGED_IN),
    Route("PUT", "/api/articles/<id:article_id>/text", "/api/articles/1/text", EDITORS,
          json={"text": "A new text."}),
    Route("GET", "/api/articles/<id:article_id>/agreement", "/api/articles/1/agreement", LOGGED_IN),
    Route("GET", "/api/agreement", "/api/agreement", LOGGED_IN),
    Route("GET", "/api/articles/<id:article_id>/annotations", "/api/articles/1/annotations", LOGGED_IN),
    Route("POST", "/api/articles/<id:article_id>/annotations", "/api/articles/1/annotations", LOGGED_IN,
          json="claim:Venezuela"),
    Route("GET", "/api/annotations/<id:annotation_id>", "/api/annotations/1", LOGGED_IN),
    Route("PATCH", "/api/annotations/<id:annotation_id>", "/api/annotations/1", AUTHOR_ONLY,
          json={"rationale": "Changed.", "version": 1}),
    Route("DELETE", "/api/annotations/<id:annotation_id>", "/api/annotations/1", AUTHOR_ONLY),
    Route("POST", "/api/annotations/<id:annotation_id>/restore", "/api/annotations/2/restore", AUTHOR_OR_EDITOR),
    Route("GET", "/api/annotations/<id:annotation_id>/history", "/api/annotations/1/history", LOGGED_IN),
    Route("GET", "/api/annotations/<id:annotation_id>/reviews", "/api/annotations/1/reviews", LOGGED_IN),
    Route("POST", "/api/annotations/<id:annotation_id>/reviews", "/api/annotations/1/reviews", NOT_THE_AUTHOR,
          json={"decision": "agree"}),
    Route("POST", "/api/annotations/<id:annotation_id>/status", "/api/annotations/1/status", EDITORS,
          json={"status": "accepted", "note": "Checked."}),
    Route("GET", "/api/queue", "/api/queue", LOGGED_IN),
    Route("GET", "/articles/<id:article_id>/conflicts", "/articles/1/conflicts", LOGGED_IN),
    Route("POST", "/articles/<id:article_id>/conflicts", "/articles/1/conflicts", EDITORS,
          form={"claim_ids": "1,3", "final_verdict": "false", "note": "Settled."}),
    Route("GET", "/api/articles/<id:article_id>/conflicts", "/api/articles/1/conflicts", LOGGED_IN),
    Route("POST", "/api/articles/<id:article_id>/conflicts/resolve", "/api/articles/1/conflicts/resolve", EDITORS,
          json={"claim_ids": [1, 3], "final_verdict": "false", "note": "Settled."}),
    Route("GET", "/articles/<id:article_id>/corrected", "/articles/1/corrected", LOGGED_IN),
    Route("GET", "/articles/<id:article_id>/corrected.txt", "/articles/1/corrected.txt", LOGGED_IN),
    Route("GET", "/export", "/export", LOGGED_IN),
    *(Route("GET", f"/export.{ext}", f"/export.{ext}", LOGGED_IN) for ext in ("jsonl", "jsonld", "claimreview.json")),
    *(Route("GET", f"/articles/<id:article_id>/export.{ext}", f"/articles/1/export.{ext}", LOGGED_IN)
      for ext in ("jsonl", "jsonld", "claimreview.json")),
    Route("GET", "/articles/<id:article_id>/import", "/articles/1/import", EDITORS),
    Route("POST", "/articles/<id:article_id>/import", "/articles/1/import", EDITORS, form={"file": (
        b'{"kind": "claim", "exact": "Venezuela", "verdict": "true", "author": "alice"}', "one.jsonl")}),
    Route("GET", "/admin/", "/admin/", ADMINS),
    Route("GET", "/admin/users", "/admin/users", ADMINS),
    Route("POST", "/admin/users", "/admin/users", ADMINS,
          form={"username": "newcomer", "password": PASSWORD, "role": "reviewer"}),
    Route("POST", "/admin/users/<id:user_id>/role", "/admin/users/1/role", ADMINS, form={"role": "editor"}),
    Route("POST", "/admin/users/<id:user_id>/deactivate", "/admin/users/1/deactivate", ADMINS, form={}),
    Route("POST", "/admin/users/<id:user_id>/activate", "/admin/users/5/activate", ADMINS, form={}),
    Route("GET", "/admin/users/<id:user_id>/password", "/admin/users/1/password", ADMINS),
    Route("POST", "/admin/users/<id:user_id>/password", "/admin/users/1/password", ADMINS,
          form={"password": "a new long password", "confirm": "a new long password"}),
    Route("GET", "/admin/verdicts", "/admin/verdicts", ADMINS),
    Route("POST", "/admin/verdicts", "/admin/verdicts", ADMINS,
          form={"name": "half-true", "label": "Half true", "colour": "#123456"}),
    Route("POST", "/admin/verdicts/<name>", "/admin/verdicts/mixed", ADMINS, form={"label": "Mixed bag", "colour": "#654321"}),
    Route("POST", "/admin/verdicts/<name>/move", "/admin/verdicts/mixed/move", ADMINS, form={"direction": "up"}),
    Route("POST", "/admin/verdicts/<name>/delete", "/admin/verdicts/unverifiable/delete", ADMINS, form={}),
]


@pytest.fixture(scope="module")
def world_file(tmp_path_factory):
    """A database with the people and annotations the matrix is about, made
    once (password hashing is slow on purpose) and copied for each test."""
    path = tmp_path_factory.mktemp("world") / "world.sqlite3"
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "test-only"})
    with app.app_context():
        db = get_db()
        init_db(db)
        for username, role in (("alice", "reviewer"), ("bob", "reviewer"), ("erin", "editor"), ("ada", "admin"),
                               ("dan", "reviewer")):
            create_user(db, username, PASSWORD, role)
        set_active(db, "dan", False)
        article = get_article(db, create_article(db, DEMO_TITLE, demo_text()))
        bob = next(db["users"].rows_where("username = 'bob'"))
        annotations.create_annotation(db, article, bob, claim(article["text"], "Maduro"))
        deleted = annotations.create_annotation(db, article, bob, claim(article["text"], "no fiends"))
        annotations.delete_annotation(db, deleted, bob["id"])
        alice = next(db["users"].rows_where("username = 'alice'"))
        # Annotation 3 conflicts with bob's claim 1: same words, another verdict.
        annotations.create_annotation(db, article, alice, claim(article["text"], "Maduro", "true"))
    return path


@pytest.fixture
def world(world_file, tmp_path):
    path = tmp_path / "world.sqlite3"
    shutil.copyfile(world_file, path)
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "test-only"})
    conn = connect(str(path))
    yield app, conn
    conn.close()


def snapshot(db):
    """Every row of every table, to compare before and after a refusal."""
    return {name: list(db[name].rows) for name in db.table_names()}


def send(session, route, text):
    if route.form is not None:
        # A file is (bytes, name): each request gets a stream of its own.
        form = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in route.form.items()}
        return session.client.post(route.path, data={**form, "csrf_token": session.csrf_token()})
    if route.method == "GET":
        return session.client.get(route.path)
    body = route.json
    if isinstance(body, str) and body.startswith("claim:"):
        body = claim(text, body.split(":", 1)[1])
    return session.api(route.method, route.path, json=body)


def test_every_route_is_in_the_matrix(world):
    app, _ = world
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {(r.method, r.rule) for r in MATRIX}
    assert routes - PUBLIC - listed == set(), "add these routes to MATRIX"
    assert listed - routes == set(), "MATRIX lists routes the app does not have"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", MATRIX, ids=[f"{r.method} {r.path}" for r in MATRIX])
def test_route_permissions(world, route, role):
    app, db = world
    session = Session(app.test_client())
    if role != "anonymous":
        session.login(PEOPLE[role])
    text = get_article(db, 1)["text"]
    before = snapshot(db)
    response = send(session, route, text)
    expected = route.expect.get(role) if role != "anonymous" else "login"
    status, location = response.status_code, response.headers.get("Location", "")
    if expected == "ok":
        assert status < 400 and "/login" not in location, (status, response.get_data(as_text=True)[:300])
        return
    if expected == "login":
        if route.path.startswith("/api/"):
            assert status == 401
        else:
            assert status == 302 and "/login" in location
    else:
        assert status == expected, (status, response.get_data(as_text=True)[:300])
    assert snapshot(db) == before, "a refused request changed the database"
