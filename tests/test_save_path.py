"""The annotation save path: its writers' lock, its plain-SQL helpers, and
that it stores exactly what it stored before they were made faster."""

import json
import os
import sqlite3
import threading

import pytest

from annotator import db as database
from annotator.db import DatabaseUnavailable, connect, first_row, insert_row, transaction
from tests.conftest import claim


def test_connections_to_one_file_share_one_writers_lock(tmp_path):
    one, two, other = connect(tmp_path / "a.sqlite3"), connect(tmp_path / "." / "a.sqlite3"), connect(tmp_path / "b")
    assert one.write_lock is two.write_lock
    assert one.write_lock is not other.write_lock


def test_a_writer_waits_for_the_one_in_the_same_process_then_writes(tmp_path):
    path = tmp_path / "w.sqlite3"
    first, second = connect(path), connect(path)
    first.execute("CREATE TABLE t (n INTEGER)")
    done = []

    def write_second():
        with transaction(second):
            second.execute("INSERT INTO t VALUES (2)")
        done.append(True)

    with transaction(first):
        first.execute("INSERT INTO t VALUES (1)")
        waiter = threading.Thread(target=write_second)
        waiter.start()
        waiter.join(0.3)
        assert not done  # still waiting for its turn
    waiter.join(5)
    assert done
    assert [r[0] for r in first.execute("SELECT n FROM t ORDER BY n")] == [1, 2]


def test_a_writer_kept_waiting_past_the_busy_timeout_is_told_the_database_is_busy(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.1)
    path = tmp_path / "busy.sqlite3"
    first, second = connect(path), connect(path)
    failures = []

    def write_second():
        try:
            with transaction(second):
                pass
        except DatabaseUnavailable as e:
            failures.append(e)

    with transaction(first):
        waiter = threading.Thread(target=write_second)
        waiter.start()
        waiter.join(5)
    assert len(failures) == 1 and failures[0].status == 503
    with transaction(second):  # the lock was given back
        pass


def test_a_failed_transaction_gives_its_turn_back(tmp_path):
    db = connect(tmp_path / "f.sqlite3")
    with pytest.raises(ZeroDivisionError):
        with transaction(db):
            1 / 0
    assert db.write_lock.acquire(blocking=False)
    db.write_lock.release()


def test_insert_row_commits_on_its_own_and_joins_an_open_transaction(tmp_path):
    db = connect(tmp_path / "i.sqlite3")
    db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, "end" INTEGER NOT NULL, note TEXT)')
    assert insert_row(db, "t", {"end": 5, "note": "café 👍"}) == 1
    assert not db.conn.in_transaction
    with pytest.raises(ZeroDivisionError):
        with transaction(db):
            insert_row(db, "t", {"end": 6, "note": None})
            1 / 0
    with pytest.raises(sqlite3.IntegrityError):
        insert_row(db, "t", {"end": None})
    assert first_row(db, "SELECT * FROM t") == {"id": 1, "end": 5, "note": "café 👍"}
    assert db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
    assert first_row(db, "SELECT * FROM t WHERE id = ?", [99]) is None


def test_a_save_stores_the_row_and_history_it_always_did(alice, db, app):
    text = db.execute("SELECT text FROM revisions WHERE article_id = 1").fetchone()[0]
    body = claim(text, text.split()[3], rationale="Because.", sources=["https://example.org/a"])
    created = alice.api("POST", "/api/articles/1/annotations", body).get_json()
    row = first_row(db, "SELECT * FROM annotations WHERE id = ?", [created["id"]])
    assert {k: row[k] for k in ("kind", "start", "end", "exact", "verdict", "rationale", "version", "status",
                                "content_version", "revision", "orphaned", "client_uuid", "deleted_at")} == {
        "kind": "claim", "start": body["start"], "end": body["end"], "exact": body["exact"], "verdict": "false",
        "rationale": "Because.", "version": 1, "status": "open", "content_version": 1, "revision": 1,
        "orphaned": 0, "client_uuid": None, "deleted_at": None}
    assert json.loads(row["sources"]) == ["https://example.org/a"]
    history = first_row(db, "SELECT * FROM history WHERE annotation_id = ?", [created["id"]])
    assert history["action"] == "create" and history["before"] is None
    assert json.loads(history["after"]) == created


def test_commits_are_synced_in_full_unless_configured_otherwise(tmp_path, monkeypatch):
    from annotator import create_app
    from annotator.db import get_db

    full = create_app({"DATABASE": str(tmp_path / "full.sqlite3"), "SECRET_KEY": "x"})
    monkeypatch.setenv("ANNOTATOR_SQLITE_SYNCHRONOUS", "normal")
    normal = create_app({"DATABASE": str(tmp_path / "normal.sqlite3"), "SECRET_KEY": "x"})
    with full.app_context():
        assert get_db().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    with normal.app_context():
        assert get_db().execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


@pytest.mark.parametrize("value", ["OFF", "sometimes"])
def test_an_unsafe_or_unknown_synchronous_setting_stops_the_app_starting(tmp_path, value):
    from annotator import create_app

    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        create_app({"DATABASE": str(tmp_path / "x.sqlite3"), "SECRET_KEY": "x", "SQLITE_SYNCHRONOUS": value})


# --- connections kept between requests (the production server's setting)

@pytest.fixture
def reusing(app, monkeypatch):
    """The app with REUSE_DB_CONNECTIONS on, counting the connections it opens."""
    opened = []
    real_connect = database.connect

    def counting_connect(*args, **kwargs):
        opened.append(real_connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(database, "connect", counting_connect)
    monkeypatch.setattr(database, "_idle", [])
    app.config["REUSE_DB_CONNECTIONS"] = True
    app.opened = opened
    return app


def test_requests_reuse_one_connection_when_told_to(reusing, alice):
    for _ in range(3):
        assert alice.client.get("/api/articles/1").status_code == 200
    assert len(reusing.opened) == 1


def test_a_connection_to_a_file_since_replaced_is_not_reused(reusing, alice, tmp_path):
    from annotator.backup import backup

    assert alice.client.get("/api/articles").status_code == 200
    path = reusing.config["DATABASE"]
    copy = tmp_path / "restored.sqlite3"
    backup(path, copy)
    changed = sqlite3.connect(copy)
    with changed:
        changed.execute("UPDATE articles SET title = 'Restored' WHERE id = 1")
    changed.close()
    os.replace(copy, path)  # as `flask restore` does
    assert alice.client.get("/api/articles/1").get_json()["title"] == "Restored"
    assert len(reusing.opened) == 2


def test_a_connection_left_in_a_transaction_is_closed_not_reused(reusing):
    with reusing.app_context():
        db = database.get_db()
        db.conn.execute("BEGIN")
        db.execute("INSERT INTO verdicts (name, label, colour, position) VALUES ('x', 'X', '#000', 99)")
    assert database._idle == []
    with reusing.app_context():
        assert database.get_db().execute("SELECT COUNT(*) FROM verdicts WHERE name = 'x'").fetchone()[0] == 0


def test_at_most_max_idle_connections_are_kept(reusing, monkeypatch):
    monkeypatch.setattr(database, "MAX_IDLE", 2)
    contexts = [reusing.app_context() for _ in range(3)]
    for context in contexts:
        context.push()
        database.get_db()
    for context in reversed(contexts):
        context.pop()
    assert len(reusing.opened) == 3 and len(database._idle) == 2
    assert [entry[3] for entry in database._idle] == [reusing.opened[1], reusing.opened[0]]  # the last used


def test_the_production_server_reuses_connections_unless_configured_not_to(app, monkeypatch):
    from annotator import serve

    monkeypatch.setattr(serve, "waitress_serve", lambda *args, **kwargs: None)
    serve.run(app, "127.0.0.1", 8000)
    assert app.config["REUSE_DB_CONNECTIONS"] is True
    app.config["REUSE_DB_CONNECTIONS"] = False
    serve.run(app, "127.0.0.1", 8000)
    assert app.config["REUSE_DB_CONNECTIONS"] is False


# --- revision texts kept in memory

def test_get_article_gives_the_row_and_text_the_join_gave(app, db):
    from annotator import articles

    for article_id in (1, 2):
        joined = next(db.query(
            "SELECT articles.*, revisions.text FROM articles JOIN revisions "
            "ON revisions.article_id = articles.id AND revisions.number = articles.revision "
            "WHERE articles.id = ?", [article_id]))
        assert articles.get_article(db, article_id) == joined
        assert list(articles.get_article(db, article_id)) == list(joined)  # same keys, same order too


def test_a_new_revision_is_read_not_the_remembered_one(editor, db):
    from annotator import articles

    before = articles.get_article(db, 2)["text"]
    answer = editor.api("PUT", "/api/articles/2/text", {"text": before + " More."})
    assert answer.status_code == 200
    assert articles.get_article(db, 2)["text"] == before + " More."
    assert editor.client.get("/api/articles/2").get_json()["text"] == before + " More."


def test_a_revision_read_in_a_transaction_rolled_back_is_not_remembered(app, db):
    from annotator import articles

    with pytest.raises(ZeroDivisionError):
        with transaction(db):
            db.execute("INSERT INTO revisions (article_id, number, text, created_at) VALUES (2, 2, 'Draft.', 'now')")
            db.execute("UPDATE articles SET revision = 2 WHERE id = 2")
            assert articles.get_article(db, 2)["text"] == "Draft."
            1 / 0
    assert not [key for key in articles._texts if key[0] == app.config["DATABASE"] and key[2:] == (2, 2)]
    assert articles.get_article(db, 2)["revision"] == 1


def test_an_unknown_article_is_not_found(db):
    from annotator import articles
    from annotator.errors import NotFound

    with pytest.raises(NotFound, match="no article 99"):
        articles.get_article(db, 99)


def test_no_statement_of_a_save_scans_a_table(app, alice, db, monkeypatch):
    """Each look-up a save makes (user, article, client_uuid, duplicate span,
    the new row) goes through a key or an index, however many annotations there are."""
    statements = []
    real_connect = database.connect

    def tracing_connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(database, "connect", tracing_connect)
    text = db.execute("SELECT text FROM revisions WHERE article_id = 1").fetchone()[0]
    body = claim(text, text.split()[5], client_uuid="0b5e9a52-8c1e-4c57-9d0e-3f1c7a2b6d41")
    token = alice.csrf_token()
    statements.clear()  # the pages visited for the token are not the save
    assert alice.api("POST", "/api/articles/1/annotations", body, token=token).status_code == 201
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "sqlite_master" not in s]
    assert any("client_uuid =" in s for s in selects) and any("start =" in s for s in selects)
    for statement in selects:
        plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + statement)]
        scans = [step for step in plan if step.startswith("SCAN") and not step.startswith("SCAN verdicts")
                 and not step.startswith("SCAN correction_types")]
        assert not scans, (statement, plan)


def test_a_save_that_read_the_article_before_an_edit_committed_is_refused(app, db, editor):
    """Regression: create_once checked the span against the article as read
    before its transaction, so an edit committed in between let an annotation
    in with offsets into the old text, after that edit's re-anchoring had run."""
    from annotator import articles
    from annotator.annotations import create_once
    from annotator.auth import user_named
    from annotator.errors import Conflict

    stale = articles.get_article(db, 1)
    edited = "A new first paragraph.\n\n" + stale["text"]
    assert editor.api("PUT", "/api/articles/1/text", {"text": edited}).status_code == 200
    count = db.execute("SELECT COUNT(*) FROM annotations").fetchone()[0]
    with pytest.raises(Conflict, match="edited"):
        create_once(db, stale, user_named(db, "alice"), claim(stale["text"], "no fiends"))
    assert db.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] == count
