"""The review queue page, worked through with the keyboard."""

import re

from playwright.sync_api import expect


def reviews_by(server, username):
    """bob's (or anyone's) stored reviews, oldest first: (annotation_id, decision, verdict, correction, comment)."""
    db = server.db()
    try:
        return [tuple(row) for row in db.execute(
            "SELECT annotation_id, decision, verdict, correction, comment FROM reviews "
            "JOIN users ON users.id = reviewer_id WHERE username = ? ORDER BY reviews.id", [username])]
    finally:
        db.close()


def open_queue(open_page, username, query=""):
    queue = open_page(username)
    queue.page.goto(f"{queue.server.url}/review{query}")
    queue.page.wait_for_selector("body[data-queue-ready]", state="attached")
    return queue


def list_ids(page):
    return [int(i) for i in page.locator("#queue-list .queue-item").evaluate_all("items => items.map((i) => i.dataset.id)")]


def expect_current(page, annotation_id):
    expect(page.locator("#current .current-head .ref")).to_have_text(f"#{annotation_id}")
    expect(page.locator(f'#queue-list .queue-item[data-id="{annotation_id}"]')).to_have_attribute("aria-current", "true")


def test_a_reviewer_works_through_the_queue_with_the_keyboard(live_server, open_page, artifacts):
    demo, emoji = live_server.demo_id, live_server.emoji_id
    first = live_server.add_annotation("alice", demo, "Maduro", verdict="misleading", rationale="Which Maduro?")
    second = live_server.add_annotation("alice", demo, "gave 72 hours for diplomats", verdict="true",
                                        sources=["https://example.org/speech"])
    third = live_server.add_annotation("alice", demo, "no fiends", kind="correction", correction="no friends")
    fourth = live_server.add_annotation("alice", emoji, "café", verdict="mixed")
    live_server.add_annotation("bob", demo, "Guaido", verdict="true")  # bob's own: never in his queue

    bob = open_queue(open_page, "bob")
    page, keys = bob.page, bob.page.keyboard
    assert list_ids(page) == [first, second, third, fourth]
    expect(page.locator("#queue-total")).to_have_text("4 to review")
    expect_current(page, first)
    expect(page.locator("#current .context mark")).to_have_text("Maduro")
    expect(page.locator("#current .rationale")).to_have_text("Which Maduro?")

    # j / k and the arrows move; the live status line says where we are.
    keys.press("j")
    expect_current(page, second)
    expect(page.locator("#queue-status")).to_contain_text("2 of 4: claim (True) by alice")
    link = page.locator("#current .sources a")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    keys.press("k")
    expect_current(page, first)
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    expect_current(page, third)
    keys.press("ArrowUp")
    expect_current(page, second)

    # a agrees at once and moves on; the list and the counts follow.
    keys.press("a")
    expect(page.locator("#queue-total")).to_have_text("3 to review")
    assert reviews_by(live_server, "bob") == [(second, "agree", "true", None, "")]  # the verdict agreed with
    assert list_ids(page) == [first, third, fourth]
    expect_current(page, third)
    expect(page.locator(".queue-filters select[name=kind] option[value=claim]")).to_have_text("Claim (2)")
    expect(page.locator("#queue-status")).to_contain_text("Agreed with claim (True) by alice")

    # d on a claim: the verdict first, then a reason; typing a, d, j or k there is just typing.
    keys.press("k")
    expect_current(page, first)
    keys.press("d")
    verdict = page.locator("#review-form select[name=verdict]")
    expect(verdict).to_be_focused()
    keys.press("ArrowDown")  # from "Choose your verdict…" to True
    expect(verdict).to_have_value("true")
    keys.press("Tab")
    reason = page.locator("#review-form textarea[name=comment]")
    expect(reason).to_be_focused()
    keys.press("Control+Enter")  # no reason yet: refused, shown inline, the verdict kept
    expect(page.locator("#review-error")).to_have_text("Say why you disagree: write your reason.")
    expect(page.locator("#review-error")).to_have_attribute("role", "alert")
    expect(verdict).to_have_value("true")
    keys.type("a plain statement, and just a fact: j k d")
    expect(reason).to_have_value("a plain statement, and just a fact: j k d")
    assert reviews_by(live_server, "bob") == [(second, "agree", "true", None, "")]  # no agree, no move
    expect_current(page, first)
    keys.press("Control+Enter")
    expect(page.locator("#queue-total")).to_have_text("2 to review")
    assert reviews_by(live_server, "bob")[-1] == (first, "disagree", "true", None,
                                                   "a plain statement, and just a fact: j k d")
    assert list_ids(page) == [third, fourth]
    expect_current(page, third)
    expect(page.locator("#review-error")).to_have_text("")
    expect(page.locator("#current")).to_be_focused()  # keys keep working after the fields went away

    # c comments; the correction stays in the queue, as a comment judges nothing.
    keys.press("c")
    expect(reason).to_be_focused()
    keys.type("Is this in the wire copy?")
    keys.press("Control+Enter")
    expect(page.locator("#current .current-reviews")).to_contain_text("Reviews so far: 0 agree, 0 disagree, 1 comment")
    expect(page.locator("#queue-status")).to_contain_text("it stays in your queue")
    assert reviews_by(live_server, "bob")[-1] == (third, "comment", None, None, "Is this in the wire copy?")
    assert list_ids(page) == [third, fourth]
    expect(page.locator("#review-fields")).to_be_hidden()

    # ? shows the keys, Escape hides them.
    keys.press("?")
    expect(page.locator("#key-help")).to_be_visible()
    page.screenshot(path=str(artifacts / "queue-help.png"))
    keys.press("Escape")
    expect(page.locator("#key-help")).to_be_hidden()

    # Disagreeing with a correction gives one's own replacement.
    keys.press("d")
    replacement = page.locator("#review-form textarea[name=correction]")
    expect(replacement).to_be_focused()
    expect(replacement).to_have_value("no friends")
    keys.press("Backspace")
    keys.press("Tab")
    keys.type("One friend at most.")
    page.screenshot(path=str(artifacts / "queue-disagree.png"))
    keys.press("Meta+Enter")
    expect(page.locator("#queue-total")).to_have_text("1 to review")
    assert reviews_by(live_server, "bob")[-1] == (third, "disagree", None, "no friend", "One friend at most.")

    keys.press("a")
    expect(page.locator("#queue-empty")).to_be_visible()
    expect(page.locator("#queue-empty")).to_contain_text("Nothing left to review")
    expect(page.locator("#queue")).to_be_hidden()
    expect(page.locator("#queue-total")).to_have_text("0 to review")
    assert [r[:2] for r in reviews_by(live_server, "bob")] == [
        (second, "agree"), (first, "disagree"), (third, "comment"), (third, "disagree"), (fourth, "agree")]


def test_filters_and_opening_the_article(live_server, open_page, artifacts):
    demo, emoji = live_server.demo_id, live_server.emoji_id
    claim = live_server.add_annotation("alice", demo, "Maduro", verdict="false")
    correction = live_server.add_annotation("alice", demo, "no fiends", kind="correction", correction="no friends")
    cafe = live_server.add_annotation("alice", emoji, "café", verdict="mixed")

    bob = open_queue(open_page, "bob")
    page = bob.page
    expect(page.locator(".queue-filters select[name=article] option")).to_have_text(
        ["Any", re.compile(r"^Venezuela cuts .* \(2\)$"), "Emoji (1)"])
    page.locator(".queue-filters select[name=kind]").select_option("correction")
    page.locator(".queue-filters button[type=submit]").click()
    page.wait_for_selector("body[data-queue-ready]", state="attached")
    expect(page).to_have_url(re.compile(r"/review\?.*kind=correction"))
    assert list_ids(page) == [correction]
    # Articles (and authors) with nothing left under the other filters are not offered.
    expect(page.locator(".queue-filters select[name=article] option")).to_have_text(
        ["Any", re.compile(r"^Venezuela cuts .* \(1\)$")])
    page.screenshot(path=str(artifacts / "queue-filtered.png"))

    page.keyboard.press("a")
    expect(page.locator("#queue-empty")).to_be_visible()
    expect(page.locator("#queue-empty")).to_contain_text("Nothing left with these filters")
    expect(page.locator(".queue-filters select[name=kind]")).to_have_value("correction")
    expect(page.locator(".queue-filters select[name=kind] option[value=correction]")).to_have_text("Correction (0)")
    page.screenshot(path=str(artifacts / "queue-empty.png"))
    page.get_by_role("link", name="Clear the filters").click()
    page.wait_for_selector("body[data-queue-ready]", state="attached")
    assert list_ids(page) == [claim, cafe]

    page.keyboard.press("o")
    expect(page).to_have_url(f"{live_server.url}/articles/{demo}#annotation-{claim}")
    bob.wait_ready()
    # The article page opens on that annotation: its card and highlight are selected.
    expect(page.locator(f'.annotation-card[data-id="{claim}"]')).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator("mark.selected").first).to_be_visible()


def test_a_failed_review_keeps_what_was_typed(live_server, open_page):
    demo = live_server.demo_id
    claim = live_server.add_annotation("alice", demo, "Maduro", verdict="false")
    bob = open_queue(open_page, "bob")
    page = bob.page
    page.keyboard.press("c")
    page.keyboard.type("Which speech?")
    # alice deletes it meanwhile: the comment fails with the server's message, the text stays.
    alice = open_page("alice")
    assert alice.api_send("DELETE", f"/api/annotations/{claim}").status == 204
    page.keyboard.press("Control+Enter")
    expect(page.locator("#review-error")).to_have_text(re.compile(rf"^There is no annotation {claim}\."))
    expect(page.locator("#review-form textarea[name=comment]")).to_have_value("Which speech?")
    expect(page.locator("#review-form textarea[name=comment]")).to_be_focused()
    assert reviews_by(live_server, "bob") == []
