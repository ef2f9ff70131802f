"""Export a million annotations: rows per second and peak memory of each of our
formats, against the sqlite3 command-line shell's own `.mode csv` export of
the same table as the baseline (measured in the same run).

Run: python bench/bench_export.py [N]   (N annotations, default 1,000,000)

Each export runs in a child process of its own writing to /dev/null, so
that its peak memory (its resident set's high-water mark) is its alone.
Needs the `sqlite3` shell (Debian: apt-get install sqlite3).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from annotator.articles import create_article
from annotator.auth import create_user
from annotator.db import connect, init_db, now, transaction

WORDS = "The minister said on Tuesday that 72 per cent of 👍 voters backed the café plan".split()
FORMATS = ("csv", "jsonl", "w3c", "claimreview")


def build(path, n):
    """A database with long articles (about 1 MB each) and ``n`` claims by two
    people, one review on every tenth, inserted in bulk (the checks are not
    under test)."""
    db = connect(path)
    init_db(db)
    authors = [create_user(db, name, "benchmark-password") for name in ("ana", "ben")]
    text = "\n\n".join(" ".join(WORDS[(p + i) % len(WORDS)] for i in range(40)) for p in range(4_000))
    words = [m.span() for m in re.finditer(r"\S+", text)]
    per_article = 2 * len(words)  # each author claims each word once
    articles = [create_article(db, f"Bench {k + 1}", text, f"https://example.org/bench/{k + 1}")
                for k in range(-(-n // per_article))]
    stamp = now()

    def annotations():
        for i in range(n):  # each (article, author, word) once: one claim per span and author
            s, e = words[i % len(words)]
            yield {"article_id": articles[i // per_article], "author_id": authors[(i // len(words)) % 2],
                   "kind": "claim",
                   "start": s, "end": e, "exact": text[s:e],
                   "prefix": text[max(0, s - 32):s], "suffix": text[e:e + 32], "verdict": "false",
                   "rationale": f"Checked against source {i}.", "sources": '["https://example.org/source"]',
                   "revision": 1, "orphaned": 0, "created_at": stamp, "updated_at": stamp}

    with transaction(db):
        db["annotations"].insert_all(annotations(), batch_size=10_000)
        db.execute("INSERT INTO reviews (annotation_id, reviewer_id, decision, comment, created_at) "
                   "SELECT id, CASE author_id WHEN ? THEN ? ELSE ? END, 'agree', '', ? FROM annotations "
                   "WHERE id % 10 = 0", [authors[0], authors[1], authors[0], stamp])
    db.close()


def run(command, env=None):
    """Run ``command`` with stdout to /dev/null: (seconds, peak RSS in MiB).

    The peak is the child's VmHWM (/proc/PID/status), read every 10 ms until
    it exits: wait4's ru_maxrss would start from this process's own size,
    which a child inherits across fork and exec on Linux."""
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=sink, env=env)
        peak = 0
        while child.poll() is None:
            peak = max(peak, _high_water_kib(child.pid))
            time.sleep(0.01)
        seconds = time.perf_counter() - start
    if child.returncode != 0:
        sys.exit(f"{command[0]} failed with status {child.returncode}")
    return seconds, peak / 1024


def _high_water_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except (FileNotFoundError, ProcessLookupError):
        return 0


def main(n):
    if not shutil.which("sqlite3"):
        sys.exit("Needs the sqlite3 shell: apt-get install sqlite3")
    folder = Path(tempfile.mkdtemp())
    path = folder / "bench.sqlite3"
    started = time.perf_counter()
    build(path, n)
    print(f"{n:,} annotations built in {time.perf_counter() - started:.0f} s ({path.stat().st_size / 2**20:,.0f} MiB)")
    env = {**os.environ, "ANNOTATOR_DATABASE": str(path)}
    query = ('SELECT a.id, a.article_id, a.kind, a.start, a."end", a.exact, a.verdict, a.rationale, a.sources, '
             'u.username, a.created_at FROM annotations a JOIN users u ON u.id = a.author_id ORDER BY a.article_id, '
             'a.start, a."end", a.id')
    baseline_s, baseline_mb = run(["sqlite3", "-csv", "-header", str(path), query])
    baseline_rate = n / baseline_s
    print(f"{'export':<28}{'rows/s':>12}{'peak MiB':>10}{'time':>9}   vs sqlite3 .mode csv (speed, memory)")
    print(f"{'sqlite3 shell .mode csv':<28}{baseline_rate:>12,.0f}{baseline_mb:>10.0f}{baseline_s:>8.1f}s   1.00x, 1.00x")
    results = {}
    for fmt in FORMATS:
        # ClaimReview publishes accepted claims by default; these are all open.
        status = ["--status", "open"] if fmt == "claimreview" else []
        seconds, mb = run([sys.executable, "-m", "flask", "--app", "annotator", "export", "--format", fmt, *status], env)
        results[fmt] = {"rows_per_s": n / seconds, "peak_mib": mb}
        print(f"{'ours: ' + fmt:<28}{n / seconds:>12,.0f}{mb:>10.0f}{seconds:>8.1f}s   "
              f"{(n / seconds) / baseline_rate:.2f}x, {mb / baseline_mb:.2f}x")
    print(json.dumps({"annotations": n, "baseline": {"rows_per_s": baseline_rate, "peak_mib": baseline_mb},
                      "ours": results}))
    shutil.rmtree(folder)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
