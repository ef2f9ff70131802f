"""Listing an article's annotations (issue 7): the same answer, from indexes."""

import gc
import json
import re
import sqlite3

import pytest

import annotator.db
from annotator.annotations import get_annotation, list_json, to_json
from annotator.articles import get_article
from tests.conftest import EMOJI_TEXT, claim

#: Tables whose full scan costs nothing: the scales, and the schema sqlite-utils reads.
SMALL_TABLES = {"verdicts", "correction_types", "sqlite_master"}


@pytest.fixture
def listed(alice, bob, editor, db):
    """Article 1 with claims and corrections by two authors, agree, disagree
    and comment reviews, a deleted, an accepted and an orphaned annotation,
    sources, and text that JSON must escape. Returns the ids made, in order."""
    text = get_article(db, 1)["text"]
    bodies = [
        claim(text, "Maduro", "false", rationale='He said "72 hours" \\ not </script> 👍 مرحبا',
              sources=["https://example.org/a", "https://example.org/b"]),
        claim(text, "Maduro", "mixed", occurrence=1, sources=["https://example.org/a", "https://example.org/b"]),
        {"kind": "correction", "start": text.index("no fiends"), "end": text.index("no fiends") + 9,
         "exact": "no fiends", "correction_type": "typo", "correction": "no friends"},
        claim(text, "Macri", "true"),
    ]
    ids = [alice.api("POST", "/api/articles/1/annotations", json=body).get_json()["id"] for body in bodies]
    ids.append(bob.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "true")).get_json()["id"])
    first, second, fix, deleted, bobs = ids
    for session, annotation_id, body in [
        (bob, first, {"decision": "agree"}),
        (editor, first, {"decision": "disagree", "verdict": "mostly-false", "comment": "Twice, not once."}),
        (bob, first, {"decision": "comment", "comment": "Source?"}),
        (bob, fix, {"decision": "disagree", "correction": "no friend", "comment": "Singular."}),
        (alice, bobs, {"decision": "agree"}),
    ]:
        assert session.api("POST", f"/api/annotations/{annotation_id}/reviews", json=body).status_code == 201
    assert alice.api("DELETE", f"/api/annotations/{deleted}").status_code == 204
    version = get_annotation(db, second)["version"]
    accepted = editor.api("POST", f"/api/annotations/{second}/status",
                          json={"status": "accepted", "final_verdict": "mixed", "version": version})
    assert accepted.status_code == 200, accepted.get_json()
    db.execute("UPDATE annotations SET orphaned = 1 WHERE id = ?", [bobs])
    return ids


def expected_list(db, article_id):
    """The listed annotations worked out the plain way: the live rows in
    document order, each counted review by review."""
    rows = db.execute(
        'SELECT id FROM annotations WHERE article_id = ? AND deleted_at IS NULL ORDER BY start, "end", id',
        [article_id]).fetchall()
    listed = []
    for (annotation_id,) in rows:
        shape = to_json(get_annotation(db, annotation_id))
        decisions = [d for (d,) in db.execute("SELECT decision FROM reviews WHERE annotation_id = ?", [annotation_id])]
        assert (shape["review_count"], shape["agree_count"], shape["disagree_count"]) == (
            len(decisions), decisions.count("agree"), decisions.count("disagree"))
        listed.append(shape)
    return listed


def test_listed_json_is_unchanged(alice, db, listed):
    """Regression: the faster list (indexes, cached sources, orjson) says what jsonify said."""
    first, second, fix, deleted, bobs = listed
    response = alice.api("GET", "/api/articles/1/annotations")
    assert response.status_code == 200 and response.mimetype == "application/json"
    expected = expected_list(db, 1)
    assert [a["id"] for a in expected] == [first, bobs, second, fix]  # by start, end, id; no deleted one
    assert response.get_json() == expected
    # Byte for byte what json.dumps gives with sorted keys, compact, UTF-8 rather than \u escapes.
    assert response.data == (json.dumps(expected, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                             + "\n").encode("utf-8")
    by_id = {a["id"]: a for a in response.get_json()}
    assert (by_id[first]["review_count"], by_id[first]["agree_count"], by_id[first]["disagree_count"]) == (3, 1, 1)
    assert (by_id[fix]["review_count"], by_id[fix]["disagree_count"]) == (1, 1)
    assert by_id[second]["status"] == "accepted" and by_id[second]["final_verdict"] == "mixed"
    assert by_id[bobs]["orphaned"] is True and by_id[first]["sources"] == by_id[second]["sources"]
    assert by_id[first]["rationale"] == 'He said "72 hours" \\ not </script> 👍 مرحبا'
    # Each annotation as its own API answer (the json module's encoding) reads the same.
    for annotation in response.get_json():
        assert alice.api("GET", f"/api/annotations/{annotation['id']}").get_json() == annotation


def test_list_of_an_article_without_annotations_or_unknown(alice):
    assert alice.api("GET", "/api/articles/2/annotations").data == b"[]\n"
    missing = alice.api("GET", "/api/articles/99/annotations")
    assert missing.status_code == 404 and "no article 99" in missing.get_json()["error"]


def test_list_on_emoji_text_counts_code_points(alice):
    start = EMOJI_TEXT.index("check")
    body = {"kind": "claim", "start": start, "end": start + 5, "exact": "check", "verdict": "true"}
    assert alice.api("POST", "/api/articles/2/annotations", json=body).status_code == 201
    [listed] = alice.api("GET", "/api/articles/2/annotations").get_json()
    assert (listed["start"], listed["end"], listed["prefix"]) == (7, 12, "Fact 👍 ")


def test_sources_of_one_annotation_are_not_shared_with_the_next(db, listed):
    """Regression: the parsed sources are cached; a caller changing its list must not change the cache."""
    row = get_annotation(db, listed[0])
    to_json(row)["sources"].append("https://example.org/changed")
    assert to_json(row)["sources"] == ["https://example.org/a", "https://example.org/b"]


def traced_queries(monkeypatch, session, path):
    """The SELECTs one GET of ``path`` runs, with their parameters filled in."""
    statements = []
    connect = annotator.db.connect

    def connect_traced(database, *args):
        db = connect(database, *args)
        db.conn.set_trace_callback(statements.append)
        return db

    monkeypatch.setattr(annotator.db, "connect", connect_traced)
    assert session.client.get(path).status_code == 200
    monkeypatch.setattr(annotator.db, "connect", connect)
    return [s for s in dict.fromkeys(statements) if s.lstrip().upper().startswith("SELECT")]


def test_list_queries_use_indexes(app, alice, listed, monkeypatch):
    """Regression: no query of the list reads a whole big table or sorts in a temporary B-tree."""
    queries = traced_queries(monkeypatch, alice, "/api/articles/1/annotations")
    assert any("FROM annotations" in q for q in queries)
    conn = sqlite3.connect(app.config["DATABASE"])
    plans = {q: [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + q)] for q in queries}
    conn.close()
    for query, lines in plans.items():
        for line in lines:
            scanned = re.match(r"SCAN (\w+)", line)
            assert not (scanned and scanned.group(1) not in SMALL_TABLES), (query, lines)
            assert "TEMP B-TREE" not in line, (query, lines)
    listing = next(lines for q, lines in plans.items() if "review_count" in q)
    assert any("annotations_by_article" in line for line in listing)
    # The agree and disagree counts read the index alone, not every review's row.
    assert sum("COVERING INDEX reviews_by_annotation_decision" in line for line in listing) == 2, listing


def test_review_counts_index_is_a_migration(db):
    indexes = {row["name"]: row for row in db.query("SELECT name, sql FROM sqlite_master WHERE type = 'index'")}
    assert "reviews (annotation_id, decision)" in indexes["reviews_by_annotation_decision"]["sql"]
    assert "reviews_by_annotation" in indexes  # still orders each review thread
    assert any(m["name"] == "m012_list_indexes" for m in db.query("SELECT name FROM _sqlite_migrations"))


def test_debug_mode_lists_indented(app, alice, listed):
    app.debug = True
    try:
        text = alice.api("GET", "/api/articles/1/annotations").get_data(as_text=True)
    finally:
        app.debug = False
    assert text.startswith("[\n  {") and json.loads(text)[0]["id"] == listed[0]



def test_listing_leaves_garbage_collection_as_it_was(db, listed):
    """Regression: the list pauses the collector while it builds; it must not leave it off (or turn it on)."""
    assert gc.isenabled() and len(list_json(db, 1)) == 4 and gc.isenabled()
    gc.disable()
    try:
        list_json(db, 1)
        assert not gc.isenabled()
    finally:
        gc.enable()
