"""Tricky texts (tests/tricky_texts.py) through the server: canonical form,
code point offsets, the add-article form and the annotations API."""

import io
import unicodedata

import pytest

from annotator.articles import create_article, get_article
from annotator.text import canonicalize
from tests.tricky_texts import CASES, IDS, astral_count, canonical, decoded, find, utf16_len

cases = pytest.mark.parametrize("case", CASES, ids=IDS)


#: Cases with astral characters before or inside the span (UTF-16 offsets differ).
ASTRAL = [case for case in CASES if astral_count(canonical(case)[:case.end])]


@cases
def test_expected_offsets_are_code_points_into_the_canonical_text(case):
    text = canonical(case)
    assert find(text, case.selected, case.occurrence) == (case.start, case.end)
    assert text[case.start:case.end] == case.selected
    assert case.end - case.start == len(case.selected)
    assert canonicalize(text) == text
    if case.mouse:
        selected, start, end = case.mouse
        assert text[start:end] == selected
        assert start <= case.start and case.end <= end, "the mouse's span holds the case's words"


def test_the_table_is_as_tricky_as_it_says():
    assert len(ASTRAL) >= 10
    by_name = {case.name: case for case in CASES}
    texts = {name: canonical(case) for name, case in by_name.items()}
    # Astral characters before the span, so UTF-16 offsets differ.
    for name in ("emoji-and-skin-tone-before", "flag-inside", "zwj-family-before-and-inside", "cjk",
                 "math-fraktur-inside", "crlf-bytes", "long-paragraph", "across-paragraph-break"):
        case = by_name[name]
        assert astral_count(texts[name][:case.start]) > 0, name
    assert astral_count(texts["long-paragraph"][:by_name["long-paragraph"].start]) == 68
    assert len(texts["long-paragraph"]) == 20_584 and "\n" not in texts["long-paragraph"]
    # NFD arrives decomposed and is stored composed.
    assert "\u0301" in by_name["nfd-combining-marks"].raw and "\u0301" not in texts["nfd-combining-marks"]
    assert texts["nfd-combining-marks"] == unicodedata.normalize("NFC", by_name["nfd-combining-marks"].raw)
    # Bytes: CRLF and the BOM are gone; invisible characters and Unicode spaces stay.
    assert "\r" not in texts["crlf-bytes"] and texts["crlf-bytes"].count("\n") == 4
    assert decoded(by_name["utf8-bom-bytes"].raw) == texts["utf8-bom-bytes"]
    assert not texts["utf8-bom-bytes"].startswith("\ufeff")
    assert all(c in texts["zero-width-inside"] for c in "\u200b\u200d\u200e")
    assert "\u00a0" in texts["nbsp-and-narrow-nbsp"] and "\u202f" in texts["nbsp-and-narrow-nbsp"]
    assert texts["tabs"] == "Name:\tAlice\tRole:\tEditor\nNext"
    assert texts["blank-line-runs"] == "One.\n\nTwo 👍.\n\nThree here."
    assert "\n\n" in by_name["across-paragraph-break"].selected


def _add_article(session, case):
    """Add the case's article through the add-article form: str pasted into
    the text box, bytes uploaded as a .txt file. Returns the new article id."""
    data = {"title": case.name, "url": "", "csrf_token": session.csrf_token("/articles/new")}
    if isinstance(case.raw, bytes):
        data.update(text="", file=(io.BytesIO(case.raw), f"{case.name}.txt"))
    else:
        data.update(text=case.raw)
    response = session.client.post("/articles/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _claim(start, end, exact):
    return {"kind": "claim", "start": start, "end": end, "exact": exact, "verdict": "mixed"}


@cases
def test_annotation_saved_at_code_point_offsets(case, alice, editor, db):
    text = canonical(case)
    article_id = _add_article(editor, case)
    assert get_article(db, article_id)["text"] == text
    article = alice.api("GET", f"/api/articles/{article_id}").get_json()
    assert article["text"] == text
    assert article["length"] == len(text)

    path = f"/api/articles/{article_id}/annotations"
    response = alice.api("POST", path, json=_claim(case.start, case.end, case.selected))
    assert response.status_code == 201, response.get_json()
    saved = response.get_json()
    assert (saved["start"], saved["end"], saved["exact"]) == (case.start, case.end, case.selected)
    assert saved["prefix"] == text[max(0, case.start - 32):case.start]
    assert saved["suffix"] == text[case.end:case.end + 32]
    quote, position = saved["target"]["selector"]
    assert quote["exact"] == case.selected
    assert position == {"type": "TextPositionSelector", "start": case.start, "end": case.end}
    assert alice.api("GET", path).get_json() == [saved]

    # The stored text sent back as an edit is the same text: no new revision.
    response = editor.api("PUT", f"/api/articles/{article_id}/text", json={"text": article["text"]})
    assert response.status_code == 400, response.get_json()
    assert "nothing changed" in response.get_json()["error"]
    assert alice.api("GET", path).get_json() == [saved]


@pytest.mark.parametrize("case", ASTRAL, ids=[case.name for case in ASTRAL])
def test_utf16_offsets_are_refused(case, alice, editor, db):
    """Offsets counted in UTF-16 units (what the DOM counts) are refused
    wherever they differ from code points, and nothing is stored."""
    text = canonical(case)
    units = (utf16_len(text[:case.start]), utf16_len(text[:case.end]))
    wrong = set()
    if astral_count(text[:case.start]):
        wrong.add((case.start + 1, case.end + 1))  # one astral character before, miscounted
    if units != (case.start, case.end):
        wrong.add(units)
    assert wrong
    article_id = _add_article(editor, case)
    path = f"/api/articles/{article_id}/annotations"
    for start, end in sorted(wrong):
        response = alice.api("POST", path, json=_claim(start, end, case.selected))
        assert response.status_code == 400, (start, end, response.get_json())
        error = response.get_json()["error"]
        assert "Offsets count Unicode code points" in error or "outside the article" in error, error
    assert alice.api("GET", path).get_json() == []
    assert db["annotations"].count_where("article_id = ?", [article_id]) == 0


def test_decomposed_quote_is_refused(alice, editor):
    """A client that did not normalise (NFD offsets and quote) is refused."""
    case = next(c for c in CASES if c.name == "nfd-combining-marks")
    article_id = _add_article(editor, case)
    nfd = unicodedata.normalize("NFD", case.selected)
    start = case.raw.index(nfd)
    response = alice.api("POST", f"/api/articles/{article_id}/annotations", json=_claim(start, start + len(nfd), nfd))
    assert response.status_code == 400
    response = alice.api("POST", f"/api/articles/{article_id}/annotations",
                         json=_claim(case.start, case.end, nfd))
    assert response.status_code == 400


@pytest.mark.parametrize("raw", [
    "\n\ufeffHeadline 👍 here",            # pasted: a blank line, then a BOM
    "\ufeff\ufeffHeadline 👍 here",        # pasted: two BOMs
    b"\r\n\xef\xbb\xbfHeadline \xf0\x9f\x91\x8d here",  # two files joined: CRLF, then the second's BOM
], ids=["blank-line-then-bom", "two-boms", "crlf-then-bom-bytes"])
def test_bom_after_leading_blank_line_is_dropped_once_and_for_all(raw, alice, editor, db):
    """Stored as ``flask import-article`` stores a file (import_bytes, then
    create_article); the stored text must be canonical, so sending it back as
    an edit changes nothing."""
    alice_id = next(db["users"].rows_where("username = 'alice'"))["id"]
    article_id = create_article(db, "BOM not first", decoded(raw), created_by=alice_id)
    stored = alice.api("GET", f"/api/articles/{article_id}").get_json()["text"]
    path = f"/api/articles/{article_id}/annotations"
    start, end = find(stored, "here")
    saved = alice.api("POST", path, json=_claim(start, end, "here")).get_json()
    assert canonicalize(stored) == stored
    assert stored == "Headline 👍 here"
    response = editor.api("PUT", f"/api/articles/{article_id}/text", json={"text": stored})
    assert response.status_code == 400, response.get_json()
    assert alice.api("GET", path).get_json() == [saved]
