"""How far fact-checkers agree on claims' verdicts.

An *item* is one span of a current revision (same article, revision, start
and end) that two or more people judged. A person's judgement of it is the
verdict of their own claim on that span, else their latest review of a claim
there: "agree" takes the verdict agreed with, "disagree" their own verdict.

- Cohen's kappa for each pair of people, on the items both judged
  (Cohen 1960: kappa = (p_o - p_e) / (1 - p_e)).
- Krippendorff's alpha over everyone, nominal and ordinal (the verdict
  scale's order), by the ``krippendorff`` package (Krippendorff 2011,
  "Computing Krippendorff's Alpha-Reliability").

A figure that is undefined (no items, or no variation at all) is None.
"""

import math
from collections import Counter
from itertools import combinations

import krippendorff

from .annotations import verdicts


#: The claims that make items: live, anchored, on one article (``{where}``).
_CLAIMS = "a.kind = 'claim' AND a.deleted_at IS NULL AND a.orphaned = 0 {where}"


def judgements(db, article_id=None):
    """{item: {username: verdict}} for items judged by two or more people.

    item: (article_id, revision, start, end). article_id: one article, or None
    for all.
    """
    where, params = ("AND a.article_id = ?", [article_id]) if article_id is not None else ("", [])
    claims = _CLAIMS.format(where=where)
    items = {}
    item_of = {}
    for claim_id, article, revision, start, end, verdict, username in db.execute(
            'SELECT a.id, a.article_id, a.revision, a.start, a."end", a.verdict, users.username '
            f"FROM annotations a JOIN users ON users.id = a.author_id WHERE {claims} ORDER BY a.id", params):
        item = (article, revision, start, end)
        items.setdefault(item, {})[username] = verdict
        item_of[claim_id] = (item, verdict)
    # Only the reviews of those claims: reading every review in the database
    # made one article's figures as slow as the whole newsroom's.
    reviews = db.execute(
        "SELECT r.annotation_id, r.verdict, users.username FROM reviews r "
        "JOIN annotations a ON a.id = r.annotation_id JOIN users ON users.id = r.reviewer_id "
        f"WHERE r.decision IN ('agree', 'disagree') AND {claims} ORDER BY r.id", params)
    authored = {item: set(people) for item, people in items.items()}
    for annotation_id, reviewed_verdict, username in reviews:
        if annotation_id not in item_of:
            continue  # a claim saved between the two queries
        item, claimed = item_of[annotation_id]
        if username in authored[item]:
            continue  # their own claim on the span is their judgement
        # An agreement stores the verdict agreed with (older ones may not: then the claim's).
        items[item][username] = reviewed_verdict or claimed
    return {item: people for item, people in items.items() if len(people) >= 2}


def cohen_kappa(pairs):
    """Cohen's kappa of two raters. pairs: list of (label_a, label_b); None if undefined."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    count_a, count_b = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(rows, level):
    """Krippendorff's alpha. rows: one list per rater of numbers or None
    (missing), all as long as the number of items; level: "nominal" or
    "ordinal". None if undefined."""
    data = [[math.nan if v is None else v for v in row] for row in rows]
    values = {v for row in rows for v in row if v is not None}
    if len(rows) < 2 or len(values) < 2:
        return None
    result = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    return None if math.isnan(result) else float(result)


def agreement(db, article_id=None):
    """The figures for one article (or all): {"items", "krippendorff_alpha_nominal",
    "krippendorff_alpha_ordinal", "cohen_kappa": [{"a", "b", "kappa", "items"}]}."""
    found = judgements(db, article_id)
    position = {v["name"]: v["position"] for v in verdicts(db)}
    people = sorted({p for judged in found.values() for p in judged})
    items = list(found.values())
    rows = [[position.get(judged.get(p)) if p in judged else None for judged in items] for p in people]
    # Each person's verdicts by item index (in item order), so that a pair's
    # common items come from the shorter list, not a pass over every item.
    verdicts_of = {person: {} for person in people}
    for index, judged in enumerate(items):
        for person, verdict in judged.items():
            verdicts_of[person][index] = verdict
    kappas = []
    for a, b in combinations(people, 2):
        of_a, of_b = verdicts_of[a], verdicts_of[b]
        pairs = [(verdict, of_b[index]) for index, verdict in of_a.items() if index in of_b]
        if pairs:
            kappa = cohen_kappa(pairs)
            kappas.append({"a": a, "b": b, "kappa": None if kappa is None else round(kappa, 4), "items": len(pairs)})
    return {
        "items": len(items),
        "krippendorff_alpha_nominal": _rounded(krippendorff_alpha(rows, "nominal")),
        "krippendorff_alpha_ordinal": _rounded(krippendorff_alpha(rows, "ordinal")),
        "cohen_kappa": kappas,
    }


def _rounded(value):
    return None if value is None else round(value, 4)
