"""bench/generate.py: the benchmarks' data is valid and reproducible."""

import importlib.util
import sqlite3
from pathlib import Path

from annotator.text import canonicalize

spec = importlib.util.spec_from_file_location("generate", Path(__file__).parent.parent / "bench" / "generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)

ROWS = 'SELECT author_id, kind, start, "end", exact, prefix, suffix, verdict, correction FROM annotations ORDER BY id'


def build(tmp_path, name, seed):
    made = generate.generate(tmp_path / name, seed=seed, chars=5_000, annotations=120, authors=4, reviews=60)
    db = sqlite3.connect(tmp_path / name)
    return made, db


def test_spans_are_exact_slices_of_a_canonical_text(tmp_path):
    made, db = build(tmp_path, "a.sqlite3", 7)
    (text,) = db.execute("SELECT text FROM revisions WHERE article_id = ?", [made["article_id"]]).fetchone()
    assert len(text) >= 5_000 and canonicalize(text) == text
    assert any(ord(c) > 0xFFFF for c in text) and any("\u0590" <= c <= "\u06ff" for c in text)
    rows = db.execute(ROWS).fetchall()
    assert len(rows) == 120 and len({r[0] for r in rows}) == 4
    for author, kind, start, end, exact, prefix, suffix, verdict, correction in rows:
        assert text[start:end] == exact and text[:start].endswith(prefix) and text[end:].startswith(suffix)
        assert (verdict is not None) == (kind == "claim") and (correction is not None) == (kind == "correction")
    assert db.execute("SELECT COUNT(*) FROM reviews r JOIN annotations a ON a.id = r.annotation_id "
                      "WHERE r.reviewer_id = a.author_id").fetchone() == (0,)
    assert db.execute("SELECT COUNT(*) FROM reviews").fetchone() == (60,)


def test_a_seed_gives_the_same_data_and_another_seed_other_data(tmp_path):
    _, first = build(tmp_path, "a.sqlite3", 7)
    _, again = build(tmp_path, "b.sqlite3", 7)
    _, other = build(tmp_path, "c.sqlite3", 8)
    assert first.execute(ROWS).fetchall() == again.execute(ROWS).fetchall()
    assert first.execute(ROWS).fetchall() != other.execute(ROWS).fetchall()
