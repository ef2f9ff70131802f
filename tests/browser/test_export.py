"""The export page in Chromium: pick a format and filters, download the file."""

import csv
import io
import json
from pathlib import Path

from playwright.sync_api import expect

from annotator.articles import create_article
from tests import w3c_schemas
from tests.browser.test_layout import OVERFLOWING


def choose_format(page, label):
    """Click the format's card (its radio sits inside the label)."""
    page.locator(".format-choice").filter(has_text=label).click()
    expect(page.locator(".format-choice").filter(has_text=label).locator("input")).to_be_checked()


def test_download_a_filtered_w3c_collection(live_server, open_page, artifacts):
    emoji = live_server.emoji_id
    claim_id = live_server.add_annotation("alice", emoji, "café", verdict="mostly-true", rationale="Seen there.")
    live_server.add_annotation("bob", emoji, "Second", kind="correction", correction="Third")
    live_server.add_annotation("bob", live_server.demo_id, "Maduro")

    alice = open_page("alice")
    page = alice.page
    page.goto(f"{live_server.url}/export?article={emoji}")  # where the article page's link leads
    expect(page.locator("#article option:checked")).to_have_text("Emoji")
    choose_format(page, "W3C Web Annotation")
    page.locator("#kind").select_option("claim")
    page.screenshot(path=str(artifacts / "export-page.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename == f"article-{emoji}-annotations.jsonld"
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["total"] == 1 and exported["id"].endswith(f"/articles/{emoji}/export.jsonld?kind=claim")
    [item] = exported["first"]["items"]
    assert item["id"] == f"{live_server.url}/annotations/{claim_id}"
    assert item["target"]["selector"][0]["exact"] == "café"
    assert w3c_schemas.failures(item) == []


def test_csv_for_everything_with_a_byte_order_mark(live_server, open_page):
    live_server.add_annotation("alice", live_server.emoji_id, "café", rationale="=1+1")
    live_server.add_annotation("bob", live_server.demo_id, "Maduro")
    page = open_page("alice").page
    page.goto(f"{live_server.url}/export")
    expect(page.locator(".format-choice").filter(has_text="CSV").first.locator("input")).to_be_checked()
    expect(page.locator("#bom")).to_be_checked()
    page.get_by_role("button", name="Download").focus()
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    data = Path(download.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert sorted(r["quote"] for r in rows) == ["Maduro", "café"]
    assert [r["rationale"] for r in rows if r["quote"] == "café"] == ["'=1+1"]


def test_dates_the_wrong_way_round_are_shown_not_downloaded(live_server, open_page):
    page = open_page("alice").page
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.goto(f"{live_server.url}/export")
    choose_format(page, "JSON Lines")
    page.fill("#since", "2026-05-02")
    page.fill("#until", "2026-05-01")
    page.get_by_role("button", name="Download").click()
    expect(page.locator(".field-error")).to_have_text("This day is before the first one; nothing would match.")
    expect(page.locator(".format-choice").filter(has_text="JSON Lines").locator("input")).to_be_checked()
    assert downloads == []


def test_the_page_fits_a_phone_with_a_long_title(live_server, open_page):
    """A 296-character title in the article list must not widen the form past the window."""
    db = live_server.db()
    create_article(db, "Unbroken" * 37, "Body.")
    db.close()
    page = open_page("alice").page
    page.set_viewport_size({"width": 400, "height": 900})
    page.goto(f"{live_server.url}/export")
    assert page.evaluate(OVERFLOWING) == []
    assert page.evaluate("() => document.querySelector('#article').getBoundingClientRect().right") <= 400
