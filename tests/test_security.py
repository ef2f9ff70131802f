"""Security: login rate limits, the session cookie, CSRF on every state-changing
route, HTML in imported metadata, and input limits."""

import io
import os
import stat
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest

from annotator import auth, create_app, login_limits
from annotator.annotations import MAX_SOURCES
from annotator.articles import MAX_TEXT_BYTES
from annotator.importing import import_bytes
from annotator.sanitize import plain_text
from annotator.urls import MAX_URL
from tests import test_permissions as permissions
from tests.conftest import PASSWORD, Session, claim

# The route-by-route world of test_permissions (people, annotations), reused.
world_file, world, snapshot = permissions.world_file, permissions.world, permissions.snapshot

WRONG = "not the password"


def login(app, username, password, address="10.0.0.1"):
    """A fresh client's login attempt from ``address``; the response."""
    session = Session(app.test_client())
    token = session.csrf_token()
    return session.client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                               environ_base={"REMOTE_ADDR": address})


# ------------------------------------------------------------ login rate limit


def test_sixth_failure_for_an_account_is_429_with_retry_after(app):
    for _ in range(5):
        assert login(app, "alice", WRONG).status_code == 401
    refused = login(app, "alice", PASSWORD)  # even the right password waits
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed logins. Wait 15 minutes" in refused.get_data(as_text=True)
    assert "Location" not in refused.headers  # not logged in


def test_the_account_limit_counts_the_name_whatever_its_case_and_spaces(app):
    for name in ("alice", "Alice", " ALICE", "alice ", "aLice"):
        login(app, name, WRONG)
    assert login(app, "alice", PASSWORD).status_code == 429


def test_a_limited_account_does_not_lock_out_others(app):
    for _ in range(5):
        login(app, "alice", WRONG)
    assert login(app, "bob", PASSWORD).status_code == 302


def test_success_forgives_the_accounts_failures(app):
    for _ in range(4):
        login(app, "alice", WRONG)
    assert login(app, "alice", PASSWORD).status_code == 302
    for _ in range(4):
        assert login(app, "alice", WRONG).status_code == 401
    assert login(app, "alice", PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_limited(app):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = 3
    for name in ("alice", "bob", "carol"):
        login(app, name, WRONG, address="10.0.0.9")
    assert login(app, "bob", PASSWORD, address="10.0.0.9").status_code == 429
    assert login(app, "bob", PASSWORD, address="10.0.0.10").status_code == 302


def test_failures_older_than_the_window_do_not_count(app, db):
    old = time.time() - 15 * 60 - 1
    for _ in range(10):
        login_limits.record_failure(db, "alice", "10.0.0.1", 15 * 60, at=old)
    assert login(app, "alice", PASSWORD).status_code == 302


def test_retry_after_is_when_the_oldest_counted_failure_leaves_the_window(db):
    limits = {"account": 3, "address": 100, "window": 600}
    for at in (1000, 1100, 1200, 1300):
        login_limits.record_failure(db, "dora", "10.0.0.2", 600, at=at)
    # Four failures, limit three: two must leave, the second at 1100 + 600.
    assert login_limits.retry_after(db, "dora", "10.0.0.2", limits, at=1350) == 350
    assert login_limits.retry_after(db, "dora", "10.0.0.2", limits, at=1700) == 0
    assert login_limits.retry_after(db, "someone", "10.0.0.3", limits, at=1350) == 0


def test_unknown_user_and_wrong_password_answer_alike(app):
    unknown, wrong = login(app, "nobody-here", WRONG), login(app, "alice", WRONG)
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong username or password." in unknown.get_data(as_text=True)
    assert "Wrong username or password." in wrong.get_data(as_text=True)


def test_an_unknown_user_costs_a_password_check_too(app, monkeypatch):
    """Regression: an unknown name answered at once, timing out which names exist."""
    checked = []
    real = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", lambda h, p: checked.append(h.split(":")[0]) or real(h, p))
    login(app, "nobody-here", WRONG)
    login(app, "alice", WRONG)
    assert len(checked) == 2 and checked[0] == checked[1]  # the same hashing method, so the same cost


def test_a_refused_login_changes_no_user(app, db):
    for _ in range(6):
        login(app, "alice", WRONG)
    before = list(db["users"].rows)
    assert login(app, "alice", PASSWORD).status_code == 429
    assert list(db["users"].rows) == before


# ------------------------------------------------------------ session cookie


def test_session_cookie_is_httponly_lax_and_expires_in_12_hours(app):
    response = login(app, "alice", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    parts = {p.strip().split("=")[0].lower(): p.strip() for p in cookie.split(";")}
    assert "httponly" in parts and parts["samesite"].lower() == "samesite=lax"
    assert "secure" not in parts
    expires = parsedate_to_datetime(parts["expires"].split("=", 1)[1])
    expected = datetime.now(timezone.utc) + timedelta(hours=12)
    assert abs((expires - expected).total_seconds()) < 120


@pytest.mark.parametrize("value", [True, "true", "1"])
def test_secure_cookie_when_configured(tmp_path, value):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "s.sqlite3"), "SECRET_KEY": "test-only",
                      "SESSION_COOKIE_SECURE": value})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]


def test_logout_ends_the_session(alice):
    assert alice.api("GET", "/api/session").status_code == 200
    token = alice.csrf_token("/")
    assert alice.client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert alice.client.get("/api/session").status_code == 401


# ------------------------------------------------------------ CSRF

CHANGING = [r for r in permissions.MATRIX if r.method != "GET"]


def allowed_role(route):
    return next(role for role, outcome in route.expect.items() if outcome == "ok")


@pytest.mark.parametrize("route", CHANGING, ids=[f"{r.method} {r.path}" for r in CHANGING])
def test_a_request_without_the_csrf_token_is_refused_and_changes_nothing(world, route):
    app, db = world
    session = Session(app.test_client())
    session.login(permissions.PEOPLE[allowed_role(route)])
    before = snapshot(db)
    if route.form is not None:
        form = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in route.form.items()}
        response = session.client.post(route.path, data=form)
        assert "Your form expired; go back and send it again" in response.get_data(as_text=True)
    else:
        body = route.json
        if isinstance(body, str):
            body = claim(permissions.get_article(db, 1)["text"], body.split(":", 1)[1])
        response = session.client.open(route.path, method=route.method, json=body)
        assert response.get_json()["code"] == "csrf"
    assert response.status_code == 400
    assert snapshot(db) == before, "a request without the CSRF token changed the database"


def test_an_invalid_form_token_gets_the_kind_message(world):
    app, db = world
    session = Session(app.test_client())
    session.login("erin")
    before = snapshot(db)
    response = session.client.post("/articles/new", data={"title": "New", "text": "Words.", "csrf_token": "stale"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your form expired; go back and send it again." in page
    assert snapshot(db) == before


def test_logout_and_login_need_the_token_too(alice):
    assert alice.client.post("/logout").status_code == 400
    assert alice.client.get("/api/session").status_code == 200  # still logged in
    other = Session(alice.client.application.test_client())
    assert other.client.post("/login", data={"username": "bob", "password": PASSWORD}).status_code == 400
    assert other.client.get("/api/session").status_code == 401


# ------------------------------------------------------------ HTML in imported metadata


def test_plain_text_strips_tags_and_code_and_decodes_entities():
    assert plain_text("<b>Hi</b><script>x</script>") == "Hi"
    assert plain_text('<img src=x onerror="alert(1)">A &amp; B') == "A & B"
    assert plain_text("Fish & chips < 5") == "Fish & chips < 5"
    assert plain_text(None) is None


PAGE_WITH_MARKUP_TITLE = (
    "<html><head><title><b>Hi</b><script>x</script></title>"
    "<meta name='author' content='&lt;i&gt;Lee&lt;/i&gt; Chan'></head><body><article><p>"
    + "Dock workers ended a nine-day strike on Monday after the port authority agreed to a rise. " * 4
    + "</p></article></body></html>"
).encode()


def test_an_imported_title_with_markup_becomes_plain_text():
    imported = import_bytes(PAGE_WITH_MARKUP_TITLE, "story.html")
    assert imported.title == "Hi"
    assert imported.author == "Lee Chan"


def test_an_uploaded_page_with_markup_in_its_title_is_stored_as_plain_text(editor, db):
    token = editor.csrf_token("/articles/new")
    response = editor.client.post("/articles/new", data={
        "title": "", "text": "", "csrf_token": token, "file": (io.BytesIO(PAGE_WITH_MARKUP_TITLE), "story.html")})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert db.execute("SELECT title FROM articles ORDER BY id DESC LIMIT 1").fetchone()[0] == "Hi"


# ------------------------------------------------------------ input limits

def demo_claim(db, **extra):
    text = db.execute("SELECT text FROM revisions WHERE article_id = 1").fetchone()[0]
    return claim(text, "Venezuela", **extra)


@pytest.mark.parametrize("extra, message", [
    ({"sources": [f"https://example.org/{i}" for i in range(MAX_SOURCES + 1)]}, f"At most {MAX_SOURCES} sources"),
    ({"sources": ["https://example.org/" + "a" * MAX_URL]}, "source URL is longer than"),
    ({"sources": ["javascript:alert(1)"]}, "is not an http(s) URL"),
    ({"rationale": "x" * 20_001}, "rationale is longer than 20,000 characters"),
])
def test_over_limit_annotation_fields_are_400_and_save_nothing(alice, db, extra, message):
    response = alice.api("POST", "/api/articles/1/annotations", json=demo_claim(db, **extra))
    assert response.status_code == 400 and message in response.get_json()["error"]
    assert db["annotations"].count == 0


def create_claim(alice, db):
    response = alice.api("POST", "/api/articles/1/annotations", json=demo_claim(db))
    assert response.status_code == 201
    return response.get_json()["id"]


def test_an_overlong_review_comment_is_400(alice, bob, db):
    annotation_id = create_claim(alice, db)
    response = bob.api("POST", f"/api/annotations/{annotation_id}/reviews",
                       json={"decision": "comment", "comment": "x" * 20_001})
    assert response.status_code == 400 and "comment is longer than" in response.get_json()["error"]
    assert db["reviews"].count == 0


def test_an_overlong_status_note_is_400(alice, editor, db):
    annotation_id = create_claim(alice, db)
    response = editor.api("POST", f"/api/annotations/{annotation_id}/status",
                          json={"status": "accepted", "note": "x" * 20_001})
    assert response.status_code == 400 and "note is longer than" in response.get_json()["error"]
    assert db.execute("SELECT status FROM annotations WHERE id = ?", [annotation_id]).fetchone()[0] == "open"


def test_an_overlong_title_is_400(editor, db):
    token = editor.csrf_token("/articles/new")
    response = editor.client.post("/articles/new", data={"title": "T" * 301, "text": "Words.", "csrf_token": token})
    assert response.status_code == 400 and "300 characters" in response.get_data(as_text=True)
    assert db["articles"].count == 2


def test_an_overlong_article_text_is_400(editor, db):
    before = snapshot(db)
    response = editor.api("PUT", "/api/articles/1/text", json={"text": "word " * (MAX_TEXT_BYTES // 5 + 1)})
    assert response.status_code == 400 and "longer than 2 MB" in response.get_json()["error"]
    assert snapshot(db) == before


def test_a_request_over_max_content_length_is_413_json(app, alice, db):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = alice.api("POST", "/api/articles/1/annotations", json=demo_claim(db, rationale="x" * 20_000))
    assert response.status_code == 413 and "too large" in response.get_json()["error"]
    assert db["annotations"].count == 0


def test_logging_out_ends_a_copied_session_cookie_too(app, alice):
    """Fault: logout only cleared the browser's cookie; a copy of it kept working for 12 hours."""
    cookie = alice.client.get_cookie("session").value
    token = alice.csrf_token()
    assert alice.client.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/api/session").status_code == 401


def test_logins_sent_all_at_once_cannot_pass_the_account_limit(app, db):
    """Fault: 16 simultaneous wrong passwords got 11 password checks past a limit of 5."""
    sessions = [Session(app.test_client()) for _ in range(16)]
    tokens = [s.csrf_token() for s in sessions]
    start = threading.Barrier(len(sessions))
    statuses = []

    def attempt(session, token):
        start.wait()
        response = session.client.post("/login", data={"username": "bob", "password": "wrong password",
                                                        "csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(sessions, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(401) == 5 and statuses.count(429) == 11
    assert db["login_attempts"].count_where("account = 'bob'") == 5


def test_the_database_and_its_backups_are_readable_by_their_owner_only(app, runner, tmp_path):
    """Fault: the database, its -wal/-shm files and backups were made world-readable (0644)."""
    database = app.config["DATABASE"]
    for path in (database, database + "-wal", database + "-shm"):
        if os.path.exists(path):
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(tmp_path / "copy.sqlite3").st_mode) == 0o600


def test_a_revision_that_is_no_number_is_a_400_not_a_conflict(alice, db):
    """Fault: "revision": "1" was answered 409 "the text was edited"."""
    text = db.execute("SELECT text FROM revisions WHERE article_id = 1").fetchone()[0]
    response = alice.api("POST", "/api/articles/1/annotations", json={**claim(text, "Maduro"), "revision": "1"})
    assert response.status_code == 400 and "whole number" in response.get_json()["error"]
