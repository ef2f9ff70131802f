"""The JSON Lines export: one annotation a line, every stored field, its reviews."""

import json

import pytest

from annotator.export import JSONL_KEYS, REVIEW_KEYS, dumps_line
from tests.export_data import ODD_RATIONALE, seed

STAMP = "2026-01-02T03:04:05Z"


@pytest.fixture
def rich(db):
    ids = seed(db)
    db.execute("UPDATE annotations SET created_at = ?, updated_at = ?", [STAMP, STAMP])
    db.execute("UPDATE reviews SET created_at = ?", [STAMP])
    db.conn.commit()
    return ids


def records(session, path="/export.jsonl"):
    response = session.client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [json.loads(line) for line in response.get_data(as_text=True).split("\n")[:-1]]


def test_one_line_per_current_annotation_with_every_key(alice, rich):
    found = records(alice)
    assert [r["id"] for r in found] == [rich[n] for n in ("claim", "misleading", "typo", "deletion", "emoji_claim",
                                                           "orphan", "kept")]  # document order; deleted left out
    for record in found:
        assert tuple(record) == JSONL_KEYS
        for review in record["reviews"]:
            assert tuple(review) == REVIEW_KEYS


def test_a_claim_record_in_full(alice, rich):
    [record] = [r for r in records(alice) if r["id"] == rich["claim"]]
    assert record == {
        "id": rich["claim"], "article_id": 1,
        "article_title": "Venezuela cuts diplomatic ties with US after Guaido recognized",
        "article_url": "https://example.org/venezuela", "revision": 1, "kind": "claim", "start": 18, "end": 24,
        "exact": "Maduro", "prefix": "President Nicolas ", "suffix": " of Venezuela announced his coun",
        "verdict": "false", "correction_type": None, "correction": None, "rationale": "He said so on TV.",
        "sources": ["https://example.com/a", "https://example.com/b?x=1&y=2"], "author": "alice",
        "created_at": STAMP, "updated_at": STAMP, "status": "accepted", "status_note": "Checked.",
        "final_verdict": "mostly-false", "orphaned": False, "version": 2, "content_version": 1,
        "review_count": 2, "agree_count": 1, "disagree_count": 1,
        "reviews": [
            {"id": rich["agree"], "reviewer": "bob", "decision": "agree", "verdict": "false", "correction": None,
             "comment": "", "created_at": STAMP, "content_version": 1},
            {"id": rich["disagree"], "reviewer": "bob", "decision": "disagree", "verdict": "mostly-false",
             "correction": None, "comment": "Only partly: see the transcript.", "created_at": STAMP,
             "content_version": 1},
        ],
    }


def test_corrections_and_orphans(alice, rich):
    found = {r["id"]: r for r in records(alice)}
    deletion = found[rich["deletion"]]
    assert (deletion["kind"], deletion["correction_type"], deletion["correction"], deletion["exact"]) == (
        "correction", "style", "", "👍 ")
    assert [r["decision"] for r in found[rich["typo"]]["reviews"]] == ["comment", "disagree"]
    assert found[rich["typo"]]["reviews"][1]["correction"] == "THE"
    orphan, kept = found[rich["orphan"]], found[rich["kept"]]
    assert (orphan["orphaned"], orphan["revision"], orphan["start"]) == (True, 1, 15)
    assert (kept["orphaned"], kept["revision"], kept["exact"]) == (False, 2, "40%")


def test_text_stays_utf8_and_every_record_one_line(alice, rich):
    data = alice.client.get("/export.jsonl").get_data()
    text = data.decode("utf-8")
    assert "👍" in text and "\\ud83d" not in text  # ensure_ascii off
    lines = text.splitlines()  # splits at U+2028 too, so that one is escaped
    assert len(lines) == 7 and text.endswith("\n")
    [emoji_claim] = [json.loads(line) for line in lines if json.loads(line)["id"] == rich["emoji_claim"]]
    assert emoji_claim["rationale"] == ODD_RATIONALE
    assert dumps_line({"a": "x\u2028y\u2029z\u0085"}) == '{"a": "x\\u2028y\\u2029z\\u0085"}'


def test_download_headers_filters_and_streaming(alice, rich):
    response = alice.client.get("/articles/2/export.jsonl")
    assert response.is_streamed
    assert response.headers["Content-Type"] == "application/x-ndjson"
    assert response.headers["Content-Disposition"] == 'attachment; filename="article-2-annotations.jsonl"'
    assert [r["author"] for r in records(alice, "/export.jsonl?author=bob")] == ["bob"] * 4
    assert records(alice, "/export.jsonl?status=accepted")[0]["id"] == rich["claim"]
    assert alice.client.get("/export.jsonl?since=yesterday").status_code == 400


def test_nothing_to_export_is_an_empty_file(alice):
    assert alice.client.get("/export.jsonl").get_data() == b""


def test_login_required(anonymous):
    assert anonymous.client.get("/export.jsonl").status_code == 302
