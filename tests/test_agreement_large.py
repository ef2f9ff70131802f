"""Agreement on generated data: the figures of the fast ``agreement`` (the
article's reviews only, pairs from each person's own items) are exactly
those of the straightforward code it replaced."""

import importlib.util
import random
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from annotator import agreement as model
from annotator.articles import create_article
from annotator.db import connect, now, transaction

spec = importlib.util.spec_from_file_location("generate", Path(__file__).parent.parent / "bench" / "generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


def reference_judgements(db, article_id=None):
    """``agreement.judgements`` as first written: every review in the database read."""
    where, params = ("AND a.article_id = ?", [article_id]) if article_id is not None else ("", [])
    items, item_of = {}, {}
    for c in db.query(
            "SELECT a.id, a.article_id, a.revision, a.start, a.\"end\", a.verdict, users.username "
            "FROM annotations a JOIN users ON users.id = a.author_id "
            f"WHERE a.kind = 'claim' AND a.deleted_at IS NULL AND a.orphaned = 0 {where} ORDER BY a.id", params):
        item = (c["article_id"], c["revision"], c["start"], c["end"])
        items.setdefault(item, {})[c["username"]] = c["verdict"]
        item_of[c["id"]] = (item, c["verdict"])
    authored = {item: set(people) for item, people in items.items()}
    for r in db.query("SELECT r.annotation_id, r.decision, r.verdict, users.username FROM reviews r "
                      "JOIN users ON users.id = r.reviewer_id WHERE r.decision IN ('agree', 'disagree') ORDER BY r.id"):
        if r["annotation_id"] not in item_of:
            continue
        item, claimed = item_of[r["annotation_id"]]
        if r["username"] not in authored[item]:
            items[item][r["username"]] = r["verdict"] or claimed
    return {item: people for item, people in items.items() if len(people) >= 2}


def reference_agreement(db, article_id=None):
    """``agreement.agreement`` as first written: each pair scans every item."""
    found = reference_judgements(db, article_id)
    position = {v["name"]: v["position"] for v in db.query("SELECT * FROM verdicts ORDER BY position")}
    people = sorted({p for judged in found.values() for p in judged})
    items = list(found.values())
    rows = [[position.get(judged.get(p)) if p in judged else None for judged in items] for p in people]
    kappas = []
    for a, b in combinations(people, 2):
        pairs = [(judged[a], judged[b]) for judged in items if a in judged and b in judged]
        if pairs:
            kappa = model.cohen_kappa(pairs)
            kappas.append({"a": a, "b": b, "kappa": None if kappa is None else round(kappa, 4), "items": len(pairs)})
    alpha = {level: model.krippendorff_alpha(rows, level) for level in ("nominal", "ordinal")}
    return {"items": len(items),
            "krippendorff_alpha_nominal": None if alpha["nominal"] is None else round(alpha["nominal"], 4),
            "krippendorff_alpha_ordinal": None if alpha["ordinal"] is None else round(alpha["ordinal"], 4),
            "cohen_kappa": kappas}


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    """Two generated articles; some claims deleted or orphaned, some reviews
    comments or without a verdict, so that every rule of ``judgements`` applies."""
    path = tmp_path_factory.mktemp("agreement") / "newsroom.sqlite3"
    made = generate.generate(path, seed=5, chars=20_000, annotations=900, authors=6, reviews=1_500)
    db = connect(path)
    rng = random.Random(5)
    authors = [row["id"] for row in db.query("SELECT id FROM users ORDER BY id")]
    text = generate.article_text(rng, 20_000)
    other = create_article(db, "Another article", text)
    with transaction(db):
        db["annotations"].insert_all(generate.annotation_rows(rng, text, other, authors, 600, now()))
        claims = list(db.query("SELECT id, author_id, verdict FROM annotations WHERE article_id = ? "
                               "AND kind = 'claim' ORDER BY id", [other]))
        db["reviews"].insert_all(generate.review_rows(rng, claims, authors, 1_000, now()))
        db.execute("UPDATE annotations SET deleted_at = ? WHERE id % 17 = 0", [now()])
        db.execute("UPDATE annotations SET orphaned = 1 WHERE id % 19 = 0")
        db.execute("UPDATE reviews SET decision = 'comment' WHERE id % 13 = 0")
        db.execute("UPDATE reviews SET verdict = NULL WHERE decision = 'agree' AND id % 11 = 0")
    yield db, made["article_id"], other
    db.close()


@pytest.mark.parametrize("which", ["first", "second", "all"])
def test_agreement_gives_what_the_straightforward_code_gave(newsroom, which):
    db, first, second = newsroom
    article_id = {"first": first, "second": second, "all": None}[which]
    assert model.judgements(db, article_id) == reference_judgements(db, article_id)
    figures = model.agreement(db, article_id)
    assert figures == reference_agreement(db, article_id)
    assert figures["items"] > 100 and len(figures["cohen_kappa"]) == 15
    assert Counter(type(k["kappa"]) for k in figures["cohen_kappa"]) == {float: 15}
