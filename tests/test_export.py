import csv
import io

from annotator.articles import get_article
from annotator.export import COLUMNS, neutralize, restore
from tests.conftest import claim

REQUIRED = ["annotation_id", "article_id", "article_title", "article_url", "kind", "start", "end", "quote",
            "verdict", "correction_type", "correction", "rationale", "sources", "author", "created_at", "updated_at"]


def fixed_times(db):
    db.execute("UPDATE annotations SET created_at = '2026-01-02T03:04:05Z', updated_at = '2026-01-02T03:04:06Z'")
    db.conn.commit()


def test_header_starts_with_the_contract_columns():
    assert COLUMNS[:len(REQUIRED)] == REQUIRED


def test_article_csv_byte_for_byte(alice, db):
    text = get_article(db, 2)["text"]
    alice.api("POST", "/api/articles/2/annotations", json=claim(
        text, 'said "hi"', "mixed", rationale="=HYPERLINK(\"http://x\")\nsecond line, with comma",
        sources=["https://a.example/1", "https://b.example/2"]))
    fixed_times(db)
    response = alice.client.get("/articles/2/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    expected = (
        ",".join(COLUMNS) + "\r\n"
        '1,2,Emoji,,claim,23,32,"said ""hi""",mixed,,,"\'=HYPERLINK(""http://x"")\nsecond line, with comma",'
        "https://a.example/1 https://b.example/2,alice,2026-01-02T03:04:05Z,2026-01-02T03:04:06Z,"
        'Fact 👍 check: the café ,"\'\n\nSecond 🇻🇪 paragraph.",1,no,open,0,0,0,\r\n'
    )
    assert response.get_data().decode("utf-8") == expected


def test_export_all_and_one_article(alice, bob, db):
    for session, article, quote in ((alice, 1, "Maduro"), (bob, 2, "café")):
        text = get_article(db, article)["text"]
        assert session.api("POST", f"/api/articles/{article}/annotations", json=claim(text, quote)).status_code == 201
    everything = list(csv.DictReader(io.StringIO(alice.client.get("/export.csv").get_data(as_text=True))))
    assert [(r["article_id"], r["quote"], r["author"]) for r in everything] == [("1", "Maduro", "alice"), ("2", "café", "bob")]
    one = list(csv.DictReader(io.StringIO(alice.client.get("/articles/2/export.csv").get_data(as_text=True))))
    assert [r["quote"] for r in one] == ["café"]
    assert alice.client.get("/articles/99/export.csv").status_code == 404


def test_formula_cells_are_neutralised():
    for value in ("=1+1", "+1", "-2", "@x", "\tx", "\rx", "\nx", "'quoted"):
        assert neutralize(value) == "'" + value
        assert restore(neutralize(value)) == value
    for value in ("plain", "1-2", "", 5, None):
        assert neutralize(value) == value
    assert restore("plain") == "plain"


def test_pages_link_both_exports(alice):
    listing = alice.client.get("/").get_data(as_text=True)
    assert 'href="/export.csv?bom=1"' in listing and 'href="/export-reviews.csv?bom=1"' in listing
    page = alice.client.get("/articles/1").get_data(as_text=True)
    assert 'href="/articles/1/export.csv?bom=1"' in page and 'href="/articles/1/export-reviews.csv?bom=1"' in page
