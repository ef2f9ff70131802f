"""The CSV export at its edges: nasty cell values, filters, the byte order
mark, and what a spreadsheet (LibreOffice) makes of the file."""

import csv
import io
import shutil
import subprocess

import openpyxl
import pytest

from annotator.articles import create_article, get_article
from annotator.export import BOM, COLUMNS, restore
from tests.conftest import claim

# Each line of the article is a quote a spreadsheet would misread.
NASTY_TEXT = "\n\n".join([
    '=HYPERLINK("http://evil.example","click")',
    "+1 point for the mayor",
    "-2 degrees at night",
    "@x said so",
    "'quoted' already",
    "Emoji 👍🏽 and 🇻🇪 flags",
    "مرحبا بالعالم said the minister",
    'He said "no", twice, then left',
])
NASTY_RATIONALES = [
    "line one\nline two\n\nline three",
    '"quoted", with commas, and ""doubled"" quotes',
    "=1+1",
    "\tstarts with a tab",
    "-",
    "x" * 10_000,
    "שלום and hello",
    "'",
]


@pytest.fixture
def nasty(app, db, alice):
    """An article whose every paragraph is a nasty quote, each claimed with a nasty rationale."""
    article_id = create_article(db, "Nasty", NASTY_TEXT)
    for i, quote in enumerate(NASTY_TEXT.split("\n\n")):
        body = claim(NASTY_TEXT, quote, rationale=NASTY_RATIONALES[i % len(NASTY_RATIONALES)],
                     sources=["https://example.org/a?b=1&c=2"])
        response = alice.api("POST", f"/api/articles/{article_id}/annotations", json=body)
        assert response.status_code == 201, response.get_json()
    # The API trims rationales; an import may not, so store them as they are.
    for i, rationale in enumerate(NASTY_RATIONALES):
        db.execute("UPDATE annotations SET rationale = ? WHERE article_id = ? AND id = "
                   "(SELECT id FROM annotations WHERE article_id = ? ORDER BY id LIMIT 1 OFFSET ?)",
                   [rationale, article_id, article_id, i])
    db.conn.commit()
    return article_id


def rows_of(data):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_nasty_values_survive_pythons_csv_reader(alice, nasty):
    rows = rows_of(alice.client.get(f"/articles/{nasty}/export.csv").get_data())
    quotes = NASTY_TEXT.split("\n\n")
    assert [restore(r["quote"]) for r in rows] == quotes
    assert [restore(r["rationale"]) for r in rows] == NASTY_RATIONALES[:len(quotes)]
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), value


def test_bom_only_when_asked(alice, nasty):
    plain = alice.client.get(f"/articles/{nasty}/export.csv").get_data()
    with_bom = alice.client.get(f"/articles/{nasty}/export.csv?bom=1").get_data()
    assert not plain.startswith(BOM.encode("utf-8"))
    assert with_bom == BOM.encode("utf-8") + plain


def test_download_links_ask_for_a_bom(alice):
    page = alice.client.get("/articles/1").get_data(as_text=True)
    assert 'href="/articles/1/export.csv?bom=1"' in page


@pytest.mark.skipif(not shutil.which("libreoffice"), reason="needs LibreOffice; ./scripts/test installs it")
def test_libreoffice_reads_text_not_formulas(alice, nasty, tmp_path):
    (tmp_path / "export.csv").write_bytes(alice.client.get(f"/articles/{nasty}/export.csv?bom=1").get_data())
    subprocess.run(
        ["libreoffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(tmp_path), str(tmp_path / "export.csv")],
        check=True, capture_output=True, timeout=120)
    sheet = openpyxl.load_workbook(tmp_path / "export.xlsx").active
    header, *rows = list(sheet.iter_rows())
    assert [c.value for c in header] == COLUMNS
    formulas = [c.coordinate for row in rows for c in row if c.data_type == "f"]
    assert formulas == []
    quote, rationale = COLUMNS.index("quote"), COLUMNS.index("rationale")
    assert [restore(row[quote].value) for row in rows] == NASTY_TEXT.split("\n\n")
    assert [restore(row[rationale].value) for row in rows] == NASTY_RATIONALES


def test_filters_narrow_the_rows(alice, bob, db):
    text = get_article(db, 1)["text"]
    alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "false"))
    bob.api("POST", "/api/articles/1/annotations", json=claim(text, "Venezuela", "true"))
    bob.api("POST", "/api/articles/1/annotations", json={
        **claim(text, "relations", "true"), "kind": "correction", "correction": "ties",
        "correction_type": "fact", "verdict": None})
    db.execute("UPDATE annotations SET created_at = '2026-03-01T10:00:00Z' WHERE id = 1")
    db.conn.commit()

    def quotes(query):
        response = alice.client.get("/export.csv" + query)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [r["quote"] for r in rows_of(response.get_data())]

    assert sorted(quotes("?author=bob")) == ["Venezuela", "relations"]
    assert quotes("?kind=correction") == ["relations"]
    assert quotes("?verdict=false") == ["Maduro"]
    assert quotes("?status=open&author=alice") == ["Maduro"]
    assert quotes("?until=2026-03-01") == ["Maduro"]
    assert "Maduro" not in quotes("?since=2026-03-02")
    assert quotes("?author=") == quotes("")


@pytest.mark.parametrize("query, message", [
    ("?kind=rumour", "Unknown kind"),
    ("?verdict=maybe", "Unknown verdict"),
    ("?status=done", "Unknown status"),
    ("?author=nobody", "no user named"),
    ("?since=yesterday", "since must be a date"),
    ("?until=2026-13-01", "until must be a date"),
    ("?since=2026-03-02&until=2026-03-01", "since (2026-03-02) is after until (2026-03-01)"),
    ("?kind=claim&kind=correction", "one kind"),
])
def test_bad_filters_are_400_with_a_reason(alice, query, message):
    response = alice.client.get("/export.csv" + query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_cli_filters_and_bom(alice, runner, db, tmp_path):
    text = get_article(db, 1)["text"]
    alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "false"))
    alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Venezuela", "true"))
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["export-csv", "--verdict", "true", "--bom", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(BOM.encode("utf-8"))
    assert [r["quote"] for r in rows_of(out.read_bytes())] == ["Venezuela"]
    result = runner.invoke(args=["export-csv", "--author", "nobody"])
    assert result.exit_code == 2 and "no user named" in result.output


@pytest.mark.parametrize("path", ["/export.csv", "/export-reviews.csv", "/export.jsonl", "/export.jsonld",
                                  "/export.claimreview.json"])
def test_the_last_day_of_the_calendar_is_a_fine_until(alice, path):
    """Fault: until=9999-12-31 overflowed a date sum and broke the download."""
    text = alice.client.get("/api/articles/1").get_json()["text"]
    alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro"))
    response = alice.client.get(path + "?until=9999-12-31&status=open")
    assert response.status_code == 200
    assert "Maduro" in response.get_data(as_text=True) or path.startswith("/export-reviews")


@pytest.mark.parametrize("value", ["20261129", "2026-W48-1", "2026-1-2"])
def test_dates_are_written_year_month_day(alice, value):
    assert alice.client.get(f"/export.csv?since={value}").status_code == 400
