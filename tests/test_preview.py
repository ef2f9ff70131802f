"""The corrected-text preview: accepted corrections applied to the article's
text, with the changes marked, clean, and as a .txt download."""

import pytest

from annotator.articles import get_article
from tests.conftest import EMOJI_TEXT


def correct(session, text, quote, replacement, article_id=1, occurrence=0, correction_type="typo"):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    response = session.api("POST", f"/api/articles/{article_id}/annotations", json={
        "kind": "correction", "start": start, "end": start + len(quote), "exact": quote,
        "correction_type": correction_type, "correction": replacement})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def set_status(editor, annotation_id, status="accepted"):
    response = editor.api("POST", f"/api/annotations/{annotation_id}/status", json={"status": status})
    assert response.status_code == 200, response.get_json()


def stored(db, article_id=1):
    """Everything of the original that must never change."""
    return (list(db.query("SELECT * FROM revisions WHERE article_id = ? ORDER BY number", [article_id])),
            list(db.query("SELECT * FROM articles WHERE id = ?", [article_id])))


@pytest.fixture
def text(db):
    return get_article(db, 1)["text"]


@pytest.fixture
def fixes(alice, bob, editor, text):
    """Two accepted corrections by alice and bob, and one of each other status."""
    fiends = correct(alice, text, "no fiends", "no friends")
    twice = correct(bob, text, "said Mauricio Macri, said", "said", correction_type="duplication")
    its = correct(alice, text, "it’s only", "its only", correction_type="grammar")
    macri = correct(alice, text, "Mauricio", "Mauricio [the president]", correction_type="style")
    for accepted in (fiends, twice):
        set_status(editor, accepted)
    set_status(editor, its, "rejected")
    set_status(editor, macri, "needs-work")
    return {"fiends": fiends, "twice": twice, "its": its, "macri": macri}


def test_accepted_corrections_are_marked_in_the_text(alice, db, fixes):
    before = stored(db)
    response = alice.client.get("/articles/1/corrected")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (f'<span class="change-mark" id="correction-{fixes["fiends"]}" title="Typo by alice">'
            "<del>no fiends</del><ins>no friends</ins></span>") in html
    # a deletion of words: "said Mauricio Macri, said" -> "said"
    assert "<del>said Mauricio Macri, said</del><ins>said</ins>" in html
    # rejected and needs-work corrections are not applied
    assert "its only" not in html and "[the president]" not in html
    assert "<strong>2</strong> applied" in html and "<strong>0</strong> skipped" in html
    assert stored(db) == before


def test_the_clean_view_and_the_download_are_the_corrected_text(alice, db, fixes, text):
    before = stored(db)
    expected = text.replace("no fiends", "no friends").replace("said Mauricio Macri, said", "said")
    clean = alice.client.get("/articles/1/corrected?view=clean").get_data(as_text=True)
    assert "<del>" not in clean.split('id="corrected-text"')[1].split("</div>")[0]
    assert "no friends" in clean and "no fiends" not in clean.split("<aside")[0]
    download = alice.client.get("/articles/1/corrected.txt")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert download.headers["Content-Disposition"] == 'attachment; filename="article-1-corrected.txt"'
    assert download.get_data().decode("utf-8") == expected
    assert stored(db) == before and get_article(db, 1)["text"] == text


def test_overlapping_accepted_corrections_are_skipped_and_listed(alice, bob, editor, text):
    first = correct(alice, text, "no fiends", "no friends")
    loser = correct(bob, text, "fiends ", "friends", correction_type="spelling")
    set_status(editor, first)
    set_status(editor, loser)
    html = alice.client.get("/articles/1/corrected").get_data(as_text=True)
    assert "<strong>1</strong> applied" in html and "<strong>1</strong> skipped" in html
    skipped = html.split('id="skipped-list"')[1]
    assert f'<li id="correction-{loser}">' in skipped and f'overlaps <a href="#correction-{first}">#{first}</a>' in skipped
    assert f'href="/articles/1#annotation-{loser}"' in skipped  # where an editor can reject it
    download = alice.client.get("/articles/1/corrected.txt").get_data(as_text=True)
    assert "no friends \"," in download


def test_deleted_and_orphaned_corrections_are_not_applied(alice, editor, db, text):
    gone = correct(alice, text, "no fiends", "no friends")
    orphan = correct(alice, text, "it’s only", "its only", correction_type="grammar")
    set_status(editor, gone)
    set_status(editor, orphan)
    alice.api("DELETE", f"/api/annotations/{gone}")
    db.execute("UPDATE annotations SET orphaned = 1 WHERE id = ?", [orphan])
    db.conn.commit()
    assert alice.client.get("/articles/1/corrected.txt").get_data(as_text=True) == text
    html = alice.client.get("/articles/1/corrected").get_data(as_text=True)
    assert "No accepted corrections yet" in html


def test_emoji_offsets_and_escaping(alice, editor, db):
    thumbs = correct(alice, EMOJI_TEXT, "👍", "<b>👎</b>", article_id=2)
    flag = correct(alice, EMOJI_TEXT, "Second 🇻🇪", "Second", article_id=2, correction_type="style")
    set_status(editor, thumbs)
    set_status(editor, flag)
    html = alice.client.get("/articles/2/corrected").get_data(as_text=True)
    assert "<del>👍</del><ins>&lt;b&gt;👎&lt;/b&gt;</ins>" in html and "<b>👎" not in html
    assert alice.client.get("/articles/2/corrected.txt").get_data(as_text=True) == (
        'Fact <b>👎</b> check: the café said "hi"\n\nSecond paragraph.')
    assert get_article(db, 2)["text"] == EMOJI_TEXT


def test_bad_view_missing_article_and_login(alice, anonymous):
    bad = alice.client.get("/articles/1/corrected?view=fancy")
    assert bad.status_code == 400 and "view must be one of" in bad.get_data(as_text=True)
    assert alice.client.get("/articles/99/corrected").status_code == 404
    assert alice.client.get("/articles/99/corrected.txt").status_code == 404
    for path in ("/articles/1/corrected", "/articles/1/corrected.txt"):
        response = anonymous.client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_export_command_and_page_give_the_corrected_text(alice, editor, runner, text, tmp_path):
    set_status(editor, correct(alice, text, "no fiends", "no friends"))
    expected = text.replace("no fiends", "no friends", 1)
    out = tmp_path / "corrected.txt"
    result = runner.invoke(args=["export", "--format", "corrected", "--article", "1", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == expected
    missing = runner.invoke(args=["export", "--format", "corrected"])
    assert missing.exit_code == 2 and "give --article ID" in missing.output
    page = alice.client.get("/export?format=corrected&article=1")
    assert page.status_code == 302 and page.headers["Location"].endswith("/articles/1/corrected.txt")
    assert alice.client.get(page.headers["Location"]).get_data(as_text=True) == expected
    refused = alice.client.get("/export?format=corrected&article=")
    assert refused.status_code == 400 and "choose the article" in refused.get_data(as_text=True)
