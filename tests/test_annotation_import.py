"""Annotations back in: our CSV, JSON Lines and W3C exports imported into an
article, re-anchored, all or nothing; and the round trip export -> import
into a fresh database -> export."""

import csv
import io
import json

import pytest

from annotator import create_app
from annotator.annotation_import import import_annotations, read_records
from annotator.articles import create_article, get_article
from annotator.db import connect, get_db, init_db
from annotator.demo import DEMO_TITLE, demo_text
from tests.conftest import EMOJI_TEXT
from tests.export_data import seed

PUBLIC_URL = "https://factcheck.example.org"


@pytest.fixture
def rich(app, db):
    app.config["PUBLIC_URL"] = PUBLIC_URL
    return seed(db)


@pytest.fixture
def fresh(tmp_path):
    """Another instance: a new database holding the same two articles, no users."""
    path = tmp_path / "fresh.sqlite3"
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "x", "PUBLIC_URL": PUBLIC_URL})
    with app.app_context():
        db = get_db()
        init_db(db)
        create_article(db, DEMO_TITLE, demo_text(), "https://example.org/venezuela")
        create_article(db, "Emoji", EMOJI_TEXT)
    conn = connect(path)
    yield app, conn
    conn.close()


def export(app, path):
    return app.test_cli_runner().invoke(args=["export", *path]).stdout_bytes


def run_import(app, tmp_path, name, data, article=1):
    (tmp_path / name).write_bytes(data)
    return app.test_cli_runner().invoke(args=["import-annotations", str(tmp_path / name), "--article", str(article)])


@pytest.mark.parametrize("fmt, name", [("jsonl", "a.jsonl"), ("w3c", "a.jsonld")])
@pytest.mark.parametrize("article", [1, 2])
def test_round_trip_gives_the_same_export(app, rich, fresh, tmp_path, fmt, name, article):
    before = export(app, ["--format", fmt, "--article", str(article)])
    fresh_app, _ = fresh
    result = run_import(fresh_app, tmp_path, name, before, article)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["imported"] == report["exact"] > 0 and report["duplicates"] == []
    assert export(fresh_app, ["--format", fmt, "--article", str(article)]) == before


def test_csv_round_trip_keeps_every_column_it_carries(app, rich, fresh, tmp_path):
    before = export(app, ["--format", "csv", "--article", "1"])
    fresh_app, _ = fresh
    assert run_import(fresh_app, tmp_path, "a.csv", before).exit_code == 0
    after = export(fresh_app, ["--format", "csv", "--article", "1"])
    # A CSV holds no reviews, so only their counts differ.
    counts = {"review_count", "agree_count", "disagree_count"}

    def rows(data):
        return [{k: v for k, v in row.items() if k not in counts} for row in csv.DictReader(io.StringIO(data.decode()))]

    assert rows(after) == rows(before) and len(rows(before)) == 3


def test_people_without_an_account_get_a_deactivated_one(app, rich, fresh, tmp_path):
    fresh_app, fresh_db = fresh
    result = run_import(fresh_app, tmp_path, "a.jsonl", export(app, ["--format", "jsonl", "--article", "1"]))
    assert sorted(json.loads(result.output)["created_users"]) == ["alice", "bob"]
    assert [(u["username"], u["active"], u["role"]) for u in fresh_db["users"].rows] == [
        ("alice", 0, "reviewer"), ("bob", 0, "reviewer")]


def test_importing_twice_skips_duplicates(app, rich, tmp_path, db):
    data = export(app, ["--format", "jsonl", "--article", "1"])
    counts = (db["annotations"].count, db["reviews"].count)
    report = json.loads(run_import(app, tmp_path, "a.jsonl", data).output)
    assert report["imported"] == 0 and sorted(report["duplicates"]) == sorted(
        json.loads(line)["id"] for line in data.decode().splitlines())
    assert (db["annotations"].count, db["reviews"].count) == counts


def test_moved_words_are_found_by_their_quote_and_lost_ones_orphaned(app, rich, fresh, tmp_path):
    data = export(app, ["--format", "jsonl", "--article", "1"])
    fresh_app, fresh_db = fresh
    with fresh_app.app_context():
        db = get_db()
        article = create_article(db, "Edited", "A new first paragraph.\n\n" + demo_text().replace("Maduro", "Mr M", 1))
    result = run_import(fresh_app, tmp_path, "a.jsonl", data, article)
    report = json.loads(result.output)
    assert (report["imported"], report["exact"]) == (3, 0)
    text = get_article(fresh_db, article)["text"]
    for item in report["annotations"]:
        if item["outcome"] != "orphaned":
            row = fresh_db["annotations"].get(item["id"])
            assert text[row["start"]:row["end"]] == row["exact"]
    assert report["moved"] >= 2


def test_an_orphan_stays_an_orphan(app, rich, tmp_path, db):
    data = export(app, ["--format", "jsonl", "--article", str(rich["roads_article"])])
    orphan = next(json.loads(line) for line in data.decode().splitlines() if json.loads(line)["orphaned"])
    db.execute("DELETE FROM reviews WHERE annotation_id = ?", [orphan["id"]])
    records = read_records(data, "jsonl")
    for item in records:
        item["id"] = None  # as if from elsewhere
    with app.app_context():
        report = import_annotations(get_db(), get_article(db, rich["roads_article"]), records)
    assert report["orphaned"] == 1 and report["duplicates"] == [None]  # bob's kept claim is already there


@pytest.mark.parametrize("mangle, message", [
    (lambda r: r.update(verdict="maybe"), "verdict"),
    (lambda r: r.update(status="done"), "status must be one of"),
    (lambda r: r.update(author="two words"), "username"),
    (lambda r: r.update(created_at="yesterday"), "UTC time"),
    (lambda r: r.update(created_at="2026-01-02 03:04"), "UTC time"),
    (lambda r: r.update(id=2**63 - 1), "whole number from 1"),
    (lambda r: r.update(id=1.5), "whole number from 1"),
    (lambda r: r.update(id=-7), "whole number from 1"),
    (lambda r: r.update(prefix=["a"]), "prefix must be text"),
    (lambda r: r.update(status_note={"a": 1}), "status_note must be a string"),
    (lambda r: r["reviews"].append({"reviewer": "zed", "decision": "comment", "comment": "bell\u0007"}),
     "control character"),
    (lambda r: r["reviews"].append({"reviewer": "zed", "decision": "disagree", "verdict": r["verdict"],
                                    "comment": "x"}), "a disagreement needs"),
    (lambda r: r["reviews"].append({"reviewer": r["author"], "decision": "agree"}), "nobody reviews their own"),
])
def test_one_bad_record_imports_nothing(app, rich, fresh, tmp_path, mangle, message):
    lines = export(app, ["--format", "jsonl", "--article", "1"]).decode().splitlines()
    records = [json.loads(line) for line in lines]
    mangle(records[-1])
    fresh_app, fresh_db = fresh
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    result = run_import(fresh_app, tmp_path, "a.jsonl", data)
    assert result.exit_code == 1
    assert f"Line {len(records)}" in result.output and message in result.output
    assert (fresh_db["annotations"].count, fresh_db["reviews"].count, fresh_db["users"].count) == (0, 0, 0)


@pytest.mark.parametrize("name, data, message", [
    ("a.txt", b"x", "Cannot tell the format"),
    ("a.jsonl", b"{not json", "Line 1 is not JSON"),
    ("a.jsonl", b"\xff\xfe", "not UTF-8"),
    ("a.csv", b"a,b\r\n1,2\r\n", "not our annotations CSV"),
    ("a.jsonld", b'{"type": "Annotation", "motivation": "assessing", "target": {"source": "x"}}', "TextQuoteSelector"),
])
def test_unreadable_files_get_a_clear_error(fresh, tmp_path, name, data, message):
    fresh_app, fresh_db = fresh
    result = run_import(fresh_app, tmp_path, name, data)
    assert result.exit_code == 1 and message in result.output
    assert fresh_db["annotations"].count == 0


def test_an_orphan_imported_twice_is_a_duplicate_not_a_crash(app, rich, fresh, tmp_path):
    """Fault: re-importing an id-less file with an orphan broke on the unique index (500)."""
    fresh_app, fresh_db = fresh
    line = json.dumps({"kind": "claim", "start": 5, "end": 9, "exact": "words nowhere in the text",
                       "verdict": "false", "author": "zed"}).encode()
    first = json.loads(run_import(fresh_app, tmp_path, "o.jsonl", line).output)
    assert first["orphaned"] == 1
    second = run_import(fresh_app, tmp_path, "o.jsonl", line)
    assert second.exit_code == 0, second.output
    assert json.loads(second.output)["duplicates"] == [None] and fresh_db["annotations"].count == 1


def test_an_accepted_claim_imported_onto_changed_words_is_reopened(fresh, tmp_path):
    """Fault: an import published a verdict on words nobody had checked (fuzzy, still accepted)."""
    fresh_app, fresh_db = fresh
    text = get_article(fresh_db, 1)["text"]
    quote = "gave 72 hours for diplomats to leave the country"
    start = text.index(quote)
    record = {"kind": "claim", "start": start, "end": start + len(quote),
              "exact": "gave 48 hours for diplomats to leave the country", "prefix": text[start - 32:start],
              "suffix": text[start + len(quote):start + len(quote) + 32], "verdict": "true", "author": "zed",
              "status": "accepted"}
    report = json.loads(run_import(fresh_app, tmp_path, "f.jsonl", json.dumps(record).encode()).output)
    assert report["fuzzy"] == 1
    row = fresh_db["annotations"].get(report["annotations"][0]["id"])
    assert (row["status"], row["exact"]) == ("open", quote)
    assert row["status_note"].startswith("Reopened: imported onto changed words")


@pytest.mark.parametrize("name, data, message", [
    ("deep.jsonl", b"[" * 50_000 + b"]" * 50_000, "Line 1 is not JSON"),
    ("deep.jsonld", b"[" * 50_000 + b"]" * 50_000, "not JSON"),
    ("t.jsonld", b'{"type": "Annotation", "motivation": "assessing", "target": [1]}', "target must be one object"),
    ("m.jsonld", b'{"type": "Annotation", "motivation": ["assessing"], "target": {"selector": '
                 b'{"type": "TextQuoteSelector", "exact": "Maduro"}}}', "motivation must be"),
])
def test_malformed_files_are_400_not_crashes(fresh, tmp_path, name, data, message):
    fresh_app, fresh_db = fresh
    result = run_import(fresh_app, tmp_path, name, data)
    assert result.exit_code == 1 and message in result.output, result.output
    assert fresh_db["annotations"].count == 0


def test_the_import_page_reports_a_bad_file_without_a_500(app, db, editor):
    """Fault: a malformed file gave the editor a bare 500 page."""
    import io
    response = editor.client.post("/articles/1/import", content_type="multipart/form-data", data={
        "csrf_token": editor.csrf_token(), "file": (io.BytesIO(b'{"id": 1.5, "kind": "claim"}'), "x.jsonl")})
    assert response.status_code == 400 and "whole number from 1" in response.get_data(as_text=True)
