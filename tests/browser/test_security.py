"""The login limit and an expired form, as a person meets them in the browser."""

from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS, VIEWPORT
from tests.conftest import PASSWORD


def new_page(_browser):
    context = _browser.get().new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def submit_login(page, url, username, password):
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")


def test_too_many_failed_logins_say_wait_even_for_the_right_password(live_server, _browser, artifacts):
    live_server.app.config["LOGIN_LIMIT_PER_ACCOUNT"] = 3
    page = new_page(_browser)
    for _ in range(3):
        submit_login(page, live_server.url, "alice", "a wrong password")
        expect(page.locator(".flash")).to_have_text("Wrong username or password.")
    submit_login(page, live_server.url, "alice", PASSWORD)
    expect(page.locator(".flash")).to_contain_text("Too many failed logins. Wait 15 minutes")
    expect(page.locator(".user-badge")).to_have_count(0)
    page.screenshot(path=str(artifacts / "login-limited.png"))
    submit_login(page, live_server.url, "bob", PASSWORD)  # another account is not locked out
    expect(page.locator(".user-badge")).to_have_text("bob")
    page.context.close()


def test_an_expired_form_says_go_back_and_back_keeps_what_was_typed(live_server, _browser):
    page = new_page(_browser)
    page.goto(live_server.url + "/login")
    page.fill("#username", "alice")
    # The token the page was given is no longer valid (the secret changed, the session ended...).
    page.evaluate("document.querySelector('input[name=csrf_token]').value = 'expired'")
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("main")).to_contain_text("Your form expired; go back and send it again.")
    page.go_back()
    expect(page.locator("#username")).to_have_value("alice")
    page.context.close()
