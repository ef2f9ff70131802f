"""The conflicts page and the corrected-text preview, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from annotator import review
from annotator.annotations import get_annotation
from annotator.auth import create_user
from tests.browser.test_layout import OVERFLOWING
from tests.conftest import PASSWORD


def make_editor(live_server, username="erin"):
    db = live_server.db()
    try:
        create_user(db, username, PASSWORD, role="editor")
        return next(db["users"].rows_where("username = ?", [username]))
    finally:
        db.close()


def stored(live_server, annotation_id):
    db = live_server.db()
    try:
        row = get_annotation(db, annotation_id)
        return row["status"], row["final_verdict"], row["status_note"]
    finally:
        db.close()


def test_editor_resolves_a_conflict(live_server, open_page, artifacts):
    demo = live_server.demo_id
    first = live_server.add_annotation("alice", demo, "Nicolas Maduro", verdict="false",
                                       rationale="The 2018 vote was disputed.")
    second = live_server.add_annotation("bob", demo, "Maduro of Venezuela", verdict="true")
    make_editor(live_server)
    path = f"{live_server.url}/articles/{demo}/conflicts"

    bob = open_page("bob")
    bob.page.goto(path)
    card = bob.page.locator(f"#conflict-{first}")
    expect(card.locator(".conflict-context mark")).to_have_text("Nicolas Maduro of Venezuela")
    expect(card.locator(".judgement-column h3")).to_have_text(["True · 1 person", "False · 1 person"])
    expect(card.locator(".resolve-form")).to_have_count(0)  # bob is no editor
    # Each judgement links to its claim in the article.
    card.locator(".judgement", has_text="alice").get_by_role("link", name=f"#{first}").click()
    bob.wait_ready()
    expect(bob.page).to_have_url(re.compile(rf"/articles/{demo}#annotation-{first}$"))
    expect(bob.card(first)).to_have_class(re.compile(r"\bselected\b"))

    erin = open_page("erin")
    page = erin.page
    page.goto(path)
    card = page.locator(f"#conflict-{first}")
    form = card.locator(".resolve-form")
    expect(form.locator("input[name=final_verdict]:checked")).to_have_count(0)  # a tie: no majority

    # Resolve without a verdict: refused, the note kept, nothing stored.
    note = form.locator("textarea[name=note]")
    note.click()
    page.keyboard.type("Elected, but the vote was disputed.")
    form.get_by_role("button", name="Resolve").click()
    card = page.locator(f"#conflict-{first}")
    expect(card.locator(".form-error")).to_have_text("Choose the final verdict.")
    expect(card.locator("textarea[name=note]")).to_have_value("Elected, but the vote was disputed.")
    assert stored(live_server, first)[0] == "open"

    card.locator("label.verdict-choice", has_text="Mostly false").click()
    expect(card.locator("input[value=mostly-false]")).to_be_checked()
    page.screenshot(path=str(artifacts / "conflicts-editor.png"), full_page=True)
    card.get_by_role("button", name="Resolve").click()

    expect(page.locator(".flash")).to_have_text(
        "Resolved “Nicolas Maduro of Venezuela” as Mostly false: 2 claims accepted.")
    expect(page.locator(".tabs a.current")).to_have_text(re.compile(r"^Open\s+0$"))
    expect(page.locator(".card.empty")).to_contain_text("No open conflicts: 1 resolved.")
    for claim_id in (first, second):
        assert stored(live_server, claim_id) == ("accepted", "mostly-false", "Elected, but the vote was disputed.")

    page.locator(".tabs a", has_text="Resolved").click()
    resolved = page.locator(f"#conflict-{first}")
    expect(resolved.locator(".state")).to_have_text("Resolved")
    expect(resolved.locator(".resolution")).to_contain_text("Final verdict: Mostly false · resolved by erin")
    expect(resolved.locator(".resolution-note")).to_have_text("Elected, but the vote was disputed.")
    expect(resolved.locator("details.resolve")).not_to_have_attribute("open", "")
    page.screenshot(path=str(artifacts / "conflicts-resolved.png"), full_page=True)


def test_corrected_preview_marks_changes_and_downloads_clean_text(live_server, open_page, artifacts, tmp_path):
    demo = live_server.demo_id
    text = live_server.text(demo)
    fix = live_server.add_annotation("alice", demo, "no fiends", kind="correction", correction="no friends")
    twice = live_server.add_annotation("alice", demo, "said Mauricio Macri, said", kind="correction",
                                       correction_type="duplication", correction="said")
    erin = make_editor(live_server)
    db = live_server.db()
    for annotation_id in (fix, twice):
        review.set_status(db, get_annotation(db, annotation_id), erin, {"status": "accepted"})
    db.close()

    bob = open_page("bob")
    page = bob.page
    page.goto(f"{live_server.url}/articles/{demo}/corrected")
    shown = page.locator("#corrected-text")
    expect(shown.locator("del")).to_have_text(["no fiends", "said Mauricio Macri, said"])
    expect(shown.locator("ins")).to_have_text(["no friends", "said"])
    expect(page.locator(".correction-counts")).to_contain_text("2 applied · 0 skipped")
    page.screenshot(path=str(artifacts / "corrected-changes.png"), full_page=False)

    # The list links to each change in the text.
    page.locator("#applied-list a", has_text="said Mauricio Macri").click()
    expect(page).to_have_url(re.compile(rf"#correction-{twice}$"))
    expect(page.locator(f"#correction-{twice}")).to_be_in_viewport()

    page.get_by_role("link", name="Clean text").click()
    expect(page).to_have_url(re.compile(r"\?view=clean"))
    expect(shown.locator("del, ins")).to_have_count(0)
    expected = text.replace("no fiends", "no friends").replace("said Mauricio Macri, said", "said")
    assert page.evaluate("() => document.getElementById('corrected-text').textContent") == expected

    with page.expect_download() as download:
        page.get_by_role("link", name="Download .txt").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"article-{demo}-corrected.txt"
    assert saved.read_text(encoding="utf-8") == expected

    page.get_by_role("link", name="Show changes").click()
    expect(shown.locator("ins")).to_have_count(2)
    assert live_server.text(demo) == text  # the stored article is untouched


@pytest.mark.parametrize("width", [400, 1400])
def test_the_pages_fit_the_window(live_server, open_page, width):
    """A long source URL or a long correction must not push the pages sideways."""
    demo = live_server.demo_id
    live_server.add_annotation("alice", demo, "Nicolas Maduro", verdict="false",
                               sources=["https://example.com/" + "x" * 300])
    live_server.add_annotation("bob", demo, "Maduro of Venezuela", verdict="true")
    fix = live_server.add_annotation("bob", demo, "no fiends", kind="correction", correction="y" * 300)
    erin = make_editor(live_server)
    db = live_server.db()
    review.set_status(db, get_annotation(db, fix), erin, {"status": "accepted"})
    db.close()
    page = open_page("erin").page
    page.set_viewport_size({"width": width, "height": 900})
    for path in (f"/articles/{demo}/conflicts", f"/articles/{demo}/corrected", f"/articles/{demo}/corrected?view=clean"):
        page.goto(live_server.url + path)
        assert page.evaluate(OVERFLOWING) == [], f"{path} runs off the side at {width} px"
