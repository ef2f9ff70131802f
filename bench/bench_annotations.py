"""Time the annotation write, read and CSV export paths against plain baselines.

Run: python bench/bench_annotations.py [N]   (N annotations, default 5000)
Prints per-operation figures and the ratio to a baseline measured in the same
run: raw sqlite3 inserts for writes, a bare SELECT for reads, csv.writer over
the bare rows for the export.
"""

import csv
import io
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from annotator.annotations import create_annotation, list_annotations, to_json
from annotator.articles import create_article, get_article
from annotator.auth import create_user
from annotator.db import connect, init_db
from annotator.export import iter_csv

WORDS = "The minister said on Tuesday that 72 per cent of 👍 voters backed the café plan".split()


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(n):
    folder = Path(tempfile.mkdtemp())
    db = connect(folder / "bench.sqlite3")
    init_db(db)
    author = {"id": create_user(db, "bench", "benchmark-password")}
    text = "\n\n".join(" ".join(WORDS[(p + i) % len(WORDS)] for i in range(40)) for p in range(n // 4 + 1))
    article = get_article(db, create_article(db, "Bench", text))
    spans = []
    at = 0
    while len(spans) < n:
        at = text.find(" ", at + 1)
        end = text.find(" ", at + 1)
        if end < 0:
            at = 0
            continue
        spans.append((at + 1, end))

    def write_ours():
        for i, (s, e) in enumerate(spans):
            create_annotation(db, article, author, {"kind": "claim", "start": s, "end": e, "exact": text[s:e],
                                                    "verdict": "false", "rationale": f"note {i}"})

    raw = sqlite3.connect(folder / "raw.sqlite3")
    raw.execute("PRAGMA journal_mode = WAL")  # same durability as ours
    raw.execute('CREATE TABLE a (id INTEGER PRIMARY KEY, start INT, "end" INT, exact TEXT, rationale TEXT)')

    def write_raw():
        for i, (s, e) in enumerate(spans):
            with raw:
                raw.execute('INSERT INTO a (start, "end", exact, rationale) VALUES (?, ?, ?, ?)', (s, e, text[s:e], f"note {i}"))

    def read_ours():
        return [to_json(r) for r in list_annotations(db, article["id"])]

    def read_raw():
        return db.execute("SELECT * FROM annotations WHERE article_id = ?", [article["id"]]).fetchall()

    def export_ours():
        return sum(len(chunk) for chunk in iter_csv(db, article["id"]))

    def export_raw():
        out = io.StringIO()
        writer = csv.writer(out)
        for row in db.execute("SELECT * FROM annotations"):
            writer.writerow(row)
        return len(out.getvalue())

    rows = []
    for name, ours, base in (("write (one transaction each)", write_ours, write_raw),
                             ("read article's annotations", read_ours, read_raw),
                             ("export CSV", export_ours, export_raw)):
        t_base, _ = timed(base)
        t_ours, _ = timed(ours)
        rows.append((name, t_ours, t_base))
    print(f"{n} annotations on a {len(text):,}-character article")
    print(f"{'operation':32} {'ours':>10} {'baseline':>10} {'ratio':>7} {'per item':>10}")
    for name, t_ours, t_base in rows:
        print(f"{name:32} {t_ours:9.3f}s {t_base:9.3f}s {t_ours / t_base:6.1f}x {t_ours / n * 1e6:8.0f}µs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
