"""Teammates: seeing others' annotations, filtering by author, and not being
able to change what someone else wrote."""

import re

from playwright.sync_api import expect


def test_teammate_sees_filters_and_cannot_change_others_annotations(live_server, open_page):
    demo = live_server.demo_id
    # alice annotates through the page in her own browser context...
    alice = open_page("alice", demo)
    alice.select_text("no fiends")
    alice.fill_correction("spelling", "no friends", "Typo in the quote.")
    alice.save()
    expect(alice.cards).to_have_count(1)
    # ...and has one more claim; bob has one of his own.
    alice_claim = live_server.add_annotation(
        "alice", demo, "gave 72 hours for diplomats to leave the country", verdict="true", rationale="Televised."
    )
    bob_claim = live_server.add_annotation("bob", demo, "no one should lower their guard", verdict="unverifiable")
    alice_correction = next(a["id"] for a in alice.api_annotations() if a["kind"] == "correction")
    alices = [alice_claim, alice_correction]  # document order

    bob = open_page("bob", demo)
    everyone = [alice_claim, alice_correction, bob_claim]
    assert bob.card_ids() == everyone
    for annotation_id in alices:
        card = bob.card(annotation_id)
        expect(card.locator(".author")).to_have_text("alice")
        expect(card.locator("button.edit, button.delete")).to_have_count(0)
    expect(bob.card(bob_claim).locator(".author")).to_have_text("bob (you)")
    expect(bob.card(bob_claim).locator("button.edit")).to_have_text("Edit")
    expect(bob.card(bob_claim).locator("button.delete")).to_have_text("Delete")
    for annotation in bob.api_annotations():
        bob.assert_highlighted(annotation)

    author_filter = bob.page.locator("#author-filter")
    assert author_filter.locator("option").all_inner_texts() == ["Everyone", "Mine", "alice"]
    expect(author_filter).to_have_value("all")

    author_filter.select_option(label="Mine")
    expect(bob.cards).to_have_count(1)
    assert bob.card_ids() == [bob_claim]
    for annotation_id in alices:
        expect(bob.mark_locator(annotation_id)).to_have_count(0)
    expect(bob.mark_locator(bob_claim)).not_to_have_count(0)
    expect(bob.page.locator("#annotation-count")).to_have_text("1 claim, 0 corrections")

    author_filter.select_option(label="alice")
    expect(author_filter).to_have_value(str(live_server.users["alice"]))
    expect(bob.cards).to_have_count(2)
    assert bob.card_ids() == alices
    expect(bob.mark_locator(bob_claim)).to_have_count(0)
    for annotation_id in alices:
        expect(bob.mark_locator(annotation_id)).not_to_have_count(0)

    author_filter.select_option(label="Everyone")
    expect(bob.cards).to_have_count(3)
    assert bob.text_content() == live_server.text(demo)

    # The server refuses bob's changes to alice's work, even with a valid token.
    before = live_server.stored(demo)
    response = bob.api_send("PATCH", f"/api/annotations/{alice_claim}", data={"verdict": "false", "version": 1})
    assert response.status == 403, response.text()
    assert re.search(r"Only the author", response.json()["error"])
    response = bob.api_send("DELETE", f"/api/annotations/{alice_correction}")
    assert response.status == 403, response.text()
    assert live_server.stored(demo) == before
    # ...while the same request on his own annotation goes through.
    response = bob.api_send("PATCH", f"/api/annotations/{bob_claim}", data={"verdict": "mixed", "version": 1})
    assert response.status == 200, response.text()
    assert response.json()["verdict"] == "mixed"

    # alice still sees her work unchanged, and bob's as someone else's.
    alice.reload()
    assert alice.card_ids() == everyone
    expect(alice.card(bob_claim).locator(".author")).to_have_text("bob")
    expect(alice.card(alice_claim).locator(".badge")).to_have_text("True")
    assert alice.page.locator("#author-filter option").all_inner_texts() == ["Everyone", "Mine", "bob"]
