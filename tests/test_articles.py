import html
import io

import pytest

from annotator.articles import get_article
from annotator.demo import DEMO_TITLE
from tests.conftest import ARTICLE_PAGE


def new_article(session, **data):
    data.setdefault("csrf_token", session.csrf_token("/articles/new"))
    return session.client.post("/articles/new", data=data, content_type="multipart/form-data")


def test_list_shows_articles_with_counts(alice, db):
    text = get_article(db, 1)["text"]
    start = text.index("no fiends")
    alice.api("POST", "/api/articles/1/annotations", json={
        "kind": "correction", "start": start, "end": start + 9, "exact": "no fiends",
        "correction_type": "typo", "correction": "no friends"})
    html = alice.client.get("/").get_data(as_text=True)
    assert DEMO_TITLE in html and "https://example.org/venezuela" in html
    row = html[html.index(DEMO_TITLE):]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:4]]
    assert cells == ["0", "1", "1"]  # claims, corrections, annotators


def test_add_article_by_pasting(editor, db):
    response = new_article(editor, title="  Pasted  piece ", url="https://example.com/a", text="Line one\r\n\r\n\r\nLine two  ")
    assert response.status_code == 302
    article = get_article(db, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert article["title"] == "Pasted piece"
    assert article["text"] == "Line one\n\nLine two"
    page = editor.client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<div id="article-text" class="article-text" lang="en">Line one\n\nLine two</div>' in page


def test_add_article_by_upload(editor, db):
    data = {"title": "Uploaded", "url": "", "text": "",
            "file": (io.BytesIO("\ufeffCaf\u00e9 👍\n".encode("utf-8")), "piece.txt")}
    response = new_article(editor, **data)
    assert response.status_code == 302
    assert get_article(db, 3)["text"] == "Café 👍"


def test_add_article_rejects_bad_input_and_stores_nothing(editor, db):
    cases = [
        ({"title": "", "text": "  \n"}, "Paste the text, upload a file or give a web address"),
        ({"title": "T", "text": "   \n  "}, "Paste the text, upload a file or give a web address"),
        ({"title": "T", "text": "body", "url": "javascript:alert(1)"}, "http"),
        ({"title": "T", "text": "", "file": (io.BytesIO(b"bad\x00bytes"), "x.txt")}, "not a text file"),
        ({"title": "T", "text": "", "file": (io.BytesIO(b"caf\xe9"), "x.txt")}, "not UTF-8"),
        ({"title": "T", "text": "", "file": (io.BytesIO(b"%PDF-1.4"), "x.pdf")}, "Only .txt, .html"),
        ({"title": "T", "text": "both", "file": (io.BytesIO(b"text"), "x.txt")}, "one of the three"),
    ]
    for data, message in cases:
        response = new_article(editor, **data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert db["articles"].count == 2


def test_add_article_without_csrf_is_refused(editor, db):
    response = editor.client.post("/articles/new", data={"title": "T", "text": "body"})
    assert response.status_code == 400
    assert db["articles"].count == 2


def test_article_page_shows_text_exactly(alice, db):
    text = get_article(db, 2)["text"]
    page = alice.client.get("/articles/2").get_data(as_text=True)
    shown = page.split('<div id="article-text" class="article-text" lang="en">', 1)[1].split("</div>", 1)[0]
    assert html.unescape(shown) == text


def test_missing_article_is_404(alice):
    assert alice.client.get("/articles/999").status_code == 404
    response = alice.api("GET", "/api/articles/999")
    assert response.status_code == 404 and "no article 999" in response.get_json()["error"]


def test_html_in_titles_and_text_is_escaped(editor):
    response = new_article(editor, title="<script>alert(1)</script>", text="<img src=x onerror=alert(1)>")
    page = editor.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_upload_errors_show_under_the_file_field(editor):
    """Regression: a bad upload's error was shown under the empty text box."""
    response = new_article(editor, title="T", text="", file=(io.BytesIO(b"caf\xe9"), "x.txt"))
    page = response.get_data(as_text=True)
    assert page.index("not UTF-8") > page.index('name="file"')
    assert page.count("not UTF-8") == 1


def test_one_message_for_a_bad_source_url(editor):
    response = new_article(editor, title="T", text="body", url="javascript:alert(1)")
    assert response.get_data(as_text=True).count('class="field-error"') == 1


def test_control_characters_are_refused(editor, db):
    response = new_article(editor, title="T", text="Bell \x07 here")
    assert response.status_code == 400
    assert "control character U+0007 at character 5" in response.get_data(as_text=True)
    assert db["articles"].count == 2
    assert new_article(editor, title="T", text="Tab\tand\nnewline").status_code == 302


def test_title_defaults_to_the_first_line(editor, db):
    response = new_article(editor, title="", text="Minister resigns\n\nThe minister resigned.")
    assert response.status_code == 302
    assert db["articles"].get(3)["title"] == "Minister resigns"


def test_a_long_pasted_article_is_accepted(editor, db):
    """Regression: pasting more than 500 KB hit Werkzeug's form field limit (413)."""
    text = ("A paragraph of the long article. " * 30 + "\n\n") * 600  # about 600 KB
    response = new_article(editor, title="Long", text=text)
    assert response.status_code == 302
    assert len(get_article(db, 3)["text"]) > 500_000


def test_import_from_a_web_address(app, editor, db, page_server):
    app.config["IMPORT_ALLOW_PRIVATE"] = True  # the test page is on 127.0.0.1
    response = new_article(editor, title="", url="", text="", fetch=page_server)
    assert response.status_code == 302, response.get_data(as_text=True)
    article = get_article(db, 3)
    assert (article["title"], article["url"], article["author"], article["published"]) == (
        "Port strike ends", page_server, "Lee Chan", "2026-11-02")
    assert article["text"].startswith("Dock workers ended") and "Menu" not in article["text"]
    raw = db.execute("SELECT raw, media_type FROM revisions WHERE article_id = 3").fetchone()
    assert raw == (ARTICLE_PAGE, "text/html")


def test_web_import_refuses_internal_addresses_by_default(editor, db, page_server):
    response = new_article(editor, title="", url="", text="", fetch=page_server)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "inside a private network" in page and page.index("inside a private") > page.index('name="fetch"')
    assert db["articles"].count == 2


@pytest.mark.parametrize("name, body, title, first_words", [
    ("story.html", ARTICLE_PAGE, "Port strike ends", "Dock workers"),
    ("notes.md", "# Budget *check*\n\nThe [minister](https://x.example) said **40%**.".encode(), "Budget check",
     "Budget check"),
])
def test_upload_html_and_markdown(editor, db, name, body, title, first_words):
    response = new_article(editor, title="", text="", file=(io.BytesIO(body), name))
    assert response.status_code == 302, response.get_data(as_text=True)
    article = get_article(db, 3)
    assert article["title"] == title and article["text"].startswith(first_words)
    assert "*" not in article["text"] and "](" not in article["text"]


def test_an_upload_over_the_limit_gets_the_importers_message(editor, db):
    """Regression: a 4-5 MB upload hit a bare 413 page and the form was lost."""
    big = ("x" * 99 + "\n") * 46_000  # 4.6 MB
    response = new_article(editor, title="Big", text="", file=(io.BytesIO(big.encode()), "big.txt"))
    assert response.status_code == 400
    assert 'name="title"' in response.get_data(as_text=True)  # the form is still there
    assert db["articles"].count == 2


def test_reviewers_do_not_add_articles(alice, db):
    assert alice.client.get("/articles/new").status_code == 403
    response = alice.client.post("/articles/new", data={"title": "T", "text": "body", "csrf_token": alice.csrf_token()},
                                 content_type="multipart/form-data")
    assert response.status_code == 403
    assert "Only editors and admins add articles" in response.get_data(as_text=True)
    assert db["articles"].count == 2
    assert 'href="/articles/new"' not in alice.client.get("/").get_data(as_text=True)
