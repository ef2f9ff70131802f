"""The dashboards drawn in Chromium, and restoring deleted annotations by clicking."""

import re

import pytest
from playwright.sync_api import expect

from annotator import annotations as annotations_model
from annotator import review
from annotator.auth import create_user
from annotator.db import connect
from tests.conftest import PASSWORD


def rendered_width(locator):
    """The on-screen width in CSS pixels of an SVG element."""
    return locator.evaluate("(el) => el.getBoundingClientRect().width")


def set_status(server, annotation_id, status):
    db = server.db()
    try:
        editor = next(db["users"].rows_where("role = 'editor'"))
        annotation = annotations_model.get_annotation(db, annotation_id)
        review.set_status(db, annotation, editor, {"status": status})
    finally:
        db.close()


@pytest.fixture
def editor_user(live_server):
    db = connect(live_server.app.config["DATABASE"])
    create_user(db, "erin", PASSWORD, role="editor")
    db.close()


def test_dashboard_bars_are_drawn_in_proportion(live_server, open_page, editor_user, artifacts):
    demo = live_server.demo_id
    for quote in ("Nicolas Maduro", "Caracas", "Twitter"):
        live_server.add_annotation("alice", demo, quote, verdict="false")
    live_server.add_annotation("alice", demo, "72 hours", verdict="true")
    mixed = [live_server.add_annotation("bob", demo, quote, verdict="mixed") for quote in ("Guaido", "Donald Trump")]
    live_server.add_annotation("bob", demo, "no fiends", kind="correction", correction_type="typo", correction="no friends")
    set_status(live_server, mixed[0], "accepted")

    erin = open_page("erin")
    page = erin.page
    page.goto(live_server.url + "/dashboard")
    page.get_by_role("link", name=re.compile("^Venezuela cuts diplomatic ties")).click()
    expect(page).to_have_url(f"{live_server.url}/articles/{demo}/dashboard")

    verdicts = page.locator("#verdict-chart")
    expect(verdicts).to_be_visible()
    fill = {name: verdicts.locator(f'g.bar[data-name="{name}"] rect.bar-fill') for name in ("false", "mixed", "true")}
    for bar in fill.values():
        expect(bar).to_be_visible()
    widths = {name: rendered_width(bar) for name, bar in fill.items()}
    assert widths["true"] > 20
    assert widths["false"] == pytest.approx(3 * widths["true"], rel=0.01)
    assert widths["mixed"] == pytest.approx(2 * widths["true"], rel=0.01)
    expect(verdicts.locator('g.bar[data-name="misleading"] rect.bar-fill')).to_have_count(0)
    expect(verdicts.locator('g.bar[data-name="false"] text.bar-value')).to_have_text("3 50%")

    progress = page.locator("svg.progress-chart")
    expect(progress).to_be_visible()
    accepted = progress.locator("g.segment.status-accepted rect")
    still_open = progress.locator("g.segment.status-open rect")
    # one of seven accepted, six open; the segments fill the bar between them
    assert rendered_width(still_open) == pytest.approx(6 * rendered_width(accepted), rel=0.01)
    assert rendered_width(still_open) + rendered_width(accepted) == pytest.approx(rendered_width(progress), rel=0.01)
    expect(page.locator(".legend")).to_contain_text("Open 6")
    expect(page.locator("#correction-chart g.bar[data-name=typo] rect.bar-fill")).to_be_visible()
    expect(page.locator(".alpha-figures")).to_have_count(0)  # nobody judged the same span
    expect(page.locator(".agreement-empty")).to_be_visible()
    page.screenshot(path=str(artifacts / "dashboard-article.png"), full_page=True)


def test_restore_from_the_deleted_list_puts_it_back_on_the_article(live_server, open_page, artifacts):
    demo = live_server.demo_id
    claim_id = live_server.add_annotation("alice", demo, "gave 72 hours for diplomats", verdict="true")
    alice = open_page("alice", demo)
    expect(alice.card(claim_id)).to_be_visible()
    assert alice.api_send("DELETE", f"/api/annotations/{claim_id}").status == 204

    page = alice.page
    page.goto(f"{live_server.url}/articles/{demo}/deleted")
    row = page.locator(f'tr[data-id="{claim_id}"]')
    expect(row).to_contain_text("gave 72 hours for diplomats")
    page.screenshot(path=str(artifacts / "deleted-list.png"), full_page=True)
    row.get_by_role("button", name="Restore").click()
    expect(page.locator(".flash")).to_have_text(f"Annotation {claim_id} is restored; it is back on the article.")
    expect(page.locator(f'tr[data-id="{claim_id}"]')).to_have_count(0)

    page.get_by_role("link", name="Open the article").click()
    alice.wait_ready()
    expect(alice.card(claim_id)).to_be_visible()
    assert [a["id"] for a in alice.api_annotations(demo)] == [claim_id]


def test_history_page_shows_the_timeline_and_restores(live_server, open_page, artifacts):
    demo = live_server.demo_id
    claim_id = live_server.add_annotation("alice", demo, "Caracas", verdict="false")
    alice = open_page("alice", demo)
    response = alice.api_send("PATCH", f"/api/annotations/{claim_id}", data={"verdict": "misleading", "version": 1})
    assert response.ok
    assert alice.api_send("DELETE", f"/api/annotations/{claim_id}").status == 204

    bob = open_page("bob")
    bob.page.goto(f"{live_server.url}/annotations/{claim_id}")
    expect(bob.page.locator(".deleted-notice")).to_contain_text("Only alice or an editor can restore it.")
    expect(bob.page.get_by_role("button", name="Restore")).to_have_count(0)

    page = alice.page
    page.goto(f"{live_server.url}/articles/{demo}/deleted")
    page.locator(f'tr[data-id="{claim_id}"]').get_by_role("link", name="History").click()
    expect(page).to_have_url(f"{live_server.url}/annotations/{claim_id}")
    events = page.locator(".timeline > li.event")
    expect(events).to_have_count(3)
    assert events.evaluate_all("(items) => items.map((li) => li.dataset.action)") == ["create", "edit", "delete"]
    expect(events.nth(1).locator('dd[data-field="verdict"]')).to_have_text("False → Misleading")
    page.screenshot(path=str(artifacts / "annotation-history.png"), full_page=True)

    page.get_by_role("button", name="Restore").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("is restored")
    expect(page.locator(".deleted-notice")).to_have_count(0)
    expect(events).to_have_count(4)
    expect(events.nth(3)).to_contain_text("alice restored it")
    alice.open(demo)
    expect(alice.card(claim_id)).to_be_visible()
