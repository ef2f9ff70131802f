import pytest

from annotator.articles import get_article
from tests.conftest import EMOJI_TEXT, claim


@pytest.fixture
def text(db):
    return get_article(db, 1)["text"]


def correction(text, quote, replacement, kind="typo"):
    start = text.index(quote)
    return {"kind": "correction", "start": start, "end": start + len(quote), "exact": quote,
            "correction_type": kind, "correction": replacement}


def test_get_article(alice, text):
    data = alice.api("GET", "/api/articles/1").get_json()
    assert data["id"] == 1 and data["text"] == text and data["url"] == "https://example.org/venezuela"


def test_create_claim_and_list_it(alice, bob, text):
    body = claim(text, "gave 72 hours for diplomats to leave the country", "true",
                 rationale="Reported widely.", sources=["https://example.com/a", " http://example.org/b "])
    response = alice.api("POST", "/api/articles/1/annotations", json=body)
    assert response.status_code == 201, response.get_json()
    saved = response.get_json()
    assert saved["kind"] == "claim" and saved["verdict"] == "true" and saved["author"] == "alice"
    assert saved["sources"] == ["https://example.com/a", "http://example.org/b"]
    assert saved["prefix"] == text[saved["start"] - 32:saved["start"]]
    assert saved["suffix"] == text[saved["end"]:saved["end"] + 32]
    assert saved["created_at"].endswith("Z") and saved["created_at"] == saved["updated_at"]
    assert {"type": "TextPositionSelector", "start": saved["start"], "end": saved["end"]} in saved["target"]["selector"]
    # a teammate sees it, with the author's name
    listed = bob.api("GET", "/api/articles/1/annotations").get_json()
    assert [(a["id"], a["author"]) for a in listed] == [(saved["id"], "alice")]


def test_demo_correction_offsets(alice, text):
    response = alice.api("POST", "/api/articles/1/annotations", json=correction(text, "no fiends", "no friends"))
    assert response.status_code == 201
    assert (response.get_json()["start"], response.get_json()["end"]) == (644, 653)


def test_offsets_are_code_points_not_utf16(alice):
    start = EMOJI_TEXT.index("check")  # 7 code points; 8 UTF-16 units
    body = {"kind": "claim", "start": start, "end": start + 5, "exact": "check", "verdict": "true"}
    assert alice.api("POST", "/api/articles/2/annotations", json=body).status_code == 201
    utf16 = {**body, "start": start + 1, "end": start + 6, "verdict": "false"}
    response = alice.api("POST", "/api/articles/2/annotations", json=utf16)
    assert response.status_code == 400
    assert "does not match" in response.get_json()["error"]
    flag = EMOJI_TEXT.index("🇻🇪")
    body = {"kind": "claim", "start": flag, "end": flag + 2, "exact": "🇻🇪", "verdict": "true"}
    assert alice.api("POST", "/api/articles/2/annotations", json=body).status_code == 201


def test_deletion_correction_with_empty_replacement(alice, text):
    body = correction(text, "said Mauricio Macri, ", "", kind="duplication")
    response = alice.api("POST", "/api/articles/1/annotations", json=body)
    assert response.status_code == 201
    assert response.get_json()["correction"] == ""


@pytest.mark.parametrize("change, message", [
    ({"exact": "no friends"}, "does not match"),
    ({"start": 10, "end": 10, "exact": ""}, "empty or outside"),
    ({"start": 5000, "end": 5009}, "empty or outside"),
    ({"start": -1}, "empty or outside"),
    ({"start": "644"}, "start must be a whole number"),
    ({"end": True}, "end must be a whole number"),
    ({"exact": None}, "exact must be"),
    ({"kind": "comment"}, "kind must be"),
    ({"correction_type": "rude"}, "correction_type must be one of"),
    ({"correction": None}, "correction must be the suggested replacement"),
    ({"verdict": "true"}, "A correction has no verdict"),
    ({"sources": ["javascript:alert(1)"]}, "not an http(s) URL"),
    ({"sources": ["ftp://example.com/x"]}, "not an http(s) URL"),
    ({"sources": ["https://"]}, "not an http(s) URL"),
    ({"sources": "https://example.com"}, "sources must be a list"),
    ({"rationale": 5}, "rationale must be a string"),
    ({"rationale": "x" * 20_001}, "longer than"),
])
def test_invalid_annotations_are_refused_and_nothing_is_stored(alice, db, text, change, message):
    body = {**correction(text, "no fiends", "no friends"), **change}
    response = alice.api("POST", "/api/articles/1/annotations", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert db["annotations"].count == 0


def test_unknown_verdict_and_claim_with_correction_fields(alice, db, text):
    for extra in ({"verdict": "pants-on-fire"}, {"verdict": None}, {"correction_type": "typo"}):
        body = {**claim(text, "Maduro"), **extra}
        response = alice.api("POST", "/api/articles/1/annotations", json=body)
        assert response.status_code == 400, extra
    assert db["annotations"].count == 0


@pytest.mark.parametrize("body", [None, "not json", [1, 2]])
def test_body_must_be_a_json_object(alice, body):
    if body == "not json":
        response = alice.client.post("/api/articles/1/annotations", data=body, content_type="application/json",
                                     headers={"X-CSRFToken": alice.csrf_token("/")})
    else:
        response = alice.api("POST", "/api/articles/1/annotations", json=body)
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]


def test_write_without_csrf_token_is_refused(alice, db, text):
    response = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro"), token="")
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["error"]
    assert db["annotations"].count == 0


def test_same_span_twice_is_a_conflict(alice, bob, db, text):
    body = claim(text, "Maduro")
    assert alice.api("POST", "/api/articles/1/annotations", json=body).status_code == 201
    again = alice.api("POST", "/api/articles/1/annotations", json={**body, "verdict": "true"})
    assert again.status_code == 409 and "already have a claim" in again.get_json()["error"]
    assert bob.api("POST", "/api/articles/1/annotations", json=body).status_code == 201
    assert db["annotations"].count == 2


def test_author_edits_own_annotation(alice, text):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    response = alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"verdict": "mixed", "rationale": " why ", "version": 1})
    assert response.status_code == 200
    edited = response.get_json()
    assert (edited["verdict"], edited["rationale"], edited["start"]) == ("mixed", "why", saved["start"])
    # switching kind drops the claim's fields
    response = alice.api("PATCH", f"/api/annotations/{saved['id']}",
                         json={"kind": "correction", "correction_type": "spelling", "correction": "Madurо", "version": 2})
    assert response.status_code == 200
    assert response.get_json()["verdict"] is None and response.get_json()["correction_type"] == "spelling"
    # moving the span needs start, end and exact together
    other = claim(text, "Maduro", occurrence=1)
    assert alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"start": other["start"], "version": 3}).status_code == 400
    moved = alice.api("PATCH", f"/api/annotations/{saved['id']}",
                      json={**{k: other[k] for k in ("start", "end", "exact")}, "version": 3})
    assert moved.status_code == 200 and moved.get_json()["start"] == other["start"]


def test_invalid_edit_changes_nothing(alice, text):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    response = alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"verdict": "nope", "version": 1})
    assert response.status_code == 400
    assert alice.api("GET", f"/api/annotations/{saved['id']}").get_json() == saved


def test_only_the_author_may_edit_or_delete(alice, bob, text):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    for method, body in (("PATCH", {"verdict": "true", "version": 1}), ("DELETE", None)):
        response = bob.api(method, f"/api/annotations/{saved['id']}", json=body)
        assert response.status_code == 403
        assert "Only the author" in response.get_json()["error"]
    assert alice.api("GET", f"/api/annotations/{saved['id']}").get_json() == saved


def test_author_deletes_own_annotation(alice, text):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    assert alice.api("DELETE", f"/api/annotations/{saved['id']}").status_code == 204
    assert alice.api("GET", f"/api/annotations/{saved['id']}").status_code == 404
    assert alice.api("DELETE", f"/api/annotations/{saved['id']}").status_code == 404
    assert alice.api("GET", "/api/articles/1/annotations").get_json() == []


def test_annotations_listed_in_document_order(alice, bob, text):
    later = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Argentina")).get_json()
    earlier = bob.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    listed = alice.api("GET", "/api/articles/1/annotations").get_json()
    assert [a["id"] for a in listed] == [earlier["id"], later["id"]]


def test_errors_are_json_never_html(alice):
    assert alice.api("GET", "/api/annotations/999").get_json() == {"error": "There is no annotation 999."}
    response = alice.api("PUT", "/api/annotations/1", json={})
    assert response.status_code == 405 and "error" in response.get_json()
    assert alice.api("GET", "/api/nothing-here").status_code == 404


def test_oversized_request_is_413(app, alice):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = alice.api("POST", "/api/articles/1/annotations", json={"rationale": "x" * 2000})
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"]


def test_deleted_ids_are_never_reused(alice, text):
    """Regression: a new annotation took a deleted one's id, so a stale tab edited the wrong one."""
    first = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    alice.api("DELETE", f"/api/annotations/{first['id']}")
    second = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Brazil")).get_json()
    assert second["id"] != first["id"]
    stale = alice.api("PATCH", f"/api/annotations/{first['id']}", json={"rationale": "meant for Maduro", "version": 1})
    assert stale.status_code == 404
    assert alice.api("GET", f"/api/annotations/{second['id']}").get_json()["rationale"] == ""


def test_lone_surrogates_are_refused(alice, db, text):
    """Regression: a source holding \\ud800 was stored and then broke every CSV export."""
    body = claim(text, "Maduro")
    for field, value in (("sources", ["https://a.example/\ud800"]), ("rationale", "bad \udfff")):
        response = alice.api("POST", "/api/articles/1/annotations", json={**body, field: value})
        assert response.status_code == 400
        assert "not valid Unicode" in response.get_json()["error"]
    assert db["annotations"].count == 0
    assert alice.client.get("/export.csv").status_code == 200


def test_stale_edit_is_a_conflict_not_a_lost_update(alice, text):
    """Regression: saving an older copy from a second tab silently wiped the first tab's rationale."""
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    assert saved["version"] == 1
    first = alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"rationale": "checked", "version": 1})
    assert first.status_code == 200 and first.get_json()["version"] == 2
    second = alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"verdict": "true", "rationale": "", "version": 1})
    assert second.status_code == 409 and "changed elsewhere" in second.get_json()["error"]
    assert alice.api("GET", f"/api/annotations/{saved['id']}").get_json()["rationale"] == "checked"


def test_empty_edit_changes_nothing(alice, text):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    response = alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"version": 1})
    assert response.status_code == 200 and response.get_json() == saved


def test_correction_must_change_the_text(alice, db, text):
    response = alice.api("POST", "/api/articles/1/annotations", json=correction(text, "no fiends", "no fiends"))
    assert response.status_code == 400 and "same as the text" in response.get_json()["error"]


@pytest.mark.parametrize("path", [
    "/api/annotations/99999999999999999999999", "/api/articles/99999999999999999999999",
    "/api/articles/99999999999999999999999/annotations", "/articles/99999999999999999999999",
    "/articles/99999999999999999999999/export.csv", "/api/annotations/0",
])
def test_ids_beyond_sqlite_range_are_404(alice, path):
    """Regression: an id above 2**63-1 raised OverflowError, a 500."""
    assert alice.client.get(path).status_code == 404


@pytest.mark.parametrize("source", ["https://[::1/", "https://a.example:99999/", "http:///path", "https://a b.example/"])
def test_malformed_source_urls_are_400(alice, text, source):
    response = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", sources=[source]))
    assert response.status_code == 400 and "not an http(s) URL" in response.get_json()["error"]


def test_deeply_nested_json_is_400(alice):
    body = "[" * 100_000 + "]" * 100_000
    response = alice.client.post("/api/articles/1/annotations", data=body, content_type="application/json",
                                 headers={"X-CSRFToken": alice.csrf_token("/")})
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]


@pytest.mark.parametrize("version", ["1", [1], None, True])
def test_version_must_be_a_number(alice, text, version):
    saved = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    response = alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"rationale": "x", "version": version})
    assert response.status_code == 400 and "version must be" in response.get_json()["error"]


@pytest.mark.parametrize("field", ["rationale", "correction"])
def test_control_characters_in_text_fields_are_400(alice, db, text, field):
    body = {**correction(text, "no fiends", "no friends"), field: "bad \x1b[31m escape"}
    response = alice.api("POST", "/api/articles/1/annotations", json=body)
    assert response.status_code == 400 and "control character U+001B" in response.get_json()["error"]
    ok = alice.api("POST", "/api/articles/1/annotations", json={**body, field: "line one\n\tline two"})
    assert ok.status_code == 201
