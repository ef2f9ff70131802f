"""Keeping typed work safe: verdict choice, re-selection, kind switches,
stale tabs, and a session that ended in another tab."""

from playwright.sync_api import expect

from tests.conftest import PASSWORD

QUOTE = "gave 72 hours for diplomats to leave the country"


def test_claim_needs_a_chosen_verdict(live_server, open_page):
    """Regression: the verdict defaulted to True, so a forgotten choice was stored as True."""
    alice = open_page("alice", live_server.demo_id)
    alice.select_text("no fiends")
    expect(alice.form.locator("select[name=verdict]")).to_have_value("")
    alice.form.locator("textarea[name=rationale]").fill("typed first")
    alice.save_button.click()
    expect(alice.page.locator("#editor-error")).to_have_text("Choose a verdict.")
    assert alice.api_annotations() == []
    alice.form.locator("select[name=verdict]").select_option("false")
    alice.save()
    assert [a["verdict"] for a in alice.api_annotations()] == ["false"]


def test_new_selection_moves_the_draft_and_keeps_typing(live_server, open_page):
    """Regression: selecting other words while the editor was open wiped the rationale."""
    alice = open_page("alice", live_server.demo_id)
    alice.select_text("no fiends")
    alice.form.locator("textarea[name=rationale]").fill("Checked the wire copy.")
    start, end = alice.find("historic battle")
    assert alice.drag_select(start, end) == "historic battle"
    expect(alice.page.locator("#editor-quote")).to_have_text("historic battle")
    alice.expect_draft("historic battle")
    expect(alice.form.locator("textarea[name=rationale]")).to_have_value("Checked the wire copy.")
    # Escape does not throw typed work away; Cancel does.
    alice.page.keyboard.press("Escape")
    expect(alice.editor).to_be_visible()
    alice.form.locator("select[name=verdict]").select_option("mixed")
    alice.save()
    [saved] = alice.api_annotations()
    assert (saved["exact"], saved["rationale"]) == ("historic battle", "Checked the wire copy.")


def test_switching_an_edit_to_correction_starts_from_the_words(live_server, open_page):
    """Regression: the replacement stayed empty, so saving stored a deletion unasked."""
    claim_id = live_server.add_annotation("alice", live_server.demo_id, "no fiends", verdict="false")
    alice = open_page("alice", live_server.demo_id)
    alice.card(claim_id).locator("button.edit").click()
    alice.choose_kind("correction")
    expect(alice.form.locator("textarea[name=correction]")).to_have_value("no fiends")
    alice.form.locator("textarea[name=correction]").fill("no friends")
    alice.save()
    [saved] = alice.api_annotations()
    assert (saved["kind"], saved["correction"], saved["verdict"]) == ("correction", "no friends", None)


def test_stale_tab_cannot_overwrite_a_newer_save(live_server, open_page):
    """Regression: the second tab's older copy silently replaced the first tab's rationale."""
    claim_id = live_server.add_annotation("alice", live_server.demo_id, QUOTE, verdict="true")
    first = open_page("alice", live_server.demo_id)
    second = open_page("alice", live_server.demo_id)
    for tab in (first, second):
        tab.card(claim_id).locator("button.edit").click()
    first.form.locator("textarea[name=rationale]").fill("Confirmed by the speech video.")
    first.save()
    second.form.locator("select[name=verdict]").select_option("false")
    second.save_button.click()
    expect(second.page.locator("#conflict")).to_contain_text("meanwhile")
    [stored] = first.api_annotations()
    assert (stored["verdict"], stored["rationale"]) == ("true", "Confirmed by the speech video.")


def test_save_after_logging_out_elsewhere_keeps_the_work(live_server, open_page):
    """Regression: the error spoke of CSRF tokens, and saving failed even after logging in again."""
    alice = open_page("alice", live_server.demo_id)
    alice.select_text("no fiends")
    alice.form.locator("select[name=verdict]").select_option("false")
    alice.form.locator("textarea[name=rationale]").fill("Important note")
    other_tab = alice.context.new_page()
    other_tab.goto(live_server.url + "/")
    other_tab.click("header form button[type=submit]")  # Log out
    alice.save_button.click()
    expect(alice.page.locator("#editor-error")).to_contain_text("You were logged out; log in in another tab, then press Save")
    expect(alice.form.locator("textarea[name=rationale]")).to_have_value("Important note")
    other_tab.goto(live_server.url + "/login")
    other_tab.fill("#username", "alice")
    other_tab.fill("#password", PASSWORD)
    other_tab.click("main form button[type=submit]")
    expect(other_tab.locator(".user-badge")).to_have_text("alice")
    alice.save()
    [saved] = alice.api_annotations()
    assert saved["rationale"] == "Important note"


def test_save_after_another_user_logged_in_elsewhere_is_refused(live_server, open_page):
    """Regression: the page renewed its token for whoever was now logged in and saved under their name."""
    alice = open_page("alice", live_server.demo_id)
    alice.select_text("no fiends")
    alice.form.locator("select[name=verdict]").select_option("false")
    other_tab = alice.context.new_page()
    other_tab.goto(live_server.url + "/")
    other_tab.click("header form button[type=submit]")  # Log out
    other_tab.fill("#username", "bob")
    other_tab.fill("#password", PASSWORD)
    other_tab.click("main form button[type=submit]")
    expect(other_tab.locator(".user-badge")).to_have_text("bob")
    alice.save_button.click()
    expect(alice.page.locator("#editor-error")).to_contain_text("You are now logged in as bob")
    assert live_server.stored(live_server.demo_id) == []


def test_edit_button_does_not_discard_typing(live_server, open_page):
    """Regression: clicking Edit on a card replaced a half-written annotation without asking."""
    claim_id = live_server.add_annotation("alice", live_server.demo_id, QUOTE, verdict="true")
    alice = open_page("alice", live_server.demo_id)
    alice.select_text("no fiends")
    alice.form.locator("textarea[name=rationale]").fill("half written")
    alice.card(claim_id).locator("button.edit").click()
    expect(alice.page.locator("#editor-error")).to_contain_text("Save or cancel what you are writing")
    expect(alice.page.locator("#editor-title")).to_have_text("New annotation")
    expect(alice.form.locator("textarea[name=rationale]")).to_have_value("half written")


def test_deleted_elsewhere_disappears_on_the_next_action(live_server, open_page):
    """Regression: a card deleted in another tab stayed, offering Delete, with 'There is no annotation N'."""
    claim_id = live_server.add_annotation("alice", live_server.demo_id, QUOTE, verdict="true")
    alice = open_page("alice", live_server.demo_id)
    response = alice.api_send("DELETE", f"/api/annotations/{claim_id}")
    assert response.status == 204
    alice.card(claim_id).locator("button.delete").click()
    alice.card(claim_id).locator(".confirm button.danger").click()
    expect(alice.card(claim_id)).to_have_count(0)
    expect(alice.saved_marks).to_have_count(0)


def test_escape_closes_the_delete_confirmation(live_server, open_page):
    claim_id = live_server.add_annotation("alice", live_server.demo_id, QUOTE, verdict="true")
    alice = open_page("alice", live_server.demo_id)
    alice.card(claim_id).locator("button.delete").click()
    expect(alice.card(claim_id).locator(".confirm")).to_be_visible()
    alice.page.keyboard.press("Escape")
    expect(alice.card(claim_id).locator(".confirm")).to_have_count(0)
    assert [a["id"] for a in alice.api_annotations()] == [claim_id]


def test_undo_right_after_a_delete_restores_it(live_server, open_page):
    claim_id = live_server.add_annotation("alice", live_server.demo_id, QUOTE, verdict="true")
    alice = open_page("alice", live_server.demo_id)
    alice.card(claim_id).locator("button.delete").click()
    alice.card(claim_id).locator(".confirm button.danger").click()
    expect(alice.card(claim_id)).to_have_count(0)
    expect(alice.page.locator("#undo-note")).to_contain_text("Deleted the claim on")
    alice.page.locator("#undo-note button").click()
    expect(alice.card(claim_id)).to_have_count(1)
    expect(alice.page.locator("#undo-note")).to_be_hidden()
    [restored] = alice.api_annotations()
    assert (restored["id"], restored["deleted"]) == (claim_id, False)
    alice.assert_highlighted(restored)
