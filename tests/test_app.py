import sqlite3

from annotator import _instance_secret_key, create_app
from annotator.db import connect


def test_config_from_prefixed_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ANNOTATOR_DATABASE", str(tmp_path / "env.sqlite3"))
    monkeypatch.setenv("ANNOTATOR_SECRET_KEY", "from-env")
    app = create_app({"TESTING": True})
    assert app.config["DATABASE"] == str(tmp_path / "env.sqlite3")
    assert app.config["SECRET_KEY"] == "from-env"


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    key = _instance_secret_key(tmp_path)
    assert len(key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert _instance_secret_key(tmp_path) == key
    assert list(tmp_path.iterdir()) == [tmp_path / "secret_key"]


def test_app_without_configured_key_uses_the_instance_key(monkeypatch, tmp_path):
    monkeypatch.delenv("ANNOTATOR_SECRET_KEY", raising=False)
    monkeypatch.setattr("annotator._instance_secret_key", lambda instance: "kept-in-" + instance.name)
    assert create_app({"TESTING": True, "SECRET_KEY": None}).config["SECRET_KEY"] == "kept-in-instance"


def test_connection_pragmas(tmp_path):
    db = connect(tmp_path / "x.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_init_db_is_idempotent_and_keeps_data(tmp_path, runner, db):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    before = db["articles"].count
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert db["articles"].count == before == 2
    assert db["verdicts"].count == 7


def test_foreign_keys_are_enforced(db):
    try:
        db["annotations"].insert({"article_id": 999, "author_id": 999, "kind": "claim", "start": 0, "end": 1,
                                  "exact": "x", "prefix": "", "suffix": "", "verdict": "true",
                                  "created_at": "t", "updated_at": "t"})
    except sqlite3.IntegrityError as e:
        assert "FOREIGN KEY" in str(e)
    else:
        raise AssertionError("an annotation on a missing article was stored")


def test_security_headers(anonymous):
    response = anonymous.client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unexpected_errors_are_json_under_api_and_a_page_elsewhere(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "x.sqlite3"), "SECRET_KEY": "x"})
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/api/boom")
    def api_boom():
        raise RuntimeError("secret detail")

    @app.get("/boom")
    def page_boom():
        raise RuntimeError("secret detail")

    client = app.test_client()
    response = client.get("/api/boom")
    assert response.status_code == 500 and response.is_json
    assert "secret detail" not in response.get_data(as_text=True)
    page = client.get("/boom")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "secret detail" not in page.get_data(as_text=True)
