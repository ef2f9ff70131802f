"""What a review and an editor's decision stand for stays true: regressions
from a fresh tester's findings (each test names the fault it guards against)."""

import pytest

from annotator import annotations as model
from annotator.agreement import judgements
from annotator.articles import get_article
from annotator.auth import create_user, set_active
from annotator.errors import BadRequest, Conflict
from tests.conftest import PASSWORD, Session, claim


@pytest.fixture
def text(db):
    return get_article(db, 1)["text"]


@pytest.fixture
def alices_claim(alice, text):
    response = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "false"))
    assert response.status_code == 201
    return response.get_json()


def get(session, annotation_id):
    return session.api("GET", f"/api/annotations/{annotation_id}").get_json()


def queue_ids(session):
    return [item["id"] for item in session.api("GET", "/api/queue").get_json()["items"]]


def test_editing_an_accepted_claim_reopens_it(alice, editor, alices_claim):
    """Fault: an accepted claim edited afterwards stayed accepted with its final verdict."""
    a = alices_claim
    assert editor.api("POST", f"/api/annotations/{a['id']}/status",
                      json={"status": "accepted", "final_verdict": "mostly-false"}).status_code == 200
    response = alice.api("PATCH", f"/api/annotations/{a['id']}", json={"verdict": "true", "version": get(alice, a["id"])["version"]})
    assert response.status_code == 200
    edited = response.get_json()
    assert (edited["status"], edited["final_verdict"]) == ("open", None)
    assert edited["status_note"] == "Reopened: edited after it was accepted."
    actions = [h["action"] for h in alice.api("GET", f"/api/annotations/{a['id']}/history").get_json()]
    assert actions[-2:] == ["edit", "status"]


def test_an_edited_correction_leaves_the_corrected_text(alice, editor, text):
    """Fault: an accepted correction edited later reached the corrected text unreviewed."""
    start = text.index("no fiends")
    a = alice.api("POST", "/api/articles/1/annotations", json={
        "kind": "correction", "start": start, "end": start + 9, "exact": "no fiends",
        "correction_type": "typo", "correction": "no friends"}).get_json()
    editor.api("POST", f"/api/annotations/{a['id']}/status", json={"status": "accepted"})
    assert "no friends" in alice.client.get("/articles/1/corrected.txt").get_data(as_text=True)
    alice.api("PATCH", f"/api/annotations/{a['id']}", json={"correction": "no friends LOL", "version": 2})
    corrected = alice.client.get("/articles/1/corrected.txt").get_data(as_text=True)
    assert "LOL" not in corrected and "no fiends" in corrected


def test_an_edit_sends_it_back_to_reviewers(alice, bob, alices_claim):
    """Fault: an annotation a reviewer had agreed with never came back after an edit."""
    a = alices_claim
    assert bob.api("POST", f"/api/annotations/{a['id']}/reviews", json={"decision": "agree"}).status_code == 201
    assert a["id"] not in queue_ids(bob)
    alice.api("PATCH", f"/api/annotations/{a['id']}", json={"rationale": "New reasons.", "version": 1})
    assert a["id"] in queue_ids(bob)


def test_a_review_of_what_was_edited_meanwhile_is_refused(alice, bob, alices_claim, db):
    """Fault: an agree sent from a stale page counted for the claim's new verdict."""
    a = alices_claim
    alice.api("PATCH", f"/api/annotations/{a['id']}", json={"verdict": "true", "version": 1})
    response = bob.api("POST", f"/api/annotations/{a['id']}/reviews",
                       json={"decision": "agree", "content_version": a["content_version"]})
    assert response.status_code == 409 and "edited since you opened it" in response.get_json()["error"]
    assert db["reviews"].count == 0


def test_an_agreement_keeps_the_verdict_agreed_with(alice, bob, editor, alices_claim, db):
    """Fault: an agreement counted for whatever verdict the claim got later."""
    a = alices_claim
    erin = next(db["users"].rows_where("username = 'erin'"))
    model.create_annotation(db, get_article(db, 1), erin, claim(get_article(db, 1)["text"], "Maduro", "mixed"))
    bob.api("POST", f"/api/annotations/{a['id']}/reviews", json={"decision": "agree"})
    alice.api("PATCH", f"/api/annotations/{a['id']}", json={"verdict": "true", "version": 1})
    [people] = judgements(db, 1).values()
    assert people == {"alice": "true", "erin": "mixed", "bob": "false"}


def test_a_status_form_without_a_final_verdict_keeps_it(editor, alices_claim):
    """Fault: changing only the note on the article page wiped a conflict's final verdict."""
    a = alices_claim
    editor.api("POST", f"/api/annotations/{a['id']}/status", json={"status": "accepted", "final_verdict": "mixed"})
    response = editor.api("POST", f"/api/annotations/{a['id']}/status", json={"status": "accepted", "note": "Fine."})
    assert response.get_json()["final_verdict"] == "mixed"
    cleared = editor.api("POST", f"/api/annotations/{a['id']}/status", json={"status": "open", "final_verdict": None})
    assert cleared.get_json()["final_verdict"] is None


def test_a_decision_on_a_stale_page_is_refused(app, editor, alices_claim, db):
    """Fault: two editors deciding at once: the last one silently overwrote the other."""
    create_user(db, "ed2", PASSWORD, role="editor")
    ed2 = Session(app.test_client())
    ed2.login("ed2")
    a = alices_claim
    assert ed2.api("POST", f"/api/annotations/{a['id']}/status",
                   json={"status": "rejected", "version": a["version"]}).status_code == 200
    response = editor.api("POST", f"/api/annotations/{a['id']}/status",
                          json={"status": "accepted", "note": "typed on an old page", "version": a["version"]})
    assert response.status_code == 409 and "changed since you loaded it" in response.get_json()["error"]
    assert get(editor, a["id"])["status"] == "rejected"


def test_resolving_a_conflict_seen_before_another_editor_decided_is_refused(alice, bob, editor, text, db):
    """Fault: two editors resolving one conflict at once were both told theirs stood."""
    ids = [alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", v)).get_json()["id"]
           for v in ("false",)]
    ids.append(bob.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "true")).get_json()["id"])
    seen = {str(i): 1 for i in ids}
    first = editor.api("POST", "/api/articles/1/conflicts/resolve",
                       json={"claim_ids": ids, "final_verdict": "mixed", "versions": seen})
    assert first.status_code == 200
    second = editor.api("POST", "/api/articles/1/conflicts/resolve",
                        json={"claim_ids": ids, "final_verdict": "false", "versions": seen})
    assert second.status_code == 409
    assert {get(editor, i)["final_verdict"] for i in ids} == {"mixed"}


def test_the_same_agreement_twice_counts_once(bob, alices_claim, db):
    """Fault: agreeing from two tabs stored two agreements and doubled the counts."""
    a = alices_claim
    assert bob.api("POST", f"/api/annotations/{a['id']}/reviews", json={"decision": "agree"}).status_code == 201
    again = bob.api("POST", f"/api/annotations/{a['id']}/reviews", json={"decision": "agree"})
    assert again.status_code == 409 and "already agree" in again.get_json()["error"]
    assert get(bob, a["id"])["agree_count"] == 1
    # Changing one's mind is a new judgement, and so is agreeing again after an edit.
    assert bob.api("POST", f"/api/annotations/{a['id']}/reviews",
                   json={"decision": "disagree", "verdict": "mixed", "comment": "On reflection."}).status_code == 201


@pytest.mark.parametrize("body, message", [
    ({"decision": "disagree", "verdict": "false", "comment": "x"}, "claim's own verdict"),
])
def test_disagreeing_with_the_same_verdict_is_refused(bob, alices_claim, db, body, message):
    """Fault: a "disagreement" giving the claim's own verdict counted as a disagreement."""
    response = bob.api("POST", f"/api/annotations/{alices_claim['id']}/reviews", json=body)
    assert response.status_code == 400 and message in response.get_json()["error"]
    assert db["reviews"].count == 0


def test_disagreeing_with_the_same_replacement_is_refused(alice, bob, text, db):
    start = text.index("no fiends")
    a = alice.api("POST", "/api/articles/1/annotations", json={
        "kind": "correction", "start": start, "end": start + 9, "exact": "no fiends",
        "correction_type": "typo", "correction": "no friends"}).get_json()
    response = bob.api("POST", f"/api/annotations/{a['id']}/reviews",
                       json={"decision": "disagree", "correction": "no friends", "comment": "x"})
    assert response.status_code == 400 and "own replacement" in response.get_json()["error"]


def test_a_verdict_removed_while_saving_is_a_conflict_not_a_500(alice, text, db, monkeypatch):
    """Fault: a verdict deleted between the check and the insert gave a 500."""
    real = model.verdicts
    monkeypatch.setattr(model, "verdicts", lambda db: [*real(db), {"name": "gone", "label": "Gone", "colour": "#000"}])
    response = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "gone"))
    assert response.status_code == 409 and "verdict scale" in response.get_json()["error"]
    assert db["annotations"].count == 0


@pytest.mark.parametrize("name", ["\u202eevil", "a\u200bb", "zw\u2060j", "bad\ufeffbom"])
def test_usernames_with_invisible_formatting_are_refused(db, name):
    """Fault: a right-to-left override in a name flipped the rest of each line it appeared on."""
    with pytest.raises(BadRequest, match="invisible formatting"):
        create_user(db, name, PASSWORD)


def test_usernames_are_stored_composed_and_log_in_either_way(app, db):
    """Fault: "é" typed composed and decomposed made two look-alike accounts."""
    create_user(db, "jose\u0301", PASSWORD)
    assert next(db["users"].rows_where("username = ?", ["josé"]))
    with pytest.raises(Conflict):
        create_user(db, "josé", PASSWORD)
    session = Session(app.test_client())
    assert session.login("jose\u0301").status_code == 302


def test_a_deactivated_user_who_knows_the_password_is_told_so(app, db):
    set_active(db, "bob", False)
    session = Session(app.test_client())
    page = session.login("bob").get_data(as_text=True)
    assert "This account is deactivated" in page
    assert "deactivated" not in Session(app.test_client()).login("bob", "wrong password!").get_data(as_text=True)


def test_words_changed_by_a_new_revision_reopen_an_accepted_claim(alice, editor, text):
    """Fault: a claim moved onto changed words by a text edit kept its acceptance."""
    quote = "gave 72 hours for diplomats to leave the country"
    a = alice.api("POST", "/api/articles/1/annotations", json=claim(text, quote, "true")).get_json()
    editor.api("POST", f"/api/annotations/{a['id']}/status", json={"status": "accepted"})
    new_text = text.replace(quote, "gave 48 hours for diplomats to leave the country")
    report = editor.api("PUT", "/api/articles/1/text", json={"text": new_text}).get_json()["reanchored"]
    assert [r["outcome"] for r in report] == ["fuzzy"]
    after = get(alice, a["id"])
    assert (after["status"], after["content_version"]) == ("open", 2)
    assert after["status_note"] == "Reopened: its words changed in revision 2."
