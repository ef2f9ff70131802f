"""Reproducible benchmark data: a long article and thousands of annotations.

Run: python bench/generate.py DATABASE [--seed 1] [--chars 200000]
         [--annotations 5000] [--authors 10] [--reviews 5000]

The same seed always gives the same database. The article is random words
(with some emoji, an astral character, and right-to-left Arabic and Hebrew
words) in paragraphs separated by blank lines, canonical like any imported
text. Annotations are word-aligned spans of 1 to 12 words by ``authors``
people (claims with a verdict, corrections with a type and replacement);
about a third of the claims share their span with another author's claim, as
happens when a team checks the same article. Reviews (agree or disagree,
never by the author) are spread over the claims.

Rows are inserted in bulk inside one transaction: the app's own checks are
under test elsewhere, not here. Every span still satisfies
text[start:end] == exact (``generate`` asserts it).
"""

import argparse
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator.articles import create_article  # noqa: E402
from annotator.auth import create_user  # noqa: E402
from annotator.db import connect, init_db, now, transaction  # noqa: E402
from annotator.text import canonicalize, quote_selector  # noqa: E402

WORDS = ("the minister said on Tuesday that per cent of voters backed plan while critics in capital called "
         "figure misleading and asked for survey data government spending rose by billion last year according "
         "to official statistics office report economy growth inflation unemployment fell café naïve résumé "
         "Zürich São Paulo Łódź").split()
EXOTIC = ["👍", "🇻🇪", "😀", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "مرحبا", "العالم", "שלום", "עולם", "72", "3.5%", "«quoted»", "—"]
VERDICTS = ["true", "mostly-true", "mixed", "mostly-false", "false", "misleading", "unverifiable"]
CORRECTION_TYPES = ["typo", "spelling", "grammar", "punctuation", "duplication", "style", "fact"]
PASSWORD = "benchmark-password"


def article_text(rng, chars):
    """Canonical text of about ``chars`` code points (never fewer)."""
    paragraphs, size = [], 0
    while size < chars:
        words = [rng.choice(EXOTIC) if rng.random() < 0.04 else rng.choice(WORDS)
                 for _ in range(rng.randint(40, 120))]
        paragraph = " ".join(words).capitalize() + "."
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return canonicalize("\n\n".join(paragraphs))


def spans(rng, text, count):
    """``count`` distinct word-aligned (start, end) spans of 1 to 12 words."""
    words = [m.span() for m in re.finditer(r"\S+", text)]
    found = set()
    while len(found) < count:
        first = rng.randrange(len(words))
        last = min(len(words) - 1, first + rng.randint(0, 11))
        found.add((words[first][0], words[last][1]))
    return sorted(found)


def annotation_rows(rng, text, article_id, authors, count, stamp):
    """``count`` annotation rows; about a third of the claims repeat another
    claim's span under a different author (so agreement has items)."""
    rows, taken = [], set()
    distinct = spans(rng, text, count)
    for i, (start, end) in enumerate(distinct[:count]):
        author = authors[i % len(authors)]
        if rng.random() < 0.3 and rows and rows[-1]["kind"] == "claim":
            start, end = rows[-1]["start"], rows[-1]["end"]  # a teammate claims the same span
            author = authors[(authors.index(rows[-1]["author_id"]) + 1) % len(authors)]
        if (author, start, end) in taken:
            start, end = distinct[i]
        taken.add((author, start, end))
        kind = "correction" if rng.random() < 0.25 else "claim"
        selector = quote_selector(text, start, end)
        rows.append({
            "article_id": article_id, "author_id": author, "kind": kind, "start": start, "end": end,
            "exact": selector["exact"], "prefix": selector["prefix"], "suffix": selector["suffix"],
            "verdict": rng.choice(VERDICTS) if kind == "claim" else None,
            "correction_type": rng.choice(CORRECTION_TYPES) if kind == "correction" else None,
            "correction": selector["exact"][::-1] if kind == "correction" else None,
            "rationale": f"Checked against the statistics office, table {rng.randint(1, 99)}.",
            "sources": '["https://example.org/source"]', "revision": 1, "orphaned": 0,
            "created_at": stamp, "updated_at": stamp,
        })
    return rows


def review_rows(rng, claims, authors, count, stamp):
    """``count`` agree/disagree reviews of ``claims`` (dicts with id, author_id,
    verdict) by people other than each claim's author."""
    rows = []
    for i in range(count):
        claim = claims[i % len(claims)]
        reviewer = rng.choice([a for a in authors if a != claim["author_id"]])
        agree = rng.random() < 0.7
        rows.append({"annotation_id": claim["id"], "reviewer_id": reviewer,
                     "decision": "agree" if agree else "disagree",
                     "verdict": claim["verdict"] if agree else rng.choice(VERDICTS),
                     "comment": "" if agree else "The source says otherwise.", "created_at": stamp})
    return rows


def generate(path, seed=1, chars=200_000, annotations=5_000, authors=10, reviews=5_000):
    """Build the database at ``path`` (a new file); returns {"article_id",
    "chars", "annotations", "reviews", "usernames", "password"}."""
    rng = random.Random(seed)
    db = connect(path)
    init_db(db)
    usernames = [f"checker{i + 1}" for i in range(authors)]
    author_ids = [create_user(db, name, PASSWORD) for name in usernames]
    text = article_text(rng, chars)
    article_id = create_article(db, f"Benchmark article (seed {seed})", text, "https://example.org/bench")
    stamp = now()
    rows = annotation_rows(rng, text, article_id, author_ids, annotations, stamp)
    assert all(text[r["start"]:r["end"]] == r["exact"] for r in rows)
    with transaction(db):
        db["annotations"].insert_all(rows, batch_size=1_000)
        claims = list(db.query("SELECT id, author_id, verdict FROM annotations WHERE article_id = ? "
                               "AND kind = 'claim' ORDER BY id", [article_id]))
        if reviews and claims:
            db["reviews"].insert_all(review_rows(rng, claims, author_ids, reviews, stamp), batch_size=1_000)
    db.close()
    return {"article_id": article_id, "chars": len(text), "annotations": len(rows), "reviews": reviews,
            "usernames": usernames, "password": PASSWORD}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", type=Path, help="a new SQLite file to create")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chars", type=int, default=200_000)
    parser.add_argument("--annotations", type=int, default=5_000)
    parser.add_argument("--authors", type=int, default=10)
    parser.add_argument("--reviews", type=int, default=5_000)
    args = parser.parse_args()
    if args.database.exists():
        sys.exit(f"{args.database} exists: give a new file")
    made = generate(args.database, args.seed, args.chars, args.annotations, args.authors, args.reviews)
    print(f"{args.database}: article {made['article_id']}, {made['chars']:,} characters, "
          f"{made['annotations']:,} annotations by {args.authors} people "
          f"({', '.join(made['usernames'][:2])}, ...; password {PASSWORD!r}), {made['reviews']:,} reviews")


if __name__ == "__main__":
    main()
