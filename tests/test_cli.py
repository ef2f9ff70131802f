import csv
import io

from annotator.articles import get_article
from tests.conftest import PASSWORD, claim


def test_create_user(runner, db):
    result = runner.invoke(args=["create-user", "carol", "--password", PASSWORD, "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert next(db["users"].rows_where("username = 'carol'"))["role"] == "admin"


def test_create_user_prompts_for_password(runner, db):
    result = runner.invoke(args=["create-user", "dave"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert db["users"].count_where("username = 'dave'") == 1


def test_create_user_errors(runner, db):
    assert "taken" in runner.invoke(args=["create-user", "alice", "--password", PASSWORD]).output
    assert runner.invoke(args=["create-user", "eve", "--password", "x"]).exit_code != 0
    assert runner.invoke(args=["create-user", "eve", "--password", PASSWORD, "--role", "god"]).exit_code != 0
    assert db["users"].count == 2


def test_import_article_prints_id_last(runner, db, tmp_path):
    path = tmp_path / "story.txt"
    path.write_bytes("Headline here\r\n\r\nBody with caf\u0065\u0301.\r\n".encode("utf-8"))
    result = runner.invoke(args=["import-article", str(path), "--title", "A story", "--url", "https://example.com/s"])
    assert result.exit_code == 0, result.output
    article_id = int(result.output.strip().splitlines()[-1])
    article = get_article(db, article_id)
    assert (article["title"], article["url"], article["text"]) == ("A story", "https://example.com/s", "Headline here\n\nBody with café.")
    result = runner.invoke(args=["import-article", str(path)])
    assert db["articles"].get(int(result.output.split()[-1]))["title"] == "Headline here"


def test_import_article_errors_store_nothing(runner, db, tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n  \n")
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9")
    for name, message in (("empty.txt", "The file is empty"), ("latin1.txt", "not UTF-8")):
        result = runner.invoke(args=["import-article", str(tmp_path / name), "--title", "T"])
        assert result.exit_code != 0 and message in result.output
    result = runner.invoke(args=["import-article", str(tmp_path / "empty.txt"), "--title", "T", "--url", "file:///etc"])
    assert result.exit_code != 0
    assert db["articles"].count == 2


def test_export_csv_to_stdout_and_file(runner, alice, db, tmp_path):
    text = get_article(db, 1)["text"]
    alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", rationale="-2 is negative"))
    result = runner.invoke(args=["export-csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows[0]["quote"] == "Maduro" and rows[0]["rationale"] == "'-2 is negative"
    out = tmp_path / "out.csv"
    assert runner.invoke(args=["export-csv", "--article", "1", "--output", str(out)]).exit_code == 0
    assert out.read_bytes() == result.stdout_bytes  # one article here, so the same rows
    assert out.read_bytes().count(b"\r\n") == 2
    result = runner.invoke(args=["export-csv", "--article", "42"])
    assert result.exit_code != 0 and "no article 42" in result.output


def test_demo_seeds_once(runner, db):
    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "Log in as:  demo / " in first.output and "http://127.0.0.1:5000/articles/" in first.output
    assert next(db["users"].rows_where("username = 'demo'"))["role"] == "admin"  # sees every page
    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0
    assert db["articles"].count == 2  # the fixture already holds the demo article
    assert db["annotations"].count == 2  # the teammate's two, made once


def test_commands_on_a_new_database_create_its_tables_first(tmp_path, monkeypatch):
    """Regression: import-article before init-db made a table without ids and broke the database."""
    from annotator import create_app

    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "new.sqlite3"), "SECRET_KEY": "x"})
    runner = app.test_cli_runner()
    story = tmp_path / "story.txt"
    story.write_text("Body text.")
    result = runner.invoke(args=["import-article", str(story), "--title", "T"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["create-user", "zoe", "--password", PASSWORD]).exit_code == 0
    assert runner.invoke(args=["demo", "--no-serve"]).exit_code == 0


def test_export_csv_bad_arguments_are_messages_not_tracebacks(runner, tmp_path):
    result = runner.invoke(args=["export-csv", "--article", "99999999999999999999999"])
    assert result.exit_code == 2 and "not in the range" in result.output
    result = runner.invoke(args=["export-csv", "--output", str(tmp_path / "missing" / "x.csv")])
    assert result.exit_code == 1 and "Cannot write" in result.output
    assert not (tmp_path / "missing").exists()


def test_import_article_bad_url_and_empty_file_messages(runner, db, tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("Body")
    result = runner.invoke(args=["import-article", str(story), "--url", "http://[::1"])
    assert result.exit_code == 1 and "not an http(s) URL" in result.output
    story.write_text("   \n\n")
    result = runner.invoke(args=["import-article", str(story)])
    assert result.exit_code == 1 and "The file is empty" in result.output
    assert db["articles"].count == 2


def test_demo_refuses_a_busy_port_before_changing_passwords(runner, db):
    """Regression: a second demo on the same port reset the running demo's passwords, then failed."""
    import socket

    from annotator.auth import authenticate

    assert runner.invoke(args=["demo", "--no-serve"]).exit_code == 0
    before = {r["username"]: r["password_hash"] for r in db["users"].rows}
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        result = runner.invoke(args=["demo", "--port", str(port)])
    assert result.exit_code == 1 and f"Port {port} on 127.0.0.1 is in use" in result.output
    assert {r["username"]: r["password_hash"] for r in db["users"].rows} == before
    assert authenticate(db, "alice", PASSWORD)


def test_import_article_from_html_file_and_missing_source(runner, db, tmp_path):
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Ministry denies report</title><link rel='canonical' href='https://news.example/story'>"
        "<meta name='author' content='Ana Ruiz'></head><body><nav>Home | World</nav><article>"
        "<p>The ministry denied on Tuesday that the budget was cut by 40&nbsp;per cent, a figure first reported "
        "by several outlets and repeated by two members of parliament during the debate.</p>"
        "<p>Officials said the real figure was 4&nbsp;per cent &amp; would be published on Friday, along with "
        "the full tables for every department and agency involved in the review.</p>"
        "</article><footer>Contact us</footer></body></html>", encoding="utf-8")
    result = runner.invoke(args=["import-article", str(page)])
    assert result.exit_code == 0, result.output
    article = get_article(db, int(result.output.split()[-1]))
    assert article["title"] == "Ministry denies report" and article["url"] == "https://news.example/story"
    assert article["author"] == "Ana Ruiz"
    assert "40\u00a0per cent" in article["text"] and "4\u00a0per cent & would" in article["text"]
    assert "Home | World" not in article["text"] and "Contact us" not in article["text"]
    result = runner.invoke(args=["import-article", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1 and "There is no file" in result.output
