"""Reviewing a teammate's annotation in the page, and an editor's status."""

import re

from playwright.sync_api import expect

from annotator.auth import create_user
from annotator.db import connect
from tests.conftest import PASSWORD


def test_teammate_reviews_and_editor_accepts(live_server, open_page, artifacts):
    demo = live_server.demo_id
    claim_id = live_server.add_annotation("alice", demo, "gave 72 hours for diplomats", verdict="true")
    db = connect(live_server.app.config["DATABASE"])
    create_user(db, "erin", PASSWORD, role="editor")
    db.close()

    bob = open_page("bob", demo)
    card = bob.card(claim_id)
    card.locator("button.reviews").click()
    form = card.locator(".review-form")
    form.locator("input[value=disagree]").check()
    form.locator("select[name=verdict]").select_option("mostly-true")
    form.locator("textarea[name=comment]").fill("Other reports say 72 hours for some staff only.")
    form.locator("button[type=submit]").click()
    expect(card.locator(".thread li")).to_have_count(1)
    expect(card.locator(".thread li")).to_contain_text("bob disagrees: Mostly true")
    expect(card.locator("button.reviews")).to_have_text("Reviews (1: 0 agree, 1 disagree)")
    [review] = bob.api_get(f"/api/annotations/{claim_id}/reviews")
    assert (review["decision"], review["verdict"], review["reviewer"]) == ("disagree", "mostly-true", "bob")

    alice = open_page("alice", demo)
    alice.card(claim_id).locator("button.reviews").click()
    expect(alice.card(claim_id).locator(".thread li")).to_contain_text("bob disagrees")
    expect(alice.card(claim_id).locator(".review-form")).to_have_count(0)  # not on her own annotation

    erin = open_page("erin", demo)
    erin_card = erin.card(claim_id)
    erin_card.locator("button.reviews").click()
    erin_card.locator(".status-form select[name=status]").select_option("accepted")
    erin_card.locator(".status-form input[name=note]").fill("Checked against the speech.")
    erin_card.locator(".status-form button[type=submit]").click()
    expect(erin_card.locator(".status-line")).to_have_text(re.compile(r"^Accepted · Checked against the speech\.$"))
    assert erin.api_get(f"/api/annotations/{claim_id}")["status"] == "accepted"
    bob.reload()
    expect(bob.card(claim_id).locator(".status-line")).to_contain_text("Accepted")
    bob.card(claim_id).locator("button.reviews").click()
    expect(bob.card(claim_id).locator(".review-form")).to_be_visible()
    expect(bob.card(claim_id).locator(".status-form")).to_have_count(0)  # bob is no editor
    erin.page.screenshot(path=str(artifacts / "review-thread.png"), full_page=False)


def test_a_stale_page_neither_overrides_a_decision_nor_agrees_to_new_words(live_server, open_page):
    """Two editors, one reviewer: what a page shows is what its decisions and reviews are about."""
    demo = live_server.demo_id
    claim_id = live_server.add_annotation("alice", demo, "gave 72 hours for diplomats", verdict="true")
    live_server.add_user("erin", "editor")
    live_server.add_user("ed2", "editor")
    erin = open_page("erin", demo)
    bob = open_page("bob", demo)
    ed2 = open_page("ed2", demo)
    erin_card = erin.card(claim_id)
    erin_card.locator("button.reviews").click()
    bob_card = bob.card(claim_id)
    bob_card.locator("button.reviews").click()
    # The disagree menu offers only other verdicts than the claim's own.
    assert "true" not in bob_card.locator(".review-form select[name=verdict] option").evaluate_all(
        "options => options.map(o => o.value)")

    assert ed2.api_send("POST", f"/api/annotations/{claim_id}/status", {"status": "rejected"}).status == 200
    erin_card.locator(".status-form select[name=status]").select_option("accepted")
    erin_card.locator(".status-form button[type=submit]").click()
    expect(erin_card.locator(".status-form .form-error")).to_contain_text("changed since you loaded it")
    assert erin.api_get(f"/api/annotations/{claim_id}")["status"] == "rejected"

    version = erin.api_get(f"/api/annotations/{claim_id}")["version"]
    alice = open_page("alice")
    assert alice.api_send("PATCH", f"/api/annotations/{claim_id}", {"verdict": "false", "version": version}).status == 200
    bob_card.locator(".review-form button[type=submit]").click()  # agree is preselected
    expect(bob_card.locator(".review-form .form-error")).to_contain_text("edited since you opened it")
    assert bob.api_get(f"/api/annotations/{claim_id}/reviews") == []
