"""Nothing is lost: health check, idempotent creates, stale edits, backups and restores."""

import os
import sqlite3
import threading
import uuid

import pytest

from annotator import create_app
from annotator.annotations import create_annotation
from annotator.articles import get_article
from annotator.db import connect, init_db
from tests.conftest import Session, claim


@pytest.fixture
def text(db):
    return get_article(db, 1)["text"]


# --- /healthz

def test_healthz_needs_no_login_and_shows_no_data(anonymous):
    response = anonymous.client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "integrity": "ok"}


def test_healthz_needs_no_csrf_token_and_only_answers_get(anonymous):
    assert anonymous.client.post("/healthz").status_code == 405


@pytest.mark.parametrize("content", [b"this is not a database at all" * 200, None])
def test_healthz_is_503_when_the_database_is_unusable(tmp_path, content):
    path = tmp_path / "broken.sqlite3"
    if content is None:
        path.mkdir()  # a folder where the file should be
    else:
        path.write_bytes(content)
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "x"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["error"]
    assert str(tmp_path) not in response.get_data(as_text=True)  # no paths for strangers


def test_healthz_reports_a_damaged_database(tmp_path):
    """A database with a table's root page overwritten fails the check."""
    path = tmp_path / "damaged.sqlite3"
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "x"})
    conn = connect(path)
    init_db(conn)
    conn.execute("CREATE TABLE filler (x TEXT)")
    conn.conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 400)
    conn.conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'filler'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as f:  # scribble over the table's root page
        f.seek((root - 1) * page_size)
        f.write(b"\xff" * page_size)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "error"


# --- idempotent create

def test_same_client_uuid_returns_the_first_annotation(alice, db, text):
    body = claim(text, "Maduro", client_uuid=str(uuid.uuid4()))
    first = alice.api("POST", "/api/articles/1/annotations", json=body)
    again = alice.api("POST", "/api/articles/1/annotations", json={**body, "verdict": "true"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()  # the first one, not the retry's verdict
    assert db["annotations"].count == 1
    assert db["history"].count_where("action = 'create'") == 1


def test_client_uuid_is_matched_in_any_spelling(alice, db, text):
    value = uuid.uuid4()
    alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", client_uuid=str(value)))
    again = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", client_uuid=value.hex.upper()))
    assert again.status_code == 200 and db["annotations"].count == 1


@pytest.mark.parametrize("bad", ["", "not-a-uuid", "1234", 42, ["x"], {"a": 1}, "0" * 1000, True])
def test_a_malformed_client_uuid_is_refused(alice, db, text, bad):
    response = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", client_uuid=bad))
    assert response.status_code == 400 and "client_uuid must be a UUID" in response.get_json()["error"]
    assert db["annotations"].count == 0


def test_another_authors_client_uuid_is_a_conflict(alice, bob, db, text):
    value = str(uuid.uuid4())
    alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", client_uuid=value))
    response = bob.api("POST", "/api/articles/1/annotations", json=claim(text, "Brazil", client_uuid=value))
    assert response.status_code == 409 and "client_uuid" in response.get_json()["error"]
    assert db["annotations"].count == 1


def test_client_uuid_from_another_article_is_a_conflict(alice, db, text):
    value = str(uuid.uuid4())
    alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", client_uuid=value))
    emoji = get_article(db, 2)["text"]
    response = alice.api("POST", "/api/articles/2/annotations", json=claim(emoji, "Fact", client_uuid=value))
    assert response.status_code == 409 and db["annotations"].count == 1


def test_without_client_uuid_creates_as_before(alice, db, text):
    assert alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).status_code == 201
    assert alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Brazil")).status_code == 201
    assert db["annotations"].count == 2


def test_racing_copies_of_one_create_make_one_annotation(app, db, text):
    """Regression guard: a double-clicked Save sent twice at once must make one row, not a 409 or two rows."""
    sessions = []
    for _ in range(4):
        session = Session(app.test_client())
        session.login("alice")
        sessions.append((session, session.csrf_token("/")))
    body = claim(text, "Maduro", client_uuid=str(uuid.uuid4()))
    barrier = threading.Barrier(len(sessions))
    answers = []

    def send(session, token):
        barrier.wait()
        response = session.api("POST", "/api/articles/1/annotations", json=body, token=token)
        answers.append((response.status_code, response.get_json()["id"]))

    threads = [threading.Thread(target=send, args=pair) for pair in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [200, 200, 200, 201]
    assert len({annotation_id for _, annotation_id in answers}) == 1
    assert db["annotations"].count == 1


# --- optimistic concurrency

def test_patch_without_version_is_refused_and_changes_nothing(alice, text):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    response = alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"verdict": "true"})
    assert response.status_code == 400 and "version must be sent" in response.get_json()["error"]
    assert alice.api("GET", f"/api/annotations/{saved['id']}").get_json() == saved


def test_stale_patch_gets_409_with_the_current_annotation(alice, text):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    current = alice.api("PATCH", f"/api/annotations/{saved['id']}",
                        json={"rationale": "First tab.", "version": 1}).get_json()
    response = alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"verdict": "true", "version": 1})
    assert response.status_code == 409
    body = response.get_json()
    assert "changed elsewhere" in body["error"]
    assert body["current"] == current and body["current"]["version"] == 2
    assert alice.api("GET", f"/api/annotations/{saved['id']}").get_json() == current


def test_a_stale_invalid_patch_is_still_a_conflict(alice, text):
    """The page should learn it is out of date before fixing a field the other edit may have changed."""
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"rationale": "x", "version": 1})
    response = alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"verdict": "nope", "version": 1})
    assert response.status_code == 409 and response.get_json()["current"]["version"] == 2


def test_the_losing_writer_of_a_race_gets_409_with_current(app, db, text):
    sessions = []
    for _ in range(3):
        session = Session(app.test_client())
        session.login("alice")
        sessions.append((session, session.csrf_token("/")))
    first_id = sessions[0][0].api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()["id"]
    barrier = threading.Barrier(len(sessions))
    answers = []

    def edit(index):
        session, token = sessions[index]
        barrier.wait()
        answers.append(session.api("PATCH", f"/api/annotations/{first_id}",
                                   json={"rationale": f"tab {index}", "version": 1}, token=token))

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in answers) == [200, 409, 409]
    winner = next(r.get_json() for r in answers if r.status_code == 200)
    for loser in (r for r in answers if r.status_code == 409):
        assert loser.get_json()["current"]["rationale"] == winner["rationale"]
    assert db["history"].count_where("action = 'edit'") == 1


# --- backup and restore

def _write_annotations(path, words, stop, written):
    """Add claims on ``words`` one by one through the model, until ``stop`` is set."""
    conn = connect(path)
    try:
        article = get_article(conn, 1)
        author = next(conn["users"].rows_where("username = 'alice'"))
        for word in words:
            if stop.is_set():
                break
            text = article["text"]
            start = text.index(word)
            created = create_annotation(conn, article, author, {"kind": "claim", "start": start,
                                                                "end": start + len(word), "exact": word,
                                                                "verdict": "false"})
            written.append(created["id"])
    finally:
        conn.close()


def test_backup_while_the_app_writes(app, runner, db, tmp_path, text):
    words = sorted({w for w in text.split() if text.count(w) == 1 and w.isalpha()})
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_write_annotations, args=(app.config["DATABASE"], words, stop, written))
    writer.start()
    target = tmp_path / "backups" / "annotator.sqlite3"
    target.parent.mkdir()
    try:
        while len(written) < 5:
            threading.Event().wait(0.01)
        result = runner.invoke(args=["backup", str(target)])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert f"Backed up to {target}" in result.output and f"({target.stat().st_size:,} bytes)" in result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no -wal beside it
    ids = [row[0] for row in copy.execute("SELECT id FROM annotations ORDER BY id")]
    # A consistent snapshot: some prefix of what was written, each with its history row.
    assert len(ids) >= 5 and ids == sorted(written)[:len(ids)]
    assert copy.execute("SELECT COUNT(*) FROM history WHERE action = 'create'").fetchone()[0] == len(ids)
    copy.close()
    assert not [p for p in target.parent.iterdir() if p != target]  # no temporary file left behind


def test_backup_refuses_a_missing_folder_and_the_database_itself(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "nowhere" / "b.sqlite3")])
    assert result.exit_code == 1 and "does not exist" in result.output
    result = runner.invoke(args=["backup", app.config["DATABASE"]])
    assert result.exit_code == 1 and "cannot overwrite the database" in result.output


def test_restore_brings_back_the_backup_and_keeps_the_old_database(app, runner, db, tmp_path, text, alice):
    kept_id = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()["id"]
    backup = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    later_id = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Brazil")).get_json()["id"]
    db.close()
    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    database = app.config["DATABASE"]
    assert "before-restore" in result.output
    restored = connect(database)
    assert [r["id"] for r in restored["annotations"].rows] == [kept_id]
    assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored.close()
    before = sqlite3.connect(database + ".before-restore")
    assert sorted(r[0] for r in before.execute("SELECT id FROM annotations")) == [kept_id, later_id]
    before.close()
    # and the app serves the restored data
    assert [a["id"] for a in alice.api("GET", "/api/articles/1/annotations").get_json()] == [kept_id]


def test_a_second_restore_keeps_the_copy_the_first_one_kept(app, runner, db, tmp_path, text, alice):
    """Regression: each restore overwrote the previous <db>.before-restore."""
    backup = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    later_id = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Brazil")).get_json()["id"]
    db.close()
    database = app.config["DATABASE"]
    assert runner.invoke(args=["restore", "--yes", str(backup)]).exit_code == 0
    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0 and "before-restore.1" in result.output, result.output
    first = sqlite3.connect(database + ".before-restore")
    assert later_id in [r[0] for r in first.execute("SELECT id FROM annotations")]
    first.close()


def test_restoring_the_database_onto_itself_is_refused(app, runner, db):
    database = app.config["DATABASE"]
    db.close()
    before = open(database, "rb").read()
    result = runner.invoke(args=["restore", "--yes", database])
    assert result.exit_code == 1 and "is the database itself" in result.output, result.output
    assert open(database, "rb").read() == before
    assert not os.path.exists(database + ".before-restore")


@pytest.mark.parametrize("kind", ["missing", "text", "foreign", "damaged"])
def test_restore_refuses_what_is_not_our_sound_database(app, runner, tmp_path, kind):
    candidate = tmp_path / "candidate.sqlite3"
    if kind == "text":
        candidate.write_text("hello, not a database " * 100)
    elif kind == "foreign":
        other = sqlite3.connect(candidate)
        other.execute("CREATE TABLE notes (x)")
        other.commit()
        other.close()
    elif kind == "damaged":
        assert runner.invoke(args=["backup", str(candidate)]).exit_code == 0
        data = bytearray(candidate.read_bytes())
        data[4096 * 2:4096 * 4] = b"\x07" * 8192  # pages 3 and 4 scribbled over
        candidate.write_bytes(bytes(data))
    database = app.config["DATABASE"]
    before = open(database, "rb").read()
    result = runner.invoke(args=["restore", "--yes", str(candidate)])
    assert result.exit_code == 1, result.output
    expected = {"missing": "There is no file", "text": "not a SQLite database", "foreign": "not one of",
                "damaged": "damaged"}[kind]
    assert expected in result.output
    assert open(database, "rb").read() == before
    assert not (tmp_path / "test.sqlite3.before-restore").exists()


# --- settings

@pytest.mark.parametrize("value, expected", [("1", True), ("yes", True), ("0", False), ("false", False)])
def test_allow_private_urls_is_the_same_setting(monkeypatch, value, expected):
    monkeypatch.delenv("ANNOTATOR_IMPORT_ALLOW_PRIVATE", raising=False)
    monkeypatch.setenv("ANNOTATOR_ALLOW_PRIVATE_URLS", value)
    assert create_app({"TESTING": True, "SECRET_KEY": "x"}).config["IMPORT_ALLOW_PRIVATE"] is expected


def test_private_urls_are_refused_by_default(monkeypatch):
    monkeypatch.delenv("ANNOTATOR_IMPORT_ALLOW_PRIVATE", raising=False)
    monkeypatch.delenv("ANNOTATOR_ALLOW_PRIVATE_URLS", raising=False)
    assert create_app({"TESTING": True, "SECRET_KEY": "x"}).config["IMPORT_ALLOW_PRIVATE"] is False
