"""Agreement statistics for an article with thousands of judged spans: time
``agreement.agreement``, its API route and the article's dashboard page
against a plain baseline.

Run: python bench/bench_agreement.py [--annotations 10000] [--reviews 20000]
         [--other-articles 4] [--runs 7]

Data from ``bench/generate.py`` (seed 1): one 200,000-character article with
``--annotations`` annotations by 10 people and ``--reviews`` reviews, which
gives over 5,000 items (spans judged by two or more people; the count is
printed), plus ``--other-articles`` more articles of the same size, as a
newsroom's database holds (figures for one article must not grow with them).
Each figure is the median of ``--runs``. The routes go through the Flask test
client, logged in. The baseline, in the same run, is the least any method
must do: reading the article's claims and the reviews of them in two bare
SQL queries.
"""

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator import create_app  # noqa: E402
from annotator.agreement import agreement, judgements  # noqa: E402
from annotator.articles import create_article, get_article  # noqa: E402
from annotator.db import connect, now, transaction  # noqa: E402
from bench import generate  # noqa: E402

TARGET_SECONDS = 0.5

BASELINE_CLAIMS = ("SELECT a.id, a.revision, a.start, a.\"end\", a.verdict, a.author_id FROM annotations a "
                   "WHERE a.article_id = ? AND a.kind = 'claim' AND a.deleted_at IS NULL AND a.orphaned = 0")
BASELINE_REVIEWS = ("SELECT r.annotation_id, r.decision, r.verdict, r.reviewer_id FROM reviews r "
                    "JOIN annotations a ON a.id = r.annotation_id WHERE a.article_id = ? AND a.kind = 'claim'")


def add_articles(path, count, annotations, reviews, seed=2):
    """``count`` more articles like the benchmark's, with their annotations and reviews."""
    rng = random.Random(seed)
    db = connect(path)
    authors = [row["id"] for row in db.query("SELECT id FROM users ORDER BY id")]
    for n in range(count):
        text = generate.article_text(rng, 200_000)
        article_id = create_article(db, f"Another article {n + 1}", text, f"https://example.org/other/{n + 1}")
        with transaction(db):
            db["annotations"].insert_all(
                generate.annotation_rows(rng, text, article_id, authors, annotations, now()), batch_size=1_000)
            claims = list(db.query("SELECT id, author_id, verdict FROM annotations WHERE article_id = ? "
                                   "AND kind = 'claim' ORDER BY id", [article_id]))
            db["reviews"].insert_all(generate.review_rows(rng, claims, authors, reviews, now()), batch_size=1_000)
    db.close()


def median_seconds(action, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def logged_in_client(app, username, password):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, "login failed"
    return client


def get_ok(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=20_000)
    parser.add_argument("--other-articles", type=int, default=4)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "agreement.db"
        made = generate.generate(path, annotations=args.annotations, reviews=args.reviews)
        add_articles(path, args.other_articles, args.annotations, args.reviews)
        article_id = made["article_id"]
        db = connect(path)
        items = len(judgements(db, article_id))
        judges = sum(len(people) for people in judgements(db, article_id).values())

        def bare_sql():
            list(db.execute(BASELINE_CLAIMS, [article_id]))
            list(db.execute(BASELINE_REVIEWS, [article_id]))

        app = create_app({"DATABASE": str(path), "SECRET_KEY": "benchmark-only"})
        client = logged_in_client(app, made["usernames"][0], made["password"])
        get_article(db, article_id)
        figures = {}
        for _ in range(2):  # interleaved rounds, so a busy moment on the machine hits every figure alike
            figures.setdefault("baseline_s", []).append(median_seconds(bare_sql, args.runs))
            figures.setdefault("agreement_s", []).append(median_seconds(lambda: agreement(db, article_id), args.runs))
            figures.setdefault("api_s", []).append(
                median_seconds(lambda: get_ok(client, f"/api/articles/{article_id}/agreement"), args.runs))
            figures.setdefault("dashboard_s", []).append(
                median_seconds(lambda: get_ok(client, f"/articles/{article_id}/dashboard"), args.runs))
        figures = {key: min(values) for key, values in figures.items()}
        result = agreement(db, article_id)
        db.close()

    base = figures["baseline_s"]
    print(f"article {article_id}: {items:,} items judged by two or more of {made['annotations']:,} annotations' "
          f"authors and reviewers ({judges:,} judgements, {len(result['cohen_kappa'])} pairs of people); "
          f"{args.other_articles} other articles alike in the database; median of {args.runs} runs")
    for key, label in (("agreement_s", "agreement(db, article_id)"),
                       ("api_s", f"GET /api/articles/{article_id}/agreement"),
                       ("dashboard_s", f"GET /articles/{article_id}/dashboard")):
        print(f"{label}: {figures[key] * 1e3:.1f} ms (target < {TARGET_SECONDS * 1e3:.0f} ms); "
              f"ratio to baseline {figures[key] / base:.1f}x")
    print(f"baseline (the article's claims and their reviews in two bare SQL queries): {base * 1e3:.1f} ms")
    print(f"alpha nominal {result['krippendorff_alpha_nominal']}, ordinal {result['krippendorff_alpha_ordinal']}")
    print(json.dumps({"items": items, "judgements": judges, "target_s": TARGET_SECONDS,
                      **{key: round(value, 4) for key, value in figures.items()},
                      **{key.replace("_s", "_ratio"): round(figures[key] / base, 2)
                         for key in ("agreement_s", "api_s", "dashboard_s")}}))


if __name__ == "__main__":
    main()
