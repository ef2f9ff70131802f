"""An annotation's page with its history, the deleted list, and restoring from them."""

import re

import pytest

from annotator.articles import get_article
from annotator.history import changes
from tests.conftest import claim


@pytest.fixture
def text(db):
    return get_article(db, 1)["text"]


@pytest.fixture
def deleted_claim(alice, text):
    """alice's claim on "Maduro", deleted by her: its id."""
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "false")).get_json()
    assert alice.api("DELETE", f"/api/annotations/{saved['id']}").status_code == 204
    return saved["id"]


def is_deleted(db, annotation_id):
    return db["annotations"].get(annotation_id)["deleted_at"] is not None


def restore(session, annotation_id, back="annotation", token=None):
    """Submit the Restore form as ``session`` would, from the page ``back`` names."""
    page = f"/annotations/{annotation_id}"
    data = {"back": back, "csrf_token": session.csrf_token(page) if token is None else token}
    return session.client.post(f"/annotations/{annotation_id}/restore", data=data)


def events(html):
    """(action, the entry's HTML) for each entry of the timeline, in order."""
    return re.findall(r'<li class="event action-\w+" data-action="(\w+)">(.*?)</li>', html, re.S)


def test_timeline_shows_each_change_with_before_and_after(alice, bob, editor, text):
    saved = alice.api("POST", "/api/articles/1/annotations",
                      json=claim(text, "no fiends", "false", rationale="A typo.")).get_json()
    alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"verdict": "misleading", "rationale": "Quoted as said.", "version": 1})
    bob.api("POST", f"/api/annotations/{saved['id']}/reviews",
            json={"decision": "disagree", "verdict": "true", "comment": "The speech says so."})
    editor.api("POST", f"/api/annotations/{saved['id']}/status", json={"status": "accepted", "note": "Fine."})
    alice.api("DELETE", f"/api/annotations/{saved['id']}")

    response = bob.client.get(f"/annotations/{saved['id']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    timeline = events(html)
    assert [action for action, _ in timeline] == ["create", "edit", "review", "status", "delete"]
    create, edit, review, status, delete = (entry for _, entry in timeline)
    assert "<strong>alice</strong> created it" in create and '<ins>False</ins>' in create
    assert re.search(r'data-field="verdict"><del>False</del> <span class="arrow"[^>]*>→</span> <ins>Misleading</ins>',
                     edit)
    assert "<del>A typo.</del>" in edit and "<ins>Quoted as said.</ins>" in edit
    assert 'data-field="exact"' not in edit  # unchanged fields are left out
    assert "<strong>bob</strong> disagreed" in review and "<del>Misleading</del>" in review and "<ins>True</ins>" in review
    assert "The speech says so." in review
    assert "<strong>erin</strong> set the status" in status and "<del>Open</del>" in status
    assert "<ins>Accepted</ins>" in status and "<ins>Fine.</ins>" in status
    assert "<strong>alice</strong> deleted it" in delete
    assert "Deleted" in html and "no fiends" in html
    assert "/restore" not in html  # bob neither wrote it nor edits


def test_a_text_edit_shows_where_the_annotation_moved(alice, editor, text):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    assert editor.api("PUT", "/api/articles/1/text", json={"text": "Preface.\n\n" + text}).status_code == 200
    html = alice.client.get(f"/annotations/{saved['id']}").get_data(as_text=True)
    [(_, entry)] = [e for e in events(html) if e[0] == "reanchor"]
    assert "<strong>The system</strong> re-anchored after a text edit: stayed on its words" in entry
    assert re.search(r'data-field="revision"><del>1</del> .*<ins>2</ins>', entry)
    start, end = saved["start"], saved["end"]
    assert f"<del>characters {start}–{end}</del>" in entry and f"<ins>characters {start + 10}–{end + 10}</ins>" in entry


def test_changes_lists_changed_fields_only_with_labels():
    names = {"verdict": {"false": "False", "mixed": "Mixed"}}
    before = {"kind": "claim", "verdict": "false", "rationale": "", "sources": ["https://a.example"], "start": 1, "end": 4}
    after = {**before, "verdict": "mixed", "rationale": "Long enough to keep.", "sources": []}
    found = changes(before, after, [("kind", "Kind"), ("verdict", "Verdict"), ("rationale", "Rationale"),
                                    ("sources", "Sources"), ("position", "Position")], names)
    assert found == [
        {"field": "verdict", "label": "Verdict", "before": "False", "after": "Mixed", "long": False},
        {"field": "rationale", "label": "Rationale", "before": None, "after": "Long enough to keep.", "long": True},
        {"field": "sources", "label": "Sources", "before": "https://a.example", "after": "—", "long": True},
    ]


def test_the_author_restores_from_the_annotation_page(alice, db, deleted_claim):
    page = alice.client.get(f"/annotations/{deleted_claim}").get_data(as_text=True)
    assert f'action="/annotations/{deleted_claim}/restore"' in page
    response = restore(alice, deleted_claim)
    assert response.status_code == 302 and response.headers["Location"] == f"/annotations/{deleted_claim}"
    assert not is_deleted(db, deleted_claim)
    after = alice.client.get(f"/annotations/{deleted_claim}").get_data(as_text=True)
    assert f"Annotation {deleted_claim} is restored" in after
    assert [action for action, _ in events(after)] == ["create", "delete", "restore"]
    assert [a["id"] for a in alice.api("GET", "/api/articles/1/annotations").get_json()] == [deleted_claim]


def test_an_editor_restores_from_the_deleted_list(editor, db, deleted_claim):
    listing = editor.client.get("/articles/1/deleted").get_data(as_text=True)
    assert f'<tr data-id="{deleted_claim}">' in listing and "Restore</button>" in listing
    response = restore(editor, deleted_claim, back="deleted")
    assert response.status_code == 302 and response.headers["Location"] == "/articles/1/deleted"
    assert not is_deleted(db, deleted_claim)
    assert "No annotation on this article has been deleted." in editor.client.get("/articles/1/deleted").get_data(
        as_text=True)


def test_another_reviewer_may_not_restore(bob, db, deleted_claim):
    listing = bob.client.get("/articles/1/deleted").get_data(as_text=True)
    assert f'<tr data-id="{deleted_claim}">' in listing and "Restore</button>" not in listing
    page = bob.client.get(f"/annotations/{deleted_claim}").get_data(as_text=True)
    assert "/restore" not in page and "Only alice or an editor can restore it." in re.sub(r"<[^>]+>", "", page)
    response = restore(bob, deleted_claim)
    assert response.status_code == 403
    assert "Only the author or an editor can restore" in response.get_data(as_text=True)
    assert is_deleted(db, deleted_claim)


def test_restoring_one_that_is_not_deleted_says_so(alice, db, text):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    response = restore(alice, saved["id"])
    assert response.status_code == 409
    assert f"Annotation {saved['id']} was not restored: This annotation is not deleted." in response.get_data(
        as_text=True)
    assert db["history"].count_where("annotation_id = ? AND action = 'restore'", [saved["id"]]) == 0


def test_a_restore_whose_span_is_taken_again_stays_deleted_with_a_message(alice, db, text, deleted_claim):
    assert alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "true")).status_code == 201
    response = restore(alice, deleted_claim, back="deleted")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "delete that one first" in html and "<h1>Deleted annotations</h1>" in html
    assert is_deleted(db, deleted_claim)


def test_a_restore_without_the_csrf_token_changes_nothing(alice, db, deleted_claim):
    response = restore(alice, deleted_claim, token="")
    assert response.status_code == 400 and "Your form expired" in response.get_data(as_text=True)
    assert is_deleted(db, deleted_claim)


def test_a_restore_with_an_unknown_return_page_changes_nothing(alice, db, deleted_claim):
    response = restore(alice, deleted_claim, back="https://evil.example/")
    assert response.status_code == 400
    assert is_deleted(db, deleted_claim)


def test_deleted_list_says_who_deleted_and_when(alice, db, deleted_claim):
    html = alice.client.get("/articles/1/deleted").get_data(as_text=True)
    row = re.search(rf'<tr data-id="{deleted_claim}">(.*?)</tr>', html, re.S).group(1)
    deleted_at = db["annotations"].get(deleted_claim)["deleted_at"]
    assert "“Maduro”" in row and "Claim: False" in row
    assert re.search(r'<td><span [^>]*>alice</span></td>\s*<td><span [^>]*>alice</span></td>', row)
    assert f'datetime="{deleted_at}"' in row
    assert f'href="/annotations/{deleted_claim}"' in row


@pytest.mark.parametrize("path", ["/annotations/1", "/articles/1/deleted"])
def test_anonymous_visitors_are_sent_to_log_in(anonymous, path):
    response = anonymous.client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_anonymous_restore_changes_nothing(anonymous, db, deleted_claim):
    token = anonymous.csrf_token()
    response = anonymous.client.post(f"/annotations/{deleted_claim}/restore",
                                     data={"back": "annotation", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert is_deleted(db, deleted_claim)


@pytest.mark.parametrize("path", ["/annotations/99", "/articles/99/deleted"])
def test_missing_ones_are_404(alice, path):
    response = alice.client.get(path)
    assert response.status_code == 404
    assert "There is no" in response.get_data(as_text=True)
