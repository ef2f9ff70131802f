"""The CSV export gives the same bytes as its first, straightforward
implementation (kept below as ``reference_csv``: one Python row at a time),
whatever is stored: a formula trigger, a NUL, an apostrophe or nothing at
the start of every column, numbers stored as text, odd sources, every filter.
Guards the fast path (formulas neutralised and cells built in SQL)."""

import csv
import datetime
import io
import json
import re

import pytest

from annotator.export import BOM, COLUMNS, REVIEW_COLUMNS, csv_query, iter_csv, iter_reviews_csv, neutralize, where_clause
from tests.export_data import seed

# What every text column starts with somewhere in the fixture: each formula
# trigger, the escape itself, a NUL, nothing, a look-alike and plain text.
STARTS = ["=", "+", "-", "@", "\t", "\r", "\n", "\x00", "'", "", " =", "\uff1d", "👍", "ש", "a", "1"]


def reference_csv(db, article_id=None, filters=None, bom=False):
    """The annotations CSV as the export first built it, cell by cell in Python."""
    query = """
    SELECT a.*, author.username AS author, articles.title AS article_title, articles.url AS article_url,
      (SELECT COUNT(*) FROM reviews r WHERE r.annotation_id = a.id) AS review_count,
      (SELECT COUNT(*) FROM reviews r WHERE r.annotation_id = a.id AND r.decision = 'agree') AS agree_count,
      (SELECT COUNT(*) FROM reviews r WHERE r.annotation_id = a.id AND r.decision = 'disagree') AS disagree_count
    FROM annotations a
    JOIN users author ON author.id = a.author_id
    JOIN articles ON articles.id = a.article_id
    WHERE a.deleted_at IS NULL {where}
    ORDER BY a.article_id, a.start, a."end", a.id
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    where, params = where_clause(article_id, filters)
    for row in db.query(query.format(where=where), params):
        accepted = row["verdict"] if row["status"] == "accepted" else None
        values = {**row, "annotation_id": row["id"], "quote": row["exact"],
                  "sources": " ".join(json.loads(row["sources"])),
                  "orphaned": "yes" if row["orphaned"] else "no",
                  "final_verdict": row["final_verdict"] or accepted}
        writer.writerow(["" if values[c] is None else neutralize(values[c]) for c in COLUMNS])
    return (BOM if bom else "") + buffer.getvalue()


def exported(db, **options):
    return "".join(iter_csv(db, **options))


@pytest.fixture
def odd(app, db):
    """The export_data seed, plus rows inserted as they are (no checks in
    the way, foreign keys off): an odd start in every text column."""
    seed(db)
    db.execute("PRAGMA foreign_keys = OFF")
    users = [db["users"].insert({"username": f"{s}user{i}", "password_hash": "x", "created_at": "2026-01-01T00:00:00Z"}).last_pk
             for i, s in enumerate(STARTS)]
    articles = [db["articles"].insert({"title": f"{s}title", "url": None if i % 3 == 0 else f"{s}https://x.example/{i}",
                                       "created_at": "2026-01-01T00:00:00Z"}).last_pk
                for i, s in enumerate(STARTS)]
    sources = ['[]', '["=a", "b"]', '["-x"]', '["caf\\u00e9 \\u2028"]', '[" lead", ""]', '["\'q"]', '["\\n", "\\t"]',
               '["a\\u0000b"]', '["https://example.org/a?b=1&c=2"]']
    for i, s in enumerate(STARTS):
        for j, kind in enumerate(("claim", "correction")):
            k = 2 * i + j
            claim = kind == "claim"
            db["annotations"].insert({
                "article_id": articles[k % len(articles)], "author_id": users[(k * 7) % len(users)], "kind": kind,
                "start": k % 5, "end": f"{s}9" if k % 4 == 3 else 10 + k,  # a text end sorts after every number
                "exact": f"{s}exact", "prefix": s, "suffix": f"{s}suffix\r\n",
                "verdict": f"{s}verdict" if claim else None,
                "correction_type": None if claim else f"{s}type", "correction": None if claim else s,
                "rationale": f'{s}"quoted", comma\nline', "sources": sources[k % len(sources)],
                "version": 1, "created_at": f"2026-0{1 + k % 9}-01T00:00:00Z", "updated_at": f"{s}updated",
                "revision": [1, -3, f"{s}7", 2.5, "x"][k % 5], "orphaned": k % 2,
                "status": ["open", "accepted", "rejected", "needs-work"][k % 4],
                "final_verdict": [None, "", f"{s}final", None, "mixed"][k % 5],
                "deleted_at": "2026-02-02T00:00:00Z" if k % 11 == 10 else None,
            })
    annotation_ids = [row[0] for row in db.execute("SELECT id FROM annotations ORDER BY id")]
    for n, annotation_id in enumerate(annotation_ids[::2]):
        for decision in ["agree", "disagree", "comment", "agree"][:n % 5]:
            db["reviews"].insert({"annotation_id": annotation_id, "reviewer_id": users[n % len(users)],
                                  "decision": decision, "comment": "", "created_at": "2026-01-01T00:00:00Z"})
    db.conn.commit()
    db.execute("PRAGMA foreign_keys = ON")
    return articles


def test_every_annotation_is_as_before(db, odd):
    expected = reference_csv(db)
    assert len(expected.splitlines()) > len(STARTS) * 2
    assert exported(db) == expected


@pytest.mark.parametrize("filters", [
    {"author": "'user8"}, {"author": "alice"}, {"kind": "correction"}, {"verdict": "mixed"}, {"status": "accepted"},
    {"since": "2026-03-01"}, {"until": "2026-03-01"}, {"status": "open", "kind": "claim", "until": "2026-05-01"},
])
def test_filtered_exports_are_as_before(db, odd, filters):
    filters = {k: datetime.date.fromisoformat(v) if k in ("since", "until") else v for k, v in filters.items()}
    assert exported(db, filters=filters) == reference_csv(db, filters=filters)


def test_one_article_and_the_bom_are_as_before(db, odd):
    for article_id in (1, 2, odd[0], odd[5], 999):
        assert exported(db, article_id=article_id) == reference_csv(db, article_id=article_id)
    assert exported(db, bom=True) == reference_csv(db, bom=True)


def test_chunks_join_to_the_whole(db, odd):
    """The chunks join to the whole, the header alone first (a download starts at once)."""
    chunks = list(iter_csv(db))
    assert "".join(chunks) == reference_csv(db)
    assert chunks[0] == ",".join(COLUMNS) + "\r\n"


def reference_reviews_csv(db, article_id=None, filters=None):
    """The reviews CSV as the export first built it, cell by cell in Python."""
    query = """
    SELECT r.id AS review_id, r.annotation_id, users.username AS reviewer, r.decision, r.verdict, r.correction,
      r.comment, r.created_at, a.article_id
    FROM reviews r
    JOIN users ON users.id = r.reviewer_id
    JOIN annotations a ON a.id = r.annotation_id
    JOIN users author ON author.id = a.author_id
    WHERE a.deleted_at IS NULL {where}
    ORDER BY a.article_id, r.annotation_id, r.id
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REVIEW_COLUMNS)
    where, params = where_clause(article_id, filters)
    for row in db.query(query.format(where=where), params):
        writer.writerow(["" if row[c] is None else neutralize(row[c]) for c in REVIEW_COLUMNS])
    return buffer.getvalue()


def test_the_reviews_csv_is_as_before(db, odd):
    db.execute("UPDATE reviews SET comment = '=' || id, verdict = CASE WHEN id % 3 = 0 THEN 'mixed' END")
    db.conn.commit()
    assert "".join(iter_reviews_csv(db)) == reference_reviews_csv(db)
    assert "".join(iter_reviews_csv(db, article_id=odd[2])) == reference_reviews_csv(db, article_id=odd[2])
    assert "".join(iter_reviews_csv(db, filters={"author": "bob"})) == reference_reviews_csv(db, filters={"author": "bob"})


def query_plan(db, article_id=None):
    sql, params = csv_query(article_id, portable=True)
    return [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params)]


def test_the_csv_query_reads_in_index_order_without_sorting(db):
    """Fault: a sort of every row (a temporary b-tree) costs memory in proportion to the export."""
    for article_id in (None, 1):
        plan = query_plan(db, article_id)
        assert not [step for step in plan if "TEMP B-TREE" in step], plan
        assert any(step.startswith(("SCAN a USING INDEX annotations_by_article",
                                    "SEARCH a USING INDEX annotations_by_article")) for step in plan), plan


def test_one_articles_csv_counts_only_its_reviews(db):
    """Fault: counting every review in the database for one article's export."""
    plan = query_plan(db, 1)
    assert any(re.fullmatch(r"SEARCH r USING (COVERING )?INDEX reviews_by_annotation\w* \(annotation_id=\?\)", step)
               for step in plan), plan
    assert not [step for step in plan if step.startswith("SCAN r")], plan
