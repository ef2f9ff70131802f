"""``flask --app annotator export --format ...``: the same bytes as the pages,
filters, atomic files, and clear refusals."""

import json

import pytest

from annotator import w3c
from annotator.export import BOM, FORMATS
from tests.export_data import seed

PUBLIC_URL = "https://factcheck.example.org"


@pytest.fixture
def rich(app, db):
    app.config["PUBLIC_URL"] = PUBLIC_URL  # so that the pages' IRIs match the command's
    return seed(db)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_writes_what_its_page_serves(runner, alice, rich, tmp_path, name):
    fmt = FORMATS[name]
    out = tmp_path / fmt.filename(1)
    result = runner.invoke(args=["export", "--format", name, "--article", "1", "--output", str(out)])
    assert result.exit_code == 0, result.output
    page = {"reviews": "export-reviews.csv", "corrected": "corrected.txt"}.get(name, f"export.{fmt.ext}")
    served = alice.client.get(f"/articles/1/{page}").get_data()
    assert out.read_bytes() == served and len(served) > 100


def test_csv_is_the_default_and_export_csv_its_short_form(runner, rich):
    full = runner.invoke(args=["export"])
    short = runner.invoke(args=["export-csv"])
    assert full.exit_code == short.exit_code == 0
    assert full.output == short.output and full.output.startswith("annotation_id,")


def test_filters_apply(runner, rich):
    result = runner.invoke(args=["export", "--format", "jsonl", "--author", "bob", "--kind", "claim"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["author"], r["kind"]) for r in records] == [("bob", "claim"), ("bob", "claim")]
    result = runner.invoke(args=["export", "--format", "w3c", "--status", "accepted"])
    assert json.loads(result.output)["total"] == 1 + 2  # the accepted claim and its two reviews


def test_without_public_url_iris_start_at_localhost(app, runner, rich):
    app.config["PUBLIC_URL"] = None
    result = runner.invoke(args=["export", "--format", "claimreview"])
    assert json.loads(result.output)[0]["url"] == "http://localhost:5000/annotations/1"


def test_bom_only_for_csv(runner, rich, tmp_path):
    assert runner.invoke(args=["export", "--bom"]).output.startswith(BOM)
    out = tmp_path / "a.jsonl"
    result = runner.invoke(args=["export", "--format", "jsonl", "--bom", "--output", str(out)])
    assert result.exit_code == 2 and "--bom is for CSV" in result.output
    assert not out.exists()


def test_unknown_format_is_a_usage_error(runner, rich):
    result = runner.invoke(args=["export", "--format", "xml"])
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.output and "claimreview" in result.output


def test_bad_filter_and_missing_article_are_messages(runner, rich):
    result = runner.invoke(args=["export", "--format", "w3c", "--verdict", "rumour"])
    assert result.exit_code == 2 and "Unknown verdict 'rumour'" in result.output
    result = runner.invoke(args=["export", "--format", "w3c", "--article", "99"])
    assert result.exit_code == 1 and "There is no article 99" in result.output


def test_a_failed_export_leaves_the_old_file_alone(runner, rich, tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "annotations.jsonld"
    out.write_text("the previous export")
    calls = []

    def fail_on_the_third(row, base_url):
        calls.append(row["id"])
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return {"id": row["id"]}

    monkeypatch.setattr(w3c, "to_web_annotation", fail_on_the_third)
    result = runner.invoke(args=["export", "--format", "w3c", "--output", str(out)])
    assert result.exit_code != 0 and len(calls) == 3
    assert out.read_text() == "the previous export"
    assert [p.name for p in out.parent.iterdir()] == ["annotations.jsonld"]  # no half-written file aside
