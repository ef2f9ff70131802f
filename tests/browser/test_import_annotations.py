"""An editor imports annotations from an export file in the page."""

import json

from playwright.sync_api import expect


def test_an_editor_imports_a_jsonl_file_and_sees_it_highlighted(live_server, open_page, tmp_path):
    live_server.add_user("erin", "editor")
    text = live_server.text(live_server.demo_id)
    start = text.index("no fiends")
    records = [
        {"id": 500, "kind": "correction", "start": start, "end": start + 9, "exact": "no fiends",
         "correction_type": "typo", "correction": "no friends", "author": "newcomer"},
        {"kind": "claim", "start": 0, "end": 5, "exact": "Maduro", "verdict": "false", "author": "bob"},
    ]
    path = tmp_path / "from-elsewhere.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    erin = open_page("erin", live_server.demo_id)
    erin.page.get_by_role("link", name="Import annotations").click()
    erin.page.set_input_files("input[name=file]", str(path))
    erin.page.get_by_role("button", name="Import").click()
    report = erin.page.locator(".import-report")
    expect(report).to_contain_text("Imported 2 annotations")
    expect(report).to_contain_text("1 at their exact position, 1 found by their words")
    expect(report).to_contain_text("New deactivated accounts: newcomer")
    report.get_by_role("link", name="Open the article").click()
    erin.wait_ready()
    imported = {a["id"]: a for a in erin.api_annotations()}
    assert imported[500]["exact"] == "no fiends" and imported[500]["author"] == "newcomer"
    erin.assert_highlighted(imported[500])
    maduro = next(a for a in imported.values() if a["exact"] == "Maduro")
    assert text[maduro["start"]:maduro["end"]] == "Maduro"
    erin.assert_highlighted(maduro)


def test_a_bad_file_is_refused_with_its_reason_and_nothing_imported(live_server, open_page, tmp_path):
    live_server.add_user("erin", "editor")
    path = tmp_path / "bad.jsonl"
    path.write_text('{"kind": "claim", "exact": "Maduro", "verdict": "maybe", "author": "bob"}', encoding="utf-8")
    erin = open_page("erin")
    erin.page.goto(f"{live_server.url}/articles/{live_server.demo_id}/import")
    erin.page.set_input_files("input[name=file]", str(path))
    erin.page.get_by_role("button", name="Import").click()
    expect(erin.page.locator(".field-error")).to_contain_text("Line 1")
    expect(erin.page.locator(".field-error")).to_contain_text("Nothing was imported")
    assert live_server.stored(live_server.demo_id) == []
