"""An admin manages users and the verdict scale in Chromium."""

import re

from playwright.sync_api import expect

from annotator.auth import create_user
from tests.conftest import PASSWORD


def make_admin(live_server, username="ada"):
    db = live_server.db()
    try:
        create_user(db, username, PASSWORD, role="admin")
    finally:
        db.close()


def stored_user(live_server, username):
    db = live_server.db()
    try:
        return next(db["users"].rows_where("username = ?", [username]))
    finally:
        db.close()


def test_admin_adds_a_user_changes_a_role_and_deactivates_someone(live_server, open_page, artifacts):
    make_admin(live_server)
    bob = open_page("bob", live_server.demo_id)  # bob has the article open all along

    ada = open_page("ada")
    page = ada.page
    page.goto(live_server.url + "/admin/users")

    # A new editor, typed in and sent with the Enter key.
    page.fill("#username", "carol")
    page.fill("#password", "carols own secret")
    page.select_option("#role", "editor")
    page.press("#password", "Enter")
    expect(page.locator(".flash-info")).to_contain_text("Added carol (editor)")
    carol = stored_user(live_server, "carol")
    assert carol["role"] == "editor" and carol["active"] == 1
    expect(page.locator(f"#user-{carol['id']} .username")).to_have_text("carol")

    # alice becomes an editor.
    alice_row = page.locator(f"#user-{live_server.users['alice']}")
    alice_row.locator("select[name=role]").select_option("editor")
    alice_row.get_by_role("button", name="Change").click()
    expect(page.locator(".flash-info")).to_have_text("alice is now an editor.")
    assert stored_user(live_server, "alice")["role"] == "editor"
    expect(page.locator(f"#user-{live_server.users['alice']} select[name=role]")).to_have_value("editor")

    # bob is deactivated while his page is open.
    bob_row = page.locator(f"#user-{live_server.users['bob']}")
    bob_row.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".flash-info")).to_contain_text("Deactivated bob")
    expect(bob_row.locator(".user-state")).to_have_text("Deactivated")
    expect(bob_row.get_by_role("button", name="Reactivate")).to_be_visible()
    assert stored_user(live_server, "bob")["active"] == 0
    page.screenshot(path=str(artifacts / "admin-users.png"), full_page=True)

    # His open page is refused: its API calls are 401, and the next click lands on the login form.
    assert bob.api_send("POST", f"/api/articles/{live_server.demo_id}/annotations", {}).status == 401
    bob.page.locator(".topnav").get_by_role("link", name="Articles").click()
    expect(bob.page).to_have_url(re.compile(r"/login\?next=/$"))
    expect(bob.page.locator(".user-badge")).to_have_count(0)

    # And he cannot log in again.
    bob.page.fill("#username", "bob")
    bob.page.fill("#password", PASSWORD)
    bob.page.click("main form button[type=submit]")
    expect(bob.page.locator(".flash-error")).to_have_text("This account is deactivated; ask an admin to reactivate it.")


def test_the_last_admin_is_told_why_they_cannot_step_down(live_server, open_page):
    make_admin(live_server)
    ada = open_page("ada")
    page = ada.page
    page.goto(live_server.url + "/admin/users")
    own_row = page.locator("tr", has=page.locator(".username", has_text="ada (you)"))
    own_row.locator("select[name=role]").select_option("reviewer")
    own_row.get_by_role("button", name="Change").click()
    expect(page.locator(".flash-error")).to_have_text(
        "ada is the last active admin; make someone else an admin first, so that somebody can still manage users.")
    assert stored_user(live_server, "ada")["role"] == "admin"
    expect(page.locator("h1")).to_have_text("Users")


def test_admin_resets_a_password_and_the_old_session_ends(live_server, open_page):
    make_admin(live_server)
    alice = open_page("alice", live_server.demo_id)
    ada = open_page("ada")
    page = ada.page
    page.goto(live_server.url + "/admin/users")
    page.locator(f"#user-{live_server.users['alice']}").get_by_role("link", name="Reset password").click()
    expect(page.locator("h1")).to_have_text("Reset alice's password")
    page.fill("#password", "alices new secret")
    page.fill("#confirm", "alices new secret!")
    page.get_by_role("button", name="Set new password").click()
    expect(page.locator(".field-error")).to_have_text("The two passwords differ; type them again.")
    page.fill("#password", "alices new secret")
    page.fill("#confirm", "alices new secret")
    page.get_by_role("button", name="Set new password").click()
    expect(page.locator(".flash-info")).to_contain_text("New password set for alice")

    alice.page.reload()
    expect(alice.page).to_have_url(re.compile(r"/login"))
    alice.login("alice", "alices new secret")


def test_admin_edits_the_verdict_scale(live_server, open_page, artifacts):
    make_admin(live_server)
    ada = open_page("ada")
    page = ada.page
    page.goto(live_server.url + "/admin/verdicts")

    page.fill("#name", "half-true")
    page.fill("#label", "Half true")
    page.fill("#colour", "#00897b")
    page.get_by_role("button", name="Add verdict").click()
    expect(page.locator(".flash-info")).to_contain_text("Added Half true at the end of the scale")
    rows = page.locator(".verdicts-table tbody tr")
    expect(rows.last).to_have_id("verdict-half-true")

    # Up four places: from after unverifiable to just after mixed.
    for _ in range(4):
        page.get_by_role("button", name="Move Half true up").click()
        expect(page.locator(".flash-info")).to_have_text("Moved Half true up.")
    expect(rows.nth(3)).to_have_id("verdict-half-true")

    # Relabel "mixed" and give it another colour.
    page.fill("#label-mixed", "Mixed evidence")
    page.fill("#colour-mixed", "#ffb300")
    page.locator("#verdict-mixed").get_by_role("button", name="Save").click()
    expect(page.locator(".flash-info")).to_have_text("Saved Mixed evidence (mixed).")
    expect(page.locator("#colour-mixed")).to_have_value("#ffb300")

    # An unused verdict goes; the page offers no delete for one in use.
    live_server.add_annotation("alice", live_server.demo_id, "Maduro", verdict="false")
    page.reload()
    expect(page.locator("#verdict-false").get_by_role("button", name="Delete False")).to_have_count(0)
    page.get_by_role("button", name="Delete Misleading").click()
    expect(page.locator(".flash-info")).to_have_text("Deleted Misleading from the scale.")
    expect(page.locator("#verdict-misleading")).to_have_count(0)
    page.screenshot(path=str(artifacts / "admin-verdicts.png"), full_page=True)

    # Annotators see the new scale, in its order.
    alice = open_page("alice", live_server.demo_id)
    options = alice.page.locator("#editor select[name=verdict] option:not([disabled])")
    expect(options).to_have_text(["True", "Mostly true", "Mixed evidence", "Half true", "Mostly false", "False",
                                  "Unverifiable"])
