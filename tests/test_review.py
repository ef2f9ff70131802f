"""Reviews of teammates' annotations and editors' status decisions (issue 4)."""

import pytest

from annotator.articles import get_article
from tests.conftest import claim


@pytest.fixture
def claim_id(alice, db):
    text = get_article(db, 1)["text"]
    return alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "false")).get_json()["id"]


@pytest.fixture
def correction_id(alice, db):
    text = get_article(db, 1)["text"]
    start = text.index("no fiends")
    return alice.api("POST", "/api/articles/1/annotations", json={
        "kind": "correction", "start": start, "end": start + 9, "exact": "no fiends",
        "correction_type": "typo", "correction": "no friends"}).get_json()["id"]


def review(session, annotation_id, **body):
    return session.api("POST", f"/api/annotations/{annotation_id}/reviews", json=body)


def test_a_thread_of_reviews(alice, bob, editor, claim_id):
    assert review(bob, claim_id, decision="agree").status_code == 201
    disagree = review(editor, claim_id, decision="disagree", verdict="mostly-false", comment="He said it twice.")
    assert disagree.status_code == 201
    assert disagree.get_json()["verdict"] == "mostly-false" and disagree.get_json()["reviewer"] == "erin"
    assert review(bob, claim_id, decision="comment", comment="Source? ").status_code == 201
    thread = alice.api("GET", f"/api/annotations/{claim_id}/reviews").get_json()
    assert [(r["reviewer"], r["decision"], r["comment"]) for r in thread] == [
        ("bob", "agree", ""), ("erin", "disagree", "He said it twice."), ("bob", "comment", "Source?")]
    actions = [e["action"] for e in alice.api("GET", f"/api/annotations/{claim_id}/history").get_json()]
    assert actions == ["create", "review", "review", "review"]


def test_nobody_reviews_their_own_annotation(alice, db, claim_id):
    response = review(alice, claim_id, decision="agree")
    assert response.status_code == 403 and "their own" in response.get_json()["error"]
    assert db["reviews"].count == 0


@pytest.mark.parametrize("body, message", [
    ({"decision": "maybe"}, "decision must be"),
    ({"decision": "disagree", "comment": "no"}, "give your verdict"),
    ({"decision": "disagree", "verdict": "pants-on-fire", "comment": "no"}, "give your verdict"),
    ({"decision": "disagree", "verdict": "true"}, "Say why"),
    ({"decision": "comment", "comment": "  "}, "needs some text"),
    ({"decision": "comment", "comment": 5}, "must be a string"),
    ({"decision": "comment", "comment": "bell \x07"}, "control character"),
])
def test_bad_reviews_are_400_and_store_nothing(bob, db, claim_id, body, message):
    response = review(bob, claim_id, **body)
    assert response.status_code == 400 and message in response.get_json()["error"]
    assert db["reviews"].count == 0


def test_disagreeing_with_a_correction_gives_a_replacement(bob, correction_id):
    assert review(bob, correction_id, decision="disagree", comment="wrong fix").status_code == 400
    ok = review(bob, correction_id, decision="disagree", correction="no friend", comment="Singular in the wire copy.")
    assert ok.status_code == 201 and ok.get_json()["correction"] == "no friend"


def test_editor_sets_status_others_may_not(alice, bob, editor, db, claim_id):
    for session in (alice, bob):
        refused = session.api("POST", f"/api/annotations/{claim_id}/status", json={"status": "accepted"})
        assert refused.status_code == 403 and "Only editors" in refused.get_json()["error"]
    assert alice.api("GET", f"/api/annotations/{claim_id}").get_json()["status"] == "open"
    done = editor.api("POST", f"/api/annotations/{claim_id}/status", json={"status": "needs-work", "note": "Add a source"})
    assert done.status_code == 200
    assert (done.get_json()["status"], done.get_json()["status_note"]) == ("needs-work", "Add a source")
    bad = editor.api("POST", f"/api/annotations/{claim_id}/status", json={"status": "published"})
    assert bad.status_code == 400 and "status must be one of" in bad.get_json()["error"]
    last = alice.api("GET", f"/api/annotations/{claim_id}/history").get_json()[-1]
    assert (last["action"], last["before"]["status"], last["after"]["status"]) == ("status", "open", "needs-work")


def test_reviews_of_missing_or_deleted_annotations_are_404(alice, bob, claim_id):
    assert review(bob, 999, decision="agree").status_code == 404
    alice.api("DELETE", f"/api/annotations/{claim_id}")
    assert review(bob, claim_id, decision="agree").status_code == 404


def test_csv_counts_reviews_and_shows_the_final_verdict(alice, bob, editor, claim_id, correction_id, runner):
    import csv
    import io

    review(bob, claim_id, decision="agree")
    review(editor, claim_id, decision="disagree", verdict="mixed", comment="=cmd|' /C calc'!A0")
    review(bob, correction_id, decision="comment", comment="Is it a typo?")
    resolved = editor.api("POST", f"/api/annotations/{claim_id}/status",
                          json={"status": "accepted", "final_verdict": "mixed", "note": "Settled on mixed."})
    assert resolved.get_json()["final_verdict"] == "mixed"
    editor.api("POST", f"/api/annotations/{correction_id}/status", json={"status": "rejected"})
    rows = {int(r["annotation_id"]): r for r in csv.DictReader(io.StringIO(
        alice.client.get("/articles/1/export.csv").get_data(as_text=True)))}
    claim_row, correction_row = rows[claim_id], rows[correction_id]
    assert [claim_row[k] for k in ("status", "review_count", "agree_count", "disagree_count", "final_verdict")] == \
        ["accepted", "2", "1", "1", "mixed"]
    assert [correction_row[k] for k in ("status", "review_count", "final_verdict")] == ["rejected", "1", ""]

    reviews = list(csv.DictReader(io.StringIO(alice.client.get("/articles/1/export-reviews.csv").get_data(as_text=True))))
    assert [(r["annotation_id"], r["reviewer"], r["decision"], r["verdict"]) for r in reviews] == [
        (str(claim_id), "bob", "agree", "false"), (str(claim_id), "erin", "disagree", "mixed"),
        (str(correction_id), "bob", "comment", "")]
    assert reviews[1]["comment"] == "'=cmd|' /C calc'!A0"  # neutralised
    assert list(reviews[0]) == ["review_id", "annotation_id", "reviewer", "decision", "verdict", "correction",
                                "comment", "created_at", "article_id"]
    cli = runner.invoke(args=["export-reviews", "--article", "1"])
    assert cli.exit_code == 0 and cli.output.count("\n") == 4
    assert alice.client.get("/articles/99/export-reviews.csv").status_code == 404


def test_final_verdict_is_for_claims_with_a_known_verdict(editor, claim_id, correction_id):
    for annotation_id, body in ((claim_id, {"status": "accepted", "final_verdict": "sort-of"}),
                                (correction_id, {"status": "accepted", "final_verdict": "true"})):
        response = editor.api("POST", f"/api/annotations/{annotation_id}/status", json=body)
        assert response.status_code == 400 and "final_verdict is for claims" in response.get_json()["error"]
