"""Time the server side of reading an article: its page and its annotation list.

Run: python bench/bench_list.py [--runs 20] [--seed 1] [--chars 200000]
         [--annotations 5000] [--authors 10] [--reviews 5000]

Builds the data of bench/generate.py (one long article, thousands of
annotations and reviews) plus a baseline article with the same text and no
annotations, logs in as checker1 through the login form, and times in process
(Flask test client, median of ``--runs``, the requests interleaved so that
noise from other processes falls on each alike):

- the article page's HTML, GET /articles/<id>;
- the list the page's script loads, GET /api/articles/<id>/annotations;
- the page's whole server response (the two together);

each against the same request for the baseline article, and the list also
against its floor: the bare SQL SELECT of the same rows. Then prints
EXPLAIN QUERY PLAN for every query the list and the page run, flagging full
scans of big tables and temporary B-trees. Ends with one JSON line.
"""

import argparse
import json
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import annotator.db  # noqa: E402
from annotator import create_app  # noqa: E402
from annotator.articles import create_article, get_article  # noqa: E402
from annotator.db import connect  # noqa: E402
from bench.generate import generate  # noqa: E402

#: Targets of issue 7, in milliseconds (the page: HTML and list together).
PAGE_TARGET_MS, LIST_TARGET_MS, BASELINE_RATIO_TARGET = 150, 100, 3
#: Tables small enough that a full scan costs nothing (sqlite_master: the
#: schema, which sqlite-utils reads to tell tables from views).
SMALL_TABLES = {"verdicts", "correction_types", "sqlite_master"}
#: The rows the list holds, read with nothing else: the least any list must cost.
FLOOR_SQL = 'SELECT * FROM annotations WHERE article_id = ? AND deleted_at IS NULL ORDER BY start, "end", id'


def prepare(folder, args):
    """The generated database plus a no-annotation copy of its article; (path, ids)."""
    path = Path(folder) / "bench_list.sqlite3"
    made = generate(path, args.seed, args.chars, args.annotations, args.authors, args.reviews)
    db = connect(path)
    article = get_article(db, made["article_id"])
    baseline_id = create_article(db, "Baseline: the same text, no annotations", article["text"])
    db.close()
    return path, made, {"annotated": made["article_id"], "baseline": baseline_id}


def logged_in_client(app, username, password):
    """A test client logged in through the login form, CSRF token and all."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    if answer.status_code != 302:
        sys.exit(f"Logging in as {username} failed ({answer.status_code})")
    return client


def time_requests(client, paths, runs):
    """{path: [seconds]}: ``runs`` GETs of each path, interleaved; SystemExit on a non-200."""
    times = {path: [] for path in paths}
    for _ in range(runs):
        for path in paths:
            started = time.perf_counter()
            answer = client.get(path)
            answer.get_data()
            times[path].append(time.perf_counter() - started)
            if answer.status_code != 200:
                sys.exit(f"GET {path} answered {answer.status_code}")
    return times


def time_floor(path, article_id, runs):
    """[seconds]: the bare SELECT of the list's rows on a plain sqlite3 connection."""
    conn = sqlite3.connect(path)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        conn.execute(FLOOR_SQL, [article_id]).fetchall()
        times.append(time.perf_counter() - started)
    conn.close()
    return times


def traced_statements(client, path):
    """The SQL statements (parameters filled in) one GET of ``path`` runs."""
    statements = []
    connect_untraced = annotator.db.connect

    def connect_traced(database, *args, **kwargs):
        db = connect_untraced(database, *args, **kwargs)
        db.conn.set_trace_callback(statements.append)
        return db

    annotator.db.connect = connect_traced  # get_db() looks connect up at each request
    try:
        status = client.get(path).status_code
    finally:
        annotator.db.connect = connect_untraced
    if status != 200 or not statements:
        sys.exit(f"GET {path} answered {status} and ran {len(statements)} statements: no query plan to check")
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def query_plans(database, statements):
    """[(statement, [plan line], [warning])] for each distinct statement."""
    conn = sqlite3.connect(database)
    found = []
    for statement in dict.fromkeys(statements):
        lines = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + statement)]
        found.append((statement, lines, plan_warnings(lines)))
    conn.close()
    return found


def plan_warnings(lines):
    """The plan lines worth a look: a full SCAN of a table that grows, a temporary B-tree."""
    warnings = []
    for line in lines:
        scanned = re.match(r"SCAN (\w+)", line)
        if scanned and scanned.group(1) not in SMALL_TABLES:
            warnings.append(line)
        elif "USE TEMP B-TREE" in line:
            warnings.append(line)
    return warnings


def print_plans(title, plans):
    print(f"\nEXPLAIN QUERY PLAN, every query of {title}:")
    for statement, lines, warnings in plans:
        print("  " + " ".join(statement.split())[:160] + ("..." if len(" ".join(statement.split())) > 160 else ""))
        for line in lines:
            print(f"      {line}" + ("   <-- FLAG" if line in warnings else ""))


def ms(seconds):
    return round(statistics.median(seconds) * 1000, 1)


def figure(what, measured, target, baseline, baseline_name):
    ratio = measured / baseline if baseline else float("inf")
    verdict = "met" if target is None or measured <= target else "MISSED"
    goal = f"target < {target} ms ({verdict})" if target else "no target"
    print(f"{what:<34} {measured:8.1f} ms   {goal:<24} {baseline_name} {baseline:7.1f} ms   ratio {ratio:6.2f}")
    return round(ratio, 2)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="repetitions of each request (median taken)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chars", type=int, default=200_000)
    parser.add_argument("--annotations", type=int, default=5_000)
    parser.add_argument("--authors", type=int, default=10)
    parser.add_argument("--reviews", type=int, default=5_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="annotator-bench-list-") as folder:
        run(args, folder)


def run(args, folder):
    """Make the data in ``folder``, time, print the figures and plans."""
    database, made, ids = prepare(folder, args)
    app = create_app({"DATABASE": str(database), "SECRET_KEY": "bench-list"})
    client = logged_in_client(app, made["usernames"][0], made["password"])
    page = {name: f"/articles/{i}" for name, i in ids.items()}
    listing = {name: f"/api/articles/{i}/annotations" for name, i in ids.items()}
    size = len(client.get(listing["annotated"]).get_data())  # also warms up caches and migrations
    print(f"{made['chars']:,}-character article, {made['annotations']:,} annotations by {args.authors} people, "
          f"{made['reviews']:,} reviews; list response {size / 1e6:.1f} MB; median of {args.runs} runs\n")

    times = time_requests(client, [*page.values(), *listing.values()], args.runs)
    whole = {name: [a + b for a, b in zip(times[page[name]], times[listing[name]])] for name in ids}
    floor = time_floor(database, ids["annotated"], args.runs)

    results = {"page_html_ms": ms(times[page["annotated"]]), "page_html_baseline_ms": ms(times[page["baseline"]]),
               "list_ms": ms(times[listing["annotated"]]), "list_baseline_ms": ms(times[listing["baseline"]]),
               "list_floor_ms": ms(floor), "page_ms": ms(whole["annotated"]),
               "page_baseline_ms": ms(whole["baseline"])}
    results["page_html_ratio"] = figure("article page HTML", results["page_html_ms"], None,
                                        results["page_html_baseline_ms"], "no-annotation page")
    results["list_ratio"] = figure("annotation list (API)", results["list_ms"], LIST_TARGET_MS,
                                   results["list_baseline_ms"], "no-annotation list")
    results["list_floor_ratio"] = figure("annotation list vs bare SELECT", results["list_ms"], LIST_TARGET_MS,
                                         results["list_floor_ms"], "bare SELECT")
    results["page_ratio"] = figure("page response (HTML + list)", results["page_ms"], PAGE_TARGET_MS,
                                   results["page_baseline_ms"], "no-annotation page")
    print(f"{'':<34} baseline ratio target <= {BASELINE_RATIO_TARGET}: "
          f"{'met' if results['page_ratio'] <= BASELINE_RATIO_TARGET else 'MISSED'}")

    flagged = 0
    for title, path in (("the list", listing["annotated"]), ("the page", page["annotated"])):
        plans = query_plans(database, traced_statements(client, path))
        print_plans(f"{title} (GET {path})", plans)
        flagged += sum(len(warnings) for _, _, warnings in plans)
    print(f"\n{flagged} plan line(s) flagged")
    results["plan_lines_flagged"] = flagged
    print(json.dumps(results))


if __name__ == "__main__":
    main()
