"""Export a million annotations: rows per second and peak memory of the CSV
export (``flask --app annotator export --format csv``) against the sqlite3
command-line shell exporting the same rows and columns, measured in the same
run; the other formats are reported too (their only target: constant memory).

Run: python bench/bench_export.py [N] [--repeat R] [--csv-only]
     (N annotations, default 1,000,000; R runs of the CSV export and of the
     shell, interleaved, default 3; the medians count. --csv-only skips the
     other formats, which take minutes at a million rows.)

The baseline is fair and explicit: the shell runs ``sqlite3 -csv -header``
on our own SELECT (``annotator.export.csv_query``, printed below), which
yields the CSV's very cells, formulas neutralised; so both sides read, join
and compute the same, and differ in what turns cells into CSV text (C in the
shell, Python and its C csv writer for us) and in start-up (Python, Flask
and the app for us). For reference it also times the shell on the bare
columns (no neutralising, no joined sources, no review counts).

Target: at least 0.5x the shell's rows/s, under 100 MiB peak.

Each export runs in a child process of its own writing to /dev/null, so
that its peak memory (its resident set's high-water mark) is its alone.
Needs the `sqlite3` shell (Debian: apt-get install sqlite3).
"""

import argparse
import csv
import io
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's annotator, not an installed one

from annotator.articles import create_article  # noqa: E402
from annotator.auth import create_user  # noqa: E402
from annotator.db import connect, init_db, now, transaction  # noqa: E402
from annotator.export import csv_query, iter_csv  # noqa: E402

WORDS = "The minister said on Tuesday that 72 per cent of 👍 voters backed the café plan".split()
OTHER_FORMATS = ("jsonl", "w3c", "claimreview")
TARGET_RATIO = 0.5
TARGET_MIB = 100
#: The bare columns, for reference: what the shell does with no work per cell.
BARE_QUERY = ('SELECT a.id, a.article_id, a.kind, a.start, a."end", a.exact, a.verdict, a.rationale, a.sources, '
              'u.username, a.created_at FROM annotations a JOIN users u ON u.id = a.author_id '
              'WHERE a.deleted_at IS NULL ORDER BY a.article_id, a.start, a."end", a.id')


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


class Run(NamedTuple):
    seconds: float  # wall clock
    cpu: float  # CPU seconds, user and system: what other load on the machine changes least
    peak_mib: float


def run(command, env=None):
    """Run ``command`` with stdout to /dev/null: a Run.

    The peak is the child's VmHWM (/proc/PID/status), read every 10 ms until
    it exits: wait4's ru_maxrss would start from this process's own size,
    which a child inherits across fork and exec on Linux."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=sink, env=env, cwd=ROOT)
        peak = 0
        while child.poll() is None:
            peak = max(peak, _high_water_kib(child.pid))
            time.sleep(0.01)
        seconds = time.perf_counter() - start
    if child.returncode != 0:
        sys.exit(f"{command[0]} failed with status {child.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Run(seconds, cpu, peak / 1024)


def _high_water_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except (FileNotFoundError, ProcessLookupError):
        return 0


def same_cells(path, query, rows=1_000):
    """Exit unless the shell's CSV of ``query`` and our export hold the same
    cells in their first ``rows`` rows (their quoting may differ)."""
    shell = subprocess.run(["sqlite3", "-csv", "-header", str(path), f"{query} LIMIT {rows}"],
                           capture_output=True, check=True).stdout.decode("utf-8")
    theirs = list(csv.reader(io.StringIO(shell, newline="")))
    db = connect(path)
    text, mine = "", []
    for chunk in iter_csv(db):
        text += chunk
        mine = list(csv.reader(io.StringIO(text, newline="")))
        if len(mine) > rows + 1:
            break
    db.close()
    if len(theirs) != rows + 1 or theirs != mine[:rows + 1]:
        sys.exit("The shell's rows differ from ours: the baseline would not be the same work.")


def summary(runs):
    """One Run of several: the median times and the highest peak."""
    return Run(statistics.median(r.seconds for r in runs), statistics.median(r.cpu for r in runs),
               max(r.peak_mib for r in runs))


def main(n, repeat, others=True):
    if not shutil.which("sqlite3"):
        sys.exit("Needs the sqlite3 shell: apt-get install sqlite3")
    folder = Path(tempfile.mkdtemp())
    path = folder / "bench.sqlite3"
    started = time.perf_counter()
    build(path, n)
    print(f"{n:,} annotations built in {time.perf_counter() - started:.0f} s "
          f"({path.stat().st_size / 2**20:,.0f} MiB)")
    env = {**os.environ, "ANNOTATOR_DATABASE": str(path), "PYTHONPATH": str(ROOT)}
    query, params = csv_query(portable=True)  # portable: no Python function, which the shell lacks
    assert not params
    query = query.strip()
    print("Baseline: sqlite3 -csv -header DATABASE on the SELECT our CSV export runs (csv_query):")
    print("    " + query.replace("\n", "\n    "))
    same_cells(path, query)
    print("Checked: the shell's first 1,000 rows hold the same cells as ours.\n")

    shell = ["sqlite3", "-csv", "-header", str(path), query]
    ours = [sys.executable, "-m", "flask", "--app", "annotator", "export", "--format", "csv"]
    startup = [sys.executable, "-m", "flask", "--app", "annotator", "export", "--help"]
    shell_runs, our_runs = [], []
    for _ in range(repeat):  # interleaved, so that both meet the same load on a shared machine
        shell_runs.append(run(shell))
        our_runs.append(run(ours, env))
    baseline, csv_run = summary(shell_runs), summary(our_runs)
    bare = summary([run(["sqlite3", "-csv", "-header", str(path), BARE_QUERY]) for _ in range(repeat)])
    started = summary([run(startup, env) for _ in range(repeat)])

    ratio = baseline.seconds / csv_run.seconds  # of rows per second
    cpu_ratio = baseline.cpu / csv_run.cpu
    print(f"Medians of {repeat} runs each (times include start-up).")
    print(f"{'export':<38}{'rows/s':>10}{'rows/CPU s':>12}{'peak MiB':>10}{'time':>8}{'CPU':>8}")
    for name, r in (("baseline: sqlite3 shell, same SELECT", baseline), ("ours: export --format csv", csv_run),
                    ("(reference: shell, bare columns)", bare)):
        print(f"{name:<38}{n / r.seconds:>10,.0f}{n / r.cpu:>12,.0f}{r.peak_mib:>10.0f}{r.seconds:>7.1f}s{r.cpu:>7.1f}s")
    print(f"{'(of which our start-up)':<38}{'':>32}{started.seconds:>7.1f}s{started.cpu:>7.1f}s")
    speed_ok, memory_ok = ratio >= TARGET_RATIO, csv_run.peak_mib < TARGET_MIB
    print(f"CSV speed:  {ratio:.2f}x the shell's rows/s (target >= {TARGET_RATIO}x): "
          f"{'met' if speed_ok else 'MISSED'}; per CPU second {cpu_ratio:.2f}x (what an idle machine would show)")
    print(f"CSV memory: {csv_run.peak_mib:.0f} MiB peak (target < {TARGET_MIB} MiB): {'met' if memory_ok else 'MISSED'}")

    def figures(r):
        return {"rows_per_s": n / r.seconds, "rows_per_cpu_s": n / r.cpu, "peak_mib": r.peak_mib,
                "seconds": r.seconds, "cpu_s": r.cpu}

    results = {"csv": figures(csv_run)}
    if others:
        print("\nThe other formats, one run each (target: constant memory; ratio to the shell's rows/s):")
    for fmt in OTHER_FORMATS if others else ():
        # ClaimReview publishes accepted claims by default; these are all open.
        status = ["--status", "open"] if fmt == "claimreview" else []
        r = run([*ours[:-1], fmt, *status], env)
        results[fmt] = figures(r)
        print(f"{'ours: ' + fmt:<38}{n / r.seconds:>10,.0f}{n / r.cpu:>12,.0f}{r.peak_mib:>10.0f}{r.seconds:>7.1f}s"
              f"{r.cpu:>7.1f}s   {baseline.seconds / r.seconds:.2f}x")
    print(json.dumps({
        "annotations": n, "repeat": repeat,
        "baseline": {"what": "sqlite3 -csv -header, csv_query()", **figures(baseline)},
        "bare_shell": figures(bare), "startup_s": started.seconds, "startup_cpu_s": started.cpu, "ours": results,
        "csv_ratio": ratio, "csv_cpu_ratio": cpu_ratio,
        "target": {"csv_ratio": TARGET_RATIO, "peak_mib": TARGET_MIB}, "met": speed_ok and memory_ok,
    }))
    shutil.rmtree(folder)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="annotations (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the CSV export and the shell (default 3)")
    parser.add_argument("--csv-only", action="store_true", help="skip the other formats (minutes at 1,000,000)")
    arguments = parser.parse_args()
    main(arguments.n, arguments.repeat, others=not arguments.csv_only)
