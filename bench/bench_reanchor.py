"""Re-anchoring after an edit, end to end: time ``articles.edit_text`` on a
200,000-character article with 5,000 annotations against a plain baseline.

Run: python bench/bench_reanchor.py [--chars 200000] [--annotations 5000] [--runs 5]

Data from ``bench/generate.py`` (seed 1). The edit is an editor's: a
paragraph inserted near the top, one word changed in every 25th annotated
span, a paragraph deleted and another moved further down. It goes through the
app's own path, ``edit_text`` (new revision, re-anchoring, annotation updates,
reanchorings and history rows, one transaction), each run on a fresh copy of
the database; the figure is the median. The split is measured apart on the
same texts: the diff (``PositionMap``), the ``reanchor`` calls (one per
distinct span and quote, as ``edit_text`` makes them), and the rest (reading
and writing the database: total minus the two). The baseline, in the same run on another
fresh copy, is the least any method must do: one ``str.find`` per quote and
one bare UPDATE per annotation in one transaction. The worst case for the
diff follows: every paragraph of the article in reverse order. Then the worst
case for the approximate search (issue 7's tester): every "a" replaced by
"á", so that no line is kept and most quotes are found only approximately,
followed by a one-character edit (which retries that edit's orphans).
"""

import argparse
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator.anchoring import PositionMap, reanchor  # noqa: E402
from annotator.articles import edit_text, get_article  # noqa: E402
from annotator.db import connect, transaction  # noqa: E402
from bench.generate import generate  # noqa: E402

TARGET_SECONDS = 2.0
EDITOR = {"id": None, "role": "admin"}  # as the edit-article command runs it
NEW_PARAGRAPH = "An editor's note added near the top: this article was updated on Tuesday with new figures."


def edited(text, spans, rng):
    """``text`` as an editor might change it: one word replaced in every 25th
    of ``spans`` ((start, end) pairs; overlapping ones skipped), then a
    paragraph inserted near the top, one deleted and one moved."""
    changed, last_start = text, len(text)
    for start, end in sorted(spans[::25], reverse=True):
        if end > last_start:
            continue  # overlaps a span already changed
        word = re.search(r"\w{3,}", text[start:end])
        if word:
            at = start + word.start()
            changed = changed[:at] + "revised" + changed[start + word.end():]
            last_start = start
    paragraphs = changed.split("\n\n")
    paragraphs.insert(1, NEW_PARAGRAPH)
    del paragraphs[len(paragraphs) // 3]
    moved = paragraphs.pop(len(paragraphs) // 2)
    paragraphs.insert(rng.randrange(len(paragraphs) // 2, len(paragraphs)), moved)
    return "\n\n".join(paragraphs)


def reversed_paragraphs(text):
    return "\n\n".join(text.split("\n\n")[::-1])


def fresh_copy(template, workdir, name):
    path = workdir / name
    shutil.copyfile(template, path)
    return path


def timed_edit(template, workdir, article_id, new_text):
    """Seconds ``edit_text`` takes on a fresh copy of the database, and its outcomes."""
    db = connect(fresh_copy(template, workdir, "edit.db"))
    article = get_article(db, article_id)
    started = time.perf_counter()
    _, report = edit_text(db, article, new_text, EDITOR)
    seconds = time.perf_counter() - started
    db.close()
    return seconds, [(entry["annotation_id"], entry["outcome"], entry["start"], entry["end"]) for entry in report]


def timed_edits(template, workdir, article_id, texts):
    """Seconds each of ``texts`` takes as the next revision, one after the
    other on one fresh copy, and the outcomes counted for each."""
    db = connect(fresh_copy(template, workdir, "edits.db"))
    results = []
    for new_text in texts:
        article = get_article(db, article_id)
        started = time.perf_counter()
        _, report = edit_text(db, article, new_text, EDITOR)
        results.append((time.perf_counter() - started, Counter(entry["outcome"] for entry in report)))
    db.close()
    return results


def accented(text):
    """Every "a" an "á", then one character changed halfway: two revisions."""
    first = text.replace("a", "á")
    middle = first.index(" ", len(first) // 2)
    return [first, first[:middle] + "," + first[middle + 1:]]


def split(old_text, new_text, rows):
    """Seconds of the diff and of the reanchor calls alone, on the same texts
    (one call per distinct span and quote, as ``reanchor_article`` makes them)."""
    quotes = {(row["start"], row["end"], row["exact"], row["prefix"], row["suffix"]) for row in rows}
    started = time.perf_counter()
    position_map = PositionMap(old_text, new_text)
    diffed = time.perf_counter()
    for quote in quotes:
        reanchor(new_text, *quote, position_map)
    return diffed - started, time.perf_counter() - diffed


def baseline(template, workdir, new_text, rows):
    """Seconds of one str.find per quote and one bare UPDATE per annotation."""
    db = connect(fresh_copy(template, workdir, "baseline.db"))
    started = time.perf_counter()
    for row in rows:
        new_text.find(row["exact"])
    with transaction(db):
        db.conn.executemany("UPDATE annotations SET revision = revision + 1, version = version + 1 WHERE id = ?",
                            [(row["id"],) for row in rows])
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chars", type=int, default=200_000)
    parser.add_argument("--annotations", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        template = workdir / "template.db"
        made = generate(template, chars=args.chars, annotations=args.annotations)
        db = connect(template)
        article = get_article(db, made["article_id"])
        rows = list(db.query('SELECT id, start, "end", exact, prefix, suffix FROM annotations '
                             'WHERE article_id = ? ORDER BY start, "end", id', [made["article_id"]]))
        db.close()
        old_text = article["text"]
        new_text = edited(old_text, [(row["start"], row["end"]) for row in rows], random.Random(1))

        edits, baselines, diffs, reanchors, reports = [], [], [], [], []
        for _ in range(args.runs):
            seconds, report = timed_edit(template, workdir, made["article_id"], new_text)
            edits.append(seconds)
            reports.append(report)
            baselines.append(baseline(template, workdir, new_text, rows))
            diff_seconds, reanchor_seconds = split(old_text, new_text, rows)
            diffs.append(diff_seconds)
            reanchors.append(reanchor_seconds)
        assert all(report == reports[0] for report in reports), "the same edit gave different outcomes"
        outcomes = Counter(outcome for _, outcome, _, _ in reports[0])
        worst, worst_report = timed_edit(template, workdir, made["article_id"], reversed_paragraphs(old_text))
        worst_outcomes = Counter(outcome for _, outcome, _, _ in worst_report)
        (accent, accent_outcomes), (retry, retry_outcomes) = timed_edits(
            template, workdir, made["article_id"], accented(old_text))

    edit, base = statistics.median(edits), statistics.median(baselines)
    diff, anchors = statistics.median(diffs), statistics.median(reanchors)
    print(f"{len(rows):,} annotations on a {len(old_text):,}-character article; edit: +1 paragraph near the top, "
          f"a word changed in every 25th span, 1 paragraph deleted, 1 moved; median of {args.runs} runs")
    print(f"edit_text (end to end): {edit:.3f} s (target < {TARGET_SECONDS} s)")
    print(f"  diff (PositionMap): {diff:.3f} s; reanchor: {anchors:.3f} s "
          f"({anchors / len(rows) * 1e6:.0f} µs per annotation); database and the rest: {edit - diff - anchors:.3f} s")
    print(f"baseline (one str.find per quote + one bare UPDATE per annotation): {base:.3f} s; "
          f"ratio {edit / base:.1f}x")
    print("outcomes:", dict(outcomes))
    print(f"worst case, all paragraphs reversed: {worst:.3f} s; outcomes: {dict(worst_outcomes)}")
    print(f'worst case for the approximate search, every "a" made "á": {accent:.3f} s; '
          f"outcomes: {dict(accent_outcomes)}")
    print(f"  then one character changed: {retry:.3f} s; outcomes: {dict(retry_outcomes)}")
    print(json.dumps({"annotations": len(rows), "chars": len(old_text), "edit_text_s": round(edit, 4),
                      "diff_s": round(diff, 4), "reanchor_s": round(anchors, 4),
                      "database_s": round(edit - diff - anchors, 4), "baseline_s": round(base, 4),
                      "ratio": round(edit / base, 2), "target_s": TARGET_SECONDS, "outcomes": dict(outcomes),
                      "reversed_s": round(worst, 4), "reversed_outcomes": dict(worst_outcomes),
                      "accented_s": round(accent, 4), "accented_outcomes": dict(accent_outcomes),
                      "one_character_after_s": round(retry, 4), "one_character_after_outcomes": dict(retry_outcomes)}))


if __name__ == "__main__":
    main()
