"""Editing an article's text in the page: highlights follow their words,
orphans are listed apart and their author re-attaches them."""

from playwright.sync_api import expect

from annotator.auth import create_user
from annotator.db import connect
from tests.conftest import PASSWORD


def test_edit_text_moves_highlights_and_reattaches_an_orphan(live_server, open_page, artifacts):
    demo = live_server.demo_id
    kept = live_server.add_annotation("alice", demo, "gave 72 hours for diplomats", verdict="true")
    lost = live_server.add_annotation("alice", demo, "Presidential Palace", verdict="mixed")
    db = connect(live_server.app.config["DATABASE"])
    create_user(db, "erin", PASSWORD, role="editor")
    db.close()

    erin = open_page("erin", demo)
    erin.page.click("text=Edit text")
    textarea = erin.page.locator("textarea[name=text]")
    new_text = "Caracas, Jan 23.\n\n" + textarea.input_value().replace(
        "in the Presidential Palace in the capital of Caracas", "in Caracas")
    textarea.fill(new_text)
    erin.page.click("main button[type=submit]")
    expect(erin.page.locator(".flash")).to_contain_text("Saved revision 2")
    expect(erin.page.locator(".flash")).to_contain_text("1 stayed on their words")
    expect(erin.page.locator(".flash")).to_contain_text("1 lost their words")

    alice = open_page("alice", demo)
    assert alice.text_content() == live_server.text(demo) == new_text
    [moved] = [a for a in alice.api_annotations() if a["id"] == kept]
    alice.assert_highlighted(moved)
    expect(alice.page.locator("#orphans")).to_be_visible()
    orphan_card = alice.page.locator(f'#orphan-list li[data-id="{lost}"]')
    expect(orphan_card.locator("blockquote")).to_have_text("Presidential Palace")
    assert alice.mark_locator(lost).count() == 0
    alice.page.screenshot(path=str(artifacts / "orphan-listed.png"), full_page=True)

    orphan_card.locator("button.reattach").click()
    expect(alice.page.locator("#reattach-banner")).to_be_visible()
    start, end = alice.find("Caracas", occurrence=1)
    assert alice.drag_select(start, end) == "Caracas"
    expect(alice.page.locator("#reattach-banner")).to_be_hidden()
    expect(alice.page.locator("#orphans")).to_be_hidden()
    [reattached] = [a for a in alice.api_annotations() if a["id"] == lost]
    assert (reattached["orphaned"], reattached["revision"], reattached["exact"]) == (False, 2, "Caracas")
    assert reattached["start"] == new_text.index("Caracas", new_text.index("Caracas") + 1)
    alice.assert_highlighted(reattached)


def test_edit_text_is_for_editors_only(live_server, open_page):
    bob = open_page("bob", live_server.demo_id)
    expect(bob.page.locator("text=Edit text")).to_have_count(0)
    response = bob.page.goto(f"{live_server.url}/articles/{live_server.demo_id}/edit")
    assert response.status == 403


def test_saving_on_a_page_older_than_the_text_says_reload(live_server, open_page):
    db = connect(live_server.app.config["DATABASE"])
    create_user(db, "erin", PASSWORD, role="editor")
    db.close()
    live_server.add_annotation("bob", live_server.demo_id, "Anadolu Agency", verdict="true")
    alice = open_page("alice", live_server.demo_id)
    erin = open_page("erin", live_server.demo_id)
    alice.select_text("no fiends")
    alice.fill_claim("false")
    new_text = "Update: a new first paragraph.\n\n" + live_server.text(live_server.demo_id)
    assert erin.api_send("PUT", f"/api/articles/{live_server.demo_id}/text", {"text": new_text}).status == 200
    alice.save_button.click()
    expect(alice.page.locator("#editor-error")).to_contain_text("Reload the page")
    expect(alice.page.locator("#stale-note")).to_be_visible()
    assert [a["author"] for a in alice.api_annotations()] == ["bob"]  # nothing of alice's stored
    assert alice.text_content() != live_server.text(live_server.demo_id)  # the page still shows the old text
    # and bob's highlight is not redrawn with the new text's offsets on the old text
    [bobs] = alice.saved_marks.all_text_contents()
    assert bobs == "Anadolu Agency"
