"""Soft deletes, restoring, and every change recorded (issue 4, first part)."""

import pytest

from annotator.articles import get_article
from tests.conftest import claim


@pytest.fixture
def text(db):
    return get_article(db, 1)["text"]


def test_delete_is_soft_and_the_author_restores(alice, db, text):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    assert alice.api("DELETE", f"/api/annotations/{saved['id']}").status_code == 204
    assert alice.api("GET", "/api/articles/1/annotations").get_json() == []
    assert "Maduro" not in alice.client.get("/articles/1/export.csv").get_data(as_text=True).split("\r\n", 1)[1]
    assert db["annotations"].count == 1  # the row is kept
    restored = alice.api("POST", f"/api/annotations/{saved['id']}/restore")
    assert restored.status_code == 200 and restored.get_json()["deleted"] is False
    assert [a["id"] for a in alice.api("GET", "/api/articles/1/annotations").get_json()] == [saved["id"]]
    again = alice.api("POST", f"/api/annotations/{saved['id']}/restore")
    assert again.status_code == 409 and "not deleted" in again.get_json()["error"]


def test_an_editor_may_restore_a_teammate_may_not(alice, bob, editor, text):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    alice.api("DELETE", f"/api/annotations/{saved['id']}")
    refused = bob.api("POST", f"/api/annotations/{saved['id']}/restore")
    assert refused.status_code == 403 and "Only the author or an editor" in refused.get_json()["error"]
    assert alice.api("GET", "/api/articles/1/annotations").get_json() == []
    assert editor.api("POST", f"/api/annotations/{saved['id']}/restore").status_code == 200


def test_a_delete_frees_the_span_and_restore_then_conflicts(alice, text):
    first = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    alice.api("DELETE", f"/api/annotations/{first['id']}")
    second = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "true"))
    assert second.status_code == 201
    clash = alice.api("POST", f"/api/annotations/{first['id']}/restore")
    assert clash.status_code == 409 and "delete that one first" in clash.get_json()["error"]


def test_history_records_every_change_with_before_and_after(alice, editor, db, text):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "no fiends", "false")).get_json()
    alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"verdict": "mixed", "version": 1})
    editor.api("PUT", "/api/articles/1/text", json={"text": "Preface.\n\n" + text})
    alice.api("DELETE", f"/api/annotations/{saved['id']}")
    alice.api("POST", f"/api/annotations/{saved['id']}/restore")
    entries = alice.api("GET", f"/api/annotations/{saved['id']}/history").get_json()
    assert [(e["action"], e["user"]) for e in entries] == [
        ("create", "alice"), ("edit", "alice"), ("reanchor", None), ("delete", "alice"), ("restore", "alice")]
    create, edit, reanchor, delete, restore = entries
    assert create["before"] is None and create["after"]["verdict"] == "false"
    assert (edit["before"]["verdict"], edit["after"]["verdict"]) == ("false", "mixed")
    assert reanchor["after"]["outcome"] == "exact" and reanchor["after"]["start"] == saved["start"] + 10
    assert delete["after"] is None and restore["after"]["deleted"] is False


def test_history_of_a_missing_annotation_is_404(alice):
    assert alice.api("GET", "/api/annotations/999/history").status_code == 404
    assert alice.api("POST", "/api/annotations/999/restore").status_code == 404
