"""Conflicts: claims on overlapping words with differing verdicts, and an
editor's resolution of each into one final verdict."""

import re

import pytest

from annotator import review
from annotator.articles import get_article
from annotator.auth import create_user
from annotator.conflicts import in_context, overlapping_groups, resolve_conflict
from annotator.errors import Forbidden
from tests.conftest import EMOJI_TEXT, PASSWORD, Session, claim


@pytest.fixture
def text(db):
    return get_article(db, 1)["text"]


@pytest.fixture
def carol(app, db):
    """A third reviewer."""
    create_user(db, "carol", PASSWORD)
    session = Session(app.test_client())
    session.login("carol")
    return session


def add_claim(session, text, quote, verdict, article_id=1, **extra):
    response = session.api("POST", f"/api/articles/{article_id}/annotations", json=claim(text, quote, verdict, **extra))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def add_review(session, annotation_id, decision, verdict=None, comment="I checked."):
    body = {"decision": decision, "comment": comment, **({"verdict": verdict} if verdict else {})}
    response = session.api("POST", f"/api/annotations/{annotation_id}/reviews", json=body)
    assert response.status_code == 201, response.get_json()


def conflicts(session, article_id=1):
    response = session.api("GET", f"/api/articles/{article_id}/conflicts")
    assert response.status_code == 200
    return response.get_json()


def resolve(session, claim_ids, final_verdict="false", note="", article_id=1):
    return session.api("POST", f"/api/articles/{article_id}/conflicts/resolve",
                       json={"claim_ids": claim_ids, "final_verdict": final_verdict, "note": note})


def statuses(db):
    """What resolving may change, for every annotation: id -> (status, note, final verdict, version)."""
    return {r["id"]: (r["status"], r["status_note"], r["final_verdict"], r["version"]) for r in db["annotations"].rows}


@pytest.fixture
def two_sided(alice, bob, text):
    """alice says "Nicolas Maduro" is false; bob says "Maduro of Venezuela" is true."""
    return (add_claim(alice, text, "Nicolas Maduro", "false", rationale="He was not elected fairly."),
            add_claim(bob, text, "Maduro of Venezuela", "true", sources=["https://example.org/maduro"]))


# ---------------------------------------------------------------- grouping


def spans(*pairs):
    return [{"start": s, "end": e} for s, e in pairs]


@pytest.mark.parametrize("given, expected", [
    ([], []),
    ([(0, 5)], [[(0, 5)]]),
    # transitive: [0, 5) and [7, 10) share nothing but both overlap [4, 8)
    ([(7, 10), (0, 5), (4, 8)], [[(0, 5), (4, 8), (7, 10)]]),
    # adjacent spans [a, b) [b, c) do not overlap
    ([(0, 5), (5, 9)], [[(0, 5)], [(5, 9)]]),
    # a short span after a long one still joins it (the furthest end counts)
    ([(0, 20), (2, 3), (10, 12), (20, 25)], [[(0, 20), (2, 3), (10, 12)], [(20, 25)]]),
    # the same span twice
    ([(3, 6), (3, 6)], [[(3, 6), (3, 6)]]),
])
def test_overlapping_groups(given, expected):
    groups = overlapping_groups(spans(*given))
    assert [[(s["start"], s["end"]) for s in group] for group in groups] == expected


# ---------------------------------------------------------------- finding conflicts


def test_overlapping_claims_with_different_verdicts_are_a_conflict(alice, two_sided, text):
    first, second = two_sided
    [conflict] = conflicts(alice)
    start = text.index("Nicolas Maduro")
    assert (conflict["start"], conflict["end"]) == (start, start + len("Nicolas Maduro of Venezuela"))
    assert conflict["quote"] == "Nicolas Maduro of Venezuela"
    assert conflict["claim_ids"] == [first, second]
    assert [(c["id"], c["author"], c["verdict"], c["status"]) for c in conflict["claims"]] == [
        (first, "alice", "false", "open"), (second, "bob", "true", "open")]
    assert [(j["username"], j["verdict"], j["via"], j["reason"], j["sources"]) for j in conflict["judgements"]] == [
        ("alice", "false", "claim", "He was not elected fairly.", []),
        ("bob", "true", "claim", "", ["https://example.org/maduro"])]
    # columns follow the scale's order: true comes before false
    assert [(v["name"], v["label"], v["colour"], v["people"]) for v in conflict["verdicts"]] == [
        ("true", "True", "#2e7d32", ["bob"]), ("false", "False", "#c62828", ["alice"])]
    assert conflict["majority"] is None  # one each
    assert (conflict["resolved"], conflict["final_verdict"], conflict["resolved_by"]) == (False, None, None)


def test_a_chain_of_overlaps_is_one_conflict(alice, bob, carol, text):
    """"President Nicolas" and "Maduro of" share no word but both overlap "Nicolas Maduro"."""
    ids = [add_claim(alice, text, "President Nicolas", "true"),
           add_claim(bob, text, "Nicolas Maduro", "true"),
           add_claim(carol, text, "Maduro of", "misleading")]
    [conflict] = conflicts(alice)
    assert conflict["claim_ids"] == sorted(ids)
    assert conflict["quote"] == "President Nicolas Maduro of"
    assert conflict["majority"] == "true"


def test_adjacent_claims_do_not_conflict(alice, bob, text):
    add_claim(alice, text, "President Nicolas", "false")
    add_claim(bob, text, " Maduro of Venezuela", "true")  # starts where alice's ends
    assert conflicts(alice) == []


def test_agreeing_claims_are_no_conflict(alice, bob, carol, text):
    first = add_claim(alice, text, "Nicolas Maduro", "false")
    add_claim(bob, text, "Maduro of Venezuela", "false")
    add_review(carol, first, "agree")
    add_review(carol, first, "comment", comment="Nice find.")
    assert conflicts(alice) == []


def test_a_disagreeing_review_makes_a_conflict_and_a_later_agree_undoes_it(alice, bob, text):
    claim_id = add_claim(alice, text, "gave 72 hours", "true")
    add_review(bob, claim_id, "disagree", "mostly-true", comment="Only some staff had 72 hours.")
    [conflict] = conflicts(alice)
    assert conflict["claim_ids"] == [claim_id]
    assert [(j["username"], j["verdict"], j["via"], j["decision"], j["reason"]) for j in conflict["judgements"]] == [
        ("alice", "true", "claim", "claim", ""),
        ("bob", "mostly-true", "review", "disagree", "Only some staff had 72 hours.")]
    add_review(bob, claim_id, "agree")  # bob changed his mind: his latest review counts
    assert conflicts(alice) == []


def test_an_agree_review_echoes_the_claim_and_makes_the_majority(alice, bob, carol, editor, text):
    claim_id = add_claim(alice, text, "gave 72 hours", "true")
    add_review(bob, claim_id, "agree")
    add_review(carol, claim_id, "disagree", "false", comment="No deadline was given.")
    [conflict] = conflicts(alice)
    assert [(v["name"], v["people"]) for v in conflict["verdicts"]] == [("true", ["alice", "bob"]), ("false", ["carol"])]
    assert conflict["majority"] == "true"


def test_deleted_and_orphaned_claims_are_left_out(alice, bob, db, two_sided):
    first, second = two_sided
    assert bob.api("DELETE", f"/api/annotations/{second}").status_code == 204
    assert conflicts(alice) == []
    assert bob.api("POST", f"/api/annotations/{second}/restore").status_code == 200
    assert len(conflicts(alice)) == 1
    db.execute("UPDATE annotations SET orphaned = 1 WHERE id = ?", [first])
    db.conn.commit()
    assert conflicts(alice) == []


def test_conflicts_of_a_missing_article_are_404(alice):
    assert alice.api("GET", "/api/articles/99/conflicts").status_code == 404


def test_emoji_spans_are_code_points(alice, bob, db):
    add_claim(alice, EMOJI_TEXT, "Fact 👍 check", "true", article_id=2)
    add_claim(bob, EMOJI_TEXT, "👍 check: the café", "false", article_id=2)
    [conflict] = conflicts(alice, 2)
    assert conflict["quote"] == "Fact 👍 check: the café"
    assert (conflict["start"], conflict["end"]) == (0, len("Fact 👍 check: the café"))


# ---------------------------------------------------------------- resolving


def test_an_editor_resolves_a_conflict(alice, editor, db, two_sided, text):
    first, second = two_sided
    response = resolve(editor, [second, first], "mostly-false", note="  Elected, but the vote was disputed.  ")
    assert response.status_code == 200, response.get_json()
    resolved = response.get_json()
    assert (resolved["resolved"], resolved["final_verdict"], resolved["resolved_by"]) == (True, "mostly-false", "erin")
    assert resolved["note"] == "Elected, but the vote was disputed."
    for claim_id in (first, second):
        shown = alice.api("GET", f"/api/annotations/{claim_id}").get_json()
        assert (shown["status"], shown["final_verdict"], shown["status_note"]) == (
            "accepted", "mostly-false", "Elected, but the vote was disputed.")
        last = alice.api("GET", f"/api/annotations/{claim_id}/history").get_json()[-1]
        assert (last["action"], last["user"], last["before"]["status"], last["after"]["final_verdict"]) == (
            "status", "erin", "open", "mostly-false")
    # still listed, now resolved; the claims' own verdicts are kept
    [conflict] = conflicts(alice)
    assert conflict["resolved"] and [c["verdict"] for c in conflict["claims"]] == ["false", "true"]
    # an editor may change their mind
    assert resolve(editor, [first, second], "false").get_json()["final_verdict"] == "false"


def test_a_new_claim_reopens_a_resolved_conflict(alice, carol, editor, two_sided, text):
    assert resolve(editor, list(two_sided), "false").status_code == 200
    add_claim(carol, text, "Venezuela announced", "misleading")
    [conflict] = conflicts(alice)
    assert len(conflict["claim_ids"]) == 3 and not conflict["resolved"]
    # the old group is no conflict any more: resolving it is refused
    refused = resolve(editor, list(two_sided), "false")
    assert refused.status_code == 400 and "not one conflict" in refused.get_json()["error"]


def test_resolving_is_one_transaction(app, db, two_sided, monkeypatch):
    """If writing the second claim fails, the first claim's change is undone too."""
    before = statuses(db)
    history = db["history"].count
    calls = []

    def failing_record(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_record(*args)

    real_record = review.record
    monkeypatch.setattr(review, "record", failing_record)
    create_user(db, "ed", PASSWORD, role="editor")
    ed = next(db["users"].rows_where("username = 'ed'"))
    with pytest.raises(RuntimeError):
        resolve_conflict(db, list(two_sided), "false", "", ed)
    assert len(calls) == 2
    assert statuses(db) == before and db["history"].count == history


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_reviewers_may_not_resolve(request, db, two_sided, who):
    session = request.getfixturevalue(who)
    before = statuses(db)
    response = resolve(session, list(two_sided), "false")
    assert response.status_code == 403 and "Only editors" in response.get_json()["error"]
    assert statuses(db) == before


def test_resolving_needs_a_login(anonymous, db, two_sided):
    before = statuses(db)
    response = resolve(anonymous, list(two_sided), "false")
    assert response.status_code == 401
    assert statuses(db) == before


@pytest.fixture
def others(alice, bob, editor, db, text):
    """Ids that are no part of the two-sided conflict: a correction, a claim
    elsewhere in the text, and a conflict's claim on the emoji article."""
    start = text.index("no fiends")
    correction = alice.api("POST", "/api/articles/1/annotations", json={
        "kind": "correction", "start": start, "end": start + 9, "exact": "no fiends",
        "correction_type": "typo", "correction": "no friends"}).get_json()["id"]
    elsewhere = add_claim(alice, text, "gave 72 hours", "true")
    emoji = add_claim(alice, EMOJI_TEXT, "Fact 👍 check", "true", article_id=2)
    add_claim(bob, EMOJI_TEXT, "👍 check", "false", article_id=2)
    return {"correction": correction, "elsewhere": elsewhere, "emoji": emoji}


@pytest.mark.parametrize("make_ids, verdict, note, message", [
    (lambda c, o: [], "false", "", "claim_ids must be"),
    (lambda c, o: "1,2", "false", "", "claim_ids must be"),
    (lambda c, o: [str(c[0]), str(c[1])], "false", "", "claim_ids must be"),
    (lambda c, o: [c[0], True], "false", "", "claim_ids must be"),
    (lambda c, o: [c[0], 2**63], "false", "", "claim_ids must be"),
    (lambda c, o: [c[0], c[0], c[1]], "false", "", "twice"),
    (lambda c, o: [c[0]], "false", "", "not one conflict"),
    (lambda c, o: [c[0], c[1], 9999], "false", "", "Not current claims: 9999"),
    (lambda c, o: [c[0], c[1], o["correction"]], "false", "", "Not current claims"),
    (lambda c, o: [c[0], c[1], o["elsewhere"]], "false", "", "not one conflict"),
    (lambda c, o: [c[0], c[1], o["emoji"]], "false", "", "different articles"),
    (lambda c, o: [o["emoji"], o["emoji"] + 1], "false", "", "not on article 1"),
    (lambda c, o: list(c), "pants-on-fire", "", "final_verdict must be one of"),
    (lambda c, o: list(c), None, "", "final_verdict must be one of"),
    (lambda c, o: list(c), "false", 7, "note must be a string"),
    (lambda c, o: list(c), "false", "bell \x07", "control character"),
])
def test_bad_resolutions_are_400_and_change_nothing(editor, db, two_sided, others, make_ids, verdict, note, message):
    before = statuses(db)
    response = resolve(editor, make_ids(two_sided, others), verdict, note)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert statuses(db) == before


def test_a_deleted_claim_cannot_be_resolved(bob, editor, db, two_sided):
    bob.api("DELETE", f"/api/annotations/{two_sided[1]}")
    before = statuses(db)
    response = resolve(editor, list(two_sided), "false")
    assert response.status_code == 400 and f"Not current claims: {two_sided[1]}" in response.get_json()["error"]
    assert statuses(db) == before


# ---------------------------------------------------------------- the page


def page(session, article_id=1, show=None):
    path = f"/articles/{article_id}/conflicts" + (f"?show={show}" if show else "")
    response = session.client.get(path)
    return response.status_code, response.get_data(as_text=True)


def test_the_page_shows_each_side_to_a_reviewer_without_the_form(alice, bob, two_sided):
    status, html = page(alice)
    assert status == 200
    assert "<mark>Nicolas Maduro of Venezuela</mark>" in html
    assert "President <mark>" in html  # the words around it
    columns = re.findall(r'<section class="judgement-column" data-verdict="([^"]+)"', html)
    assert columns == ["true", "false"]
    assert "He was not elected fairly." in html and 'href="https://example.org/maduro"' in html
    assert 'fill="#2e7d32"' in html  # the verdict's colour
    assert "resolve-form" not in html and "An editor settles each one" in html


def test_the_page_offers_editors_the_form_with_the_majority_chosen(alice, bob, carol, editor, text):
    claim_id = add_claim(alice, text, "gave 72 hours", "true")
    add_review(bob, claim_id, "agree")
    add_review(carol, claim_id, "disagree", "false", comment="No deadline was given.")
    status, html = page(editor)
    assert status == 200
    assert 'class="resolve-form"' in html and f'name="claim_ids" value="{claim_id}"' in html
    checked = re.findall(r'<input type="radio" name="final_verdict" value="([^"]+)" checked>', html)
    assert checked == ["true"]
    shown = re.sub(r"<[^>]+>", "", html)  # names sit in direction-isolating spans
    assert "agrees with alice's claim" in shown and "disagrees with alice's claim" in shown


def test_no_majority_means_nothing_chosen(editor, two_sided):
    _, html = page(editor)
    assert 'name="final_verdict"' in html and " checked>" not in html


def test_an_editor_resolves_on_the_page(editor, db, two_sided):
    key = ",".join(map(str, two_sided))
    response = editor.client.post("/articles/1/conflicts?show=open", data={
        "csrf_token": editor.csrf_token("/articles/1/conflicts"), "claim_ids": key,
        "final_verdict": "mostly-false", "note": "Disputed vote."})
    assert response.status_code == 302 and response.headers["Location"].endswith("/articles/1/conflicts?show=open")
    assert {statuses(db)[i][:3] for i in two_sided} == {("accepted", "Disputed vote.", "mostly-false")}
    status, html = page(editor)
    assert "Resolved “Nicolas Maduro of Venezuela” as Mostly false: 2 claims accepted." in html
    assert "No open conflicts: 1 resolved." in html
    _, html = page(editor, show="resolved")
    shown = re.sub(r"<[^>]+>", "", html)  # names sit in direction-isolating spans
    assert "Final verdict:" in shown and "resolved by erin" in shown and "Disputed vote." in shown
    _, html = page(editor, show="all")
    assert 'class="state state-resolved"' in html


def test_the_page_form_needs_a_verdict_and_keeps_the_note(editor, db, two_sided):
    before = statuses(db)
    key = ",".join(map(str, two_sided))
    response = editor.client.post("/articles/1/conflicts", data={
        "csrf_token": editor.csrf_token("/articles/1/conflicts"), "claim_ids": key, "note": "half written"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choose the final verdict." in html and ">half written</textarea>" in html
    assert statuses(db) == before


def test_the_page_form_refuses_a_stale_conflict(editor, db, two_sided):
    before = statuses(db)
    response = editor.client.post("/articles/1/conflicts", data={
        "csrf_token": editor.csrf_token("/articles/1/conflicts"), "claim_ids": str(two_sided[0]),
        "final_verdict": "false"})
    assert response.status_code == 400 and "not one conflict" in response.get_data(as_text=True)
    assert statuses(db) == before


def test_the_page_form_without_its_claims_is_400(editor, db, two_sided):
    before = statuses(db)
    response = editor.client.post("/articles/1/conflicts", data={
        "csrf_token": editor.csrf_token("/articles/1/conflicts"), "final_verdict": "false"})
    assert response.status_code == 400
    assert "The conflict&#39;s claims are missing from the form" in response.get_data(as_text=True)
    assert statuses(db) == before


def test_a_reviewer_posting_the_form_gets_403(alice, db, two_sided):
    before = statuses(db)
    response = alice.client.post("/articles/1/conflicts", data={
        "csrf_token": alice.csrf_token("/articles/1/conflicts"), "claim_ids": ",".join(map(str, two_sided)),
        "final_verdict": "false"})
    assert response.status_code == 403 and "Only editors" in response.get_data(as_text=True)
    assert statuses(db) == before


def test_the_page_form_needs_the_csrf_token(editor, db, two_sided):
    before = statuses(db)
    response = editor.client.post("/articles/1/conflicts", data={
        "claim_ids": ",".join(map(str, two_sided)), "final_verdict": "false"})
    assert response.status_code == 400
    assert statuses(db) == before


def test_the_empty_page(alice):
    status, html = page(alice)
    assert status == 200 and "No conflicts: everyone who judged a claim agrees." in html


def test_the_page_escapes_what_people_wrote(alice, bob, text):
    add_claim(alice, text, "Nicolas Maduro", "false", rationale="<script>alert(1)</script>")
    add_claim(bob, text, "Maduro of", "true")
    _, html = page(bob)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_refuses_an_unknown_filter_and_a_missing_article(alice):
    status, html = page(alice, show="everything")
    assert status == 400 and "show must be one of" in html
    assert page(alice, article_id=99)[0] == 404


def test_the_page_needs_a_login(anonymous):
    response = anonymous.client.get("/articles/1/conflicts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_context_is_cut_at_words_and_paragraphs():
    text = "First paragraph.\n\nOne two three four five six seven eight nine ten.\n\nLast."
    start = text.index("five")
    shown = in_context(text, start, start + 4, size=12)
    assert (shown["before"], shown["quote"], shown["after"]) == ("three four ", "five", " six seven")
    assert shown["more_before"] and shown["more_after"]
    whole = in_context(text, start, start + 4, size=200)
    assert whole["before"] == "One two three four " and whole["after"] == " six seven eight nine ten."
    assert not whole["more_before"] and not whole["more_after"]


def test_resolve_conflict_checks_the_role_before_the_input(db, two_sided):
    """A reviewer learns nothing about the claims from the messages: 403 comes first."""
    alice = next(db["users"].rows_where("username = 'alice'"))
    with pytest.raises(Forbidden):
        resolve_conflict(db, "not a list", None, None, alice)
