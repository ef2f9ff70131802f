"""Work survives: a save while the server is down waits and retries, typed
work comes back after a reload, a double click makes one annotation, and two
tabs editing one annotation meet in a conflict view instead of overwriting."""

import json
import re

from playwright.sync_api import expect

from annotator.articles import edit_text, get_article
from annotator.db import get_db

QUOTE = "gave 72 hours for diplomats to leave the country"
#: Long enough for the page's own backoff (2 s, then 5 s) to reach a restarted server.
RETRY_WAIT_MS = 20_000


def rationale(tab):
    return tab.form.locator("textarea[name=rationale]")


def type_into(locator, text):
    """Click into a field and type `text` key by key, as a person does."""
    locator.click()
    locator.press_sequentially(text)


def stored_draft(tab):
    """The drafts this page keeps in localStorage, parsed."""
    return tab.page.evaluate("""() => Object.keys(localStorage).filter((k) => k.startsWith('annotator:draft:'))
        .map((k) => JSON.parse(localStorage.getItem(k)))""")


def test_save_while_the_server_is_down_keeps_the_work_and_retries(live_server, open_page):
    alice = open_page("alice", live_server.demo_id)
    alice.select_text("no fiends")
    alice.form.locator("select[name=verdict]").select_option("false")
    type_into(rationale(alice), "The wire copy says no friends.")
    live_server.stop()

    alice.save_button.click()
    notice = alice.page.locator("#save-retry")
    expect(notice).to_contain_text(re.compile("Not saved yet — retrying"))
    expect(alice.editor).to_be_visible()
    expect(rationale(alice)).to_have_value("The wire copy says no friends.")
    [draft] = stored_draft(alice)
    assert draft["fields"]["rationale"] == "The wire copy says no friends."
    # Pressing Retry now while it is still down changes nothing but the wait.
    alice.page.get_by_role("button", name="Retry now").click()
    expect(notice).to_contain_text("retrying in")
    expect(rationale(alice)).to_have_value("The wire copy says no friends.")
    assert live_server.stored(live_server.demo_id) == []

    live_server.start()
    expect(alice.editor).to_be_hidden(timeout=RETRY_WAIT_MS)
    [saved] = live_server.stored(live_server.demo_id)
    assert (saved["exact"], saved["verdict"], saved["rationale"]) == (
        "no fiends", "false", "The wire copy says no friends.")
    expect(alice.cards).to_have_count(1)
    assert stored_draft(alice) == []


def test_retry_now_saves_once_the_server_is_back(live_server, open_page):
    alice = open_page("alice", live_server.demo_id)
    alice.select_text("no fiends")
    alice.choose_kind("correction")
    correction = alice.form.locator("textarea[name=correction]")
    correction.fill("")
    type_into(correction, "no friends")
    live_server.stop()
    alice.save_button.click()
    expect(alice.page.locator("#save-retry")).to_be_visible()
    live_server.start()
    alice.page.get_by_role("button", name="Retry now").click()
    expect(alice.editor).to_be_hidden()
    [saved] = live_server.stored(live_server.demo_id)
    assert (saved["kind"], saved["correction"]) == ("correction", "no friends")


def test_reloading_brings_back_the_unsaved_draft(live_server, open_page):
    alice = open_page("alice", live_server.demo_id)
    alice.select_text("no fiends")
    alice.form.locator("select[name=verdict]").select_option("mostly-false")
    type_into(rationale(alice), "Half written")
    type_into(alice.form.locator("textarea[name=sources]"), "https://example.org/wire")

    alice.reload()
    note = alice.page.locator("#restored-note")
    expect(note).to_have_text("Restored what you were typing.")
    expect(alice.editor).to_be_visible()
    expect(alice.form.locator("select[name=verdict]")).to_have_value("mostly-false")
    expect(rationale(alice)).to_have_value("Half written")
    expect(alice.form.locator("textarea[name=sources]")).to_have_value("https://example.org/wire")
    alice.expect_draft("no fiends")
    assert live_server.stored(live_server.demo_id) == []

    type_into(rationale(alice), ", now finished.")
    alice.save()
    [saved] = live_server.stored(live_server.demo_id)
    assert (saved["exact"], saved["rationale"], saved["sources"]) == (
        "no fiends", "Half written, now finished.", ["https://example.org/wire"])
    alice.reload()
    expect(alice.cards).to_have_count(1)
    expect(alice.editor).to_be_hidden()


def test_cancel_forgets_the_draft(live_server, open_page):
    alice = open_page("alice", live_server.demo_id)
    alice.select_text("no fiends")
    type_into(rationale(alice), "Not worth keeping")
    alice.page.locator("#editor-cancel").click()
    expect(alice.editor).to_be_hidden()
    alice.reload()
    expect(alice.editor).to_be_hidden()
    assert stored_draft(alice) == []


def test_an_edit_restored_after_a_reload_stays_an_edit(live_server, open_page):
    claim_id = live_server.add_annotation("alice", live_server.demo_id, QUOTE, verdict="true")
    alice = open_page("alice", live_server.demo_id)
    alice.card(claim_id).locator("button.edit").click()
    type_into(rationale(alice), "Checked the decree.")
    alice.reload()
    expect(alice.page.locator("#editor-title")).to_have_text("Edit annotation")
    expect(rationale(alice)).to_have_value("Checked the decree.")
    alice.save()
    [saved] = live_server.stored(live_server.demo_id)
    assert (saved["id"], saved["rationale"]) == (claim_id, "Checked the decree.")


def test_double_click_on_save_makes_one_annotation(live_server, open_page):
    alice = open_page("alice", live_server.demo_id)
    posts = []
    alice.page.on("request", lambda r: posts.append(r.post_data) if r.method == "POST" and "/annotations" in r.url else None)
    alice.select_text("no fiends")
    alice.form.locator("select[name=verdict]").select_option("false")
    alice.save_button.dblclick()
    expect(alice.editor).to_be_hidden()
    expect(alice.cards).to_have_count(1)
    assert len(live_server.stored(live_server.demo_id)) == 1
    [body] = [json.loads(p) for p in posts]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", body["client_uuid"])


def test_a_retried_create_sends_the_same_client_uuid(live_server, open_page):
    """The server stored the first try but its answer was lost: the retry must name the same annotation."""
    alice = open_page("alice", live_server.demo_id)
    bodies = []

    def lose_first_answer(route):
        bodies.append(json.loads(route.request.post_data))
        if len(bodies) == 1:
            route.fetch()  # the server stores it...
            route.abort("connectionreset")  # ...but the page never hears back
        else:
            route.continue_()

    alice.page.route("**/api/articles/*/annotations", lambda route: lose_first_answer(route)
                     if route.request.method == "POST" else route.continue_())
    alice.select_text("no fiends")
    alice.form.locator("select[name=verdict]").select_option("false")
    alice.save_button.click()
    expect(alice.page.locator("#save-retry")).to_be_visible()
    alice.page.get_by_role("button", name="Retry now").click()
    expect(alice.editor).to_be_hidden()
    assert len(bodies) == 2 and bodies[0]["client_uuid"] == bodies[1]["client_uuid"]
    assert len(live_server.stored(live_server.demo_id)) == 1


def _two_tabs_in_conflict(live_server, open_page):
    """Alice edits one claim in two tabs; the first saves, the second then
    presses Save and meets the conflict view. Returns (claim id, first, second)."""
    claim_id = live_server.add_annotation("alice", live_server.demo_id, QUOTE, verdict="true", rationale="Original.")
    first = open_page("alice", live_server.demo_id)
    second = open_page("alice", live_server.demo_id)
    for tab in (first, second):
        tab.card(claim_id).locator("button.edit").click()
    rationale(first).fill("")
    type_into(rationale(first), "From the first tab.")
    first.save()
    second.form.locator("select[name=verdict]").select_option("false")
    rationale(second).fill("")
    type_into(rationale(second), "From the second tab.")
    second.save_button.click()
    conflict = second.page.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(second.page.locator("#conflict-title")).to_have_text("Changed by you in another tab meanwhile")
    rows = second.page.locator("#conflict-rows tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_text(re.compile("Verdict.*True.*False"))
    expect(rows.nth(1)).to_have_text(re.compile("Rationale.*From the first tab\\..*From the second tab\\."))
    [stored] = live_server.stored(live_server.demo_id)
    assert (stored["verdict"], stored["rationale"]) == ("true", "From the first tab.")  # nothing overwritten
    return claim_id, first, second


def test_conflict_keep_mine_overwrites_deliberately(live_server, open_page):
    claim_id, first, second = _two_tabs_in_conflict(live_server, open_page)
    second.page.get_by_role("button", name="Keep mine").click()
    expect(second.editor).to_be_hidden()
    [stored] = live_server.stored(live_server.demo_id)
    assert (stored["id"], stored["verdict"], stored["rationale"]) == (claim_id, "false", "From the second tab.")


def test_conflict_take_theirs_loads_their_version(live_server, open_page):
    claim_id, first, second = _two_tabs_in_conflict(live_server, open_page)
    second.page.get_by_role("button", name="Take theirs").click()
    expect(second.page.locator("#conflict")).to_be_hidden()
    expect(second.form.locator("select[name=verdict]")).to_have_value("true")
    expect(rationale(second)).to_have_value("From the first tab.")
    # Merge: add to theirs, then save on top of the version now shown.
    type_into(rationale(second), " Also the decree.")
    second.save()
    [stored] = live_server.stored(live_server.demo_id)
    assert (stored["verdict"], stored["rationale"]) == ("true", "From the first tab. Also the decree.")


def test_a_server_error_is_retried_too(live_server, open_page):
    alice = open_page("alice", live_server.demo_id)
    failures = []

    def fail_once(route):
        if route.request.method == "POST" and not failures:
            failures.append(route.request.url)
            route.fulfill(status=503, content_type="application/json", body='{"error": "Restarting."}')
        else:
            route.continue_()

    alice.page.route("**/api/articles/*/annotations", fail_once)
    alice.select_text("no fiends")
    alice.form.locator("select[name=verdict]").select_option("false")
    alice.save_button.click()
    expect(alice.page.locator("#save-retry")).to_contain_text("Not saved yet — retrying")
    alice.page.get_by_role("button", name="Retry now").click()
    expect(alice.editor).to_be_hidden()
    assert len(failures) == 1 and len(live_server.stored(live_server.demo_id)) == 1


def test_a_draft_on_an_edited_text_asks_for_the_words_again(live_server, open_page):
    alice = open_page("alice", live_server.demo_id)
    alice.select_text("no fiends")
    alice.form.locator("select[name=verdict]").select_option("false")
    type_into(rationale(alice), "Typed before the edit.")
    text = live_server.text(live_server.demo_id)
    live_server.add_user("erin", role="editor")
    with live_server.app.app_context():
        db = get_db()
        user = next(db["users"].rows_where("username = 'erin'"))
        edit_text(db, get_article(db, live_server.demo_id), "A new first line.\n\n" + text, user)

    alice.reload()
    expect(alice.page.locator("#restored-note")).to_contain_text("select the words again")
    expect(rationale(alice)).to_have_value("Typed before the edit.")
    alice.expect_draft(None)  # the old offsets would point at other words
    alice.save_button.click()
    expect(alice.page.locator("#editor-error")).to_contain_text("select the words again")
    assert live_server.stored(live_server.demo_id) == []
    start, end = alice.find("no fiends")
    assert alice.drag_select(start, end) == "no fiends"
    alice.expect_draft("no fiends")
    alice.save()
    [saved] = live_server.stored(live_server.demo_id)
    assert (saved["exact"], saved["rationale"], saved["revision"]) == ("no fiends", "Typed before the edit.", 2)
