"""Re-anchoring a long generated article: the fast paths (bisection in
PositionMap, inline occurrence checks, writes in bulk) give exactly what the
straightforward code gave."""

import importlib.util
import re
from pathlib import Path

import pytest

from annotator import anchoring
from annotator.anchoring import EXACT, MOVED, Anchor, PositionMap, reanchor
from annotator.articles import create_article, edit_text, get_article
from annotator.auth import create_user
from annotator.db import connect, init_db
from annotator.text import quote_selector

spec = importlib.util.spec_from_file_location("generate", Path(__file__).parent.parent / "bench" / "generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)

ADMIN = {"id": None, "role": "admin"}


def reference_reanchor(new_text, start, end, exact, prefix, suffix, position_map):
    """anchoring.reanchor as first written (linear scans, sliced context),
    plus the later rule that a short quote far from its old place needs all
    of its stored prefix or suffix beside it."""
    for a, b, length in position_map.kept:
        if a <= start and end <= a + length:
            return Anchor(EXACT, b + start - a, b + end - a, 1.0)
    mapped = 0
    for a, b, length in position_map.kept:
        if a > start:
            break
        mapped = b + min(start - a, length)
    needed = 0 if len(exact) >= anchoring.SHORT_QUOTE else min(anchoring.SHORT_QUOTE_CONTEXT, len(prefix) + len(suffix))
    reach = max(anchoring.FUZZY_REACH, anchoring.FUZZY_REACH_QUOTES * len(prefix + exact + suffix))
    near = range(position_map.estimate(start) - reach, position_map.estimate(end) + reach)
    side = anchoring.SHORT_QUOTE_CONTEXT
    best = None
    for m in re.finditer(f"(?={re.escape(exact)})", new_text):
        at = m.start()
        whole_side = ((len(prefix) >= side and new_text[max(0, at - len(prefix)):at] == prefix)
                      or (len(suffix) >= side and new_text[at + len(exact):at + len(exact) + len(suffix)] == suffix))
        if needed and at not in near and not whole_side:
            continue
        before = new_text[at - 1] if at > 0 else ""
        after = new_text[at + len(exact)] if at + len(exact) < len(new_text) else ""
        joins = anchoring._joins
        if (joins(prefix[-1:], exact[:1]) != joins(before, exact[:1])
                or joins(exact[-1:], suffix[:1]) != joins(exact[-1:], after)):
            continue
        score = (common_prefix(new_text[max(0, at - len(prefix)):at][::-1], prefix[::-1])
                 + common_prefix(new_text[at + len(exact):at + len(exact) + len(suffix)], suffix))
        if score >= needed and (best is None or (-score, abs(at - mapped), at) < best):
            best = (-score, abs(at - mapped), at)
    if best is not None:
        return Anchor(MOVED, best[2], best[2] + len(exact), 1.0)
    return anchoring._fuzzy(new_text, exact, prefix, suffix)


def common_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def edited(text, spans):
    """An editor's edit: a word changed in every 7th span, a paragraph added,
    one deleted, one moved."""
    for start, end in sorted(spans[::7], reverse=True):
        word = re.search(r"\w{3,}", text[start:end])
        if word:
            text = text[:start + word.start()] + "revised" + text[start + word.end():]
    paragraphs = text.split("\n\n")
    paragraphs.insert(1, "A paragraph the editor added.")
    del paragraphs[len(paragraphs) // 3]
    paragraphs.append(paragraphs.pop(len(paragraphs) // 2))
    return "\n\n".join(paragraphs)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("bulk") / "generated.sqlite3"
    made = generate.generate(path, seed=3, chars=30_000, annotations=600, authors=4, reviews=300)
    db = connect(path)
    text = get_article(db, made["article_id"])["text"]
    rows = list(db.query('SELECT * FROM annotations ORDER BY start, "end", id'))
    db.close()
    return path, made["article_id"], text, rows


@pytest.mark.parametrize("edit", ["editor", "reversed"])
def test_reanchor_gives_what_the_straightforward_code_gave(generated, edit):
    _, _, text, rows = generated
    new = edited(text, [(r["start"], r["end"]) for r in rows]) if edit == "editor" else "\n\n".join(
        text.split("\n\n")[::-1])
    position_map = PositionMap(text, new)
    outcomes = set()
    for r in rows:
        args = (new, r["start"], r["end"], r["exact"], r["prefix"], r["suffix"], position_map)
        found = reanchor(*args)
        assert found == reference_reanchor(*args), r["id"]
        outcomes.add(found.outcome)
    assert outcomes == {"exact", "moved", "fuzzy", "orphaned"}


def test_edit_text_writes_every_row_in_loop_order(generated, tmp_path):
    path, article_id, text, rows = generated
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(Path(path).read_bytes())
    db = connect(copy)
    db.execute("UPDATE annotations SET status = 'accepted' WHERE id % 3 = 0")  # some fuzzy ones get reopened
    new = edited(text, [(r["start"], r["end"]) for r in rows])
    number, report = edit_text(db, get_article(db, article_id), new, ADMIN)

    position_map = PositionMap(text, new)
    expected = [reference_reanchor(new, r["start"], r["end"], r["exact"], r["prefix"], r["suffix"], position_map)
                for r in rows]
    assert [(e["annotation_id"], e["outcome"], e["start"], e["end"]) for e in report] == [
        (r["id"], found.outcome, found.start, found.end) for r, found in zip(rows, expected)]
    for row in db.query("SELECT * FROM annotations"):
        if row["orphaned"]:
            assert row["revision"] == 1 and text[row["start"]:row["end"]] == row["exact"]
        else:
            assert row["revision"] == number and row["prefix"] + row["exact"] + row["suffix"] == new[
                row["start"] - len(row["prefix"]):row["end"] + len(row["suffix"])]
    assert db["reanchorings"].count == len(rows)
    entries = list(db.query("SELECT annotation_id, action FROM history ORDER BY id"))
    assert [e["annotation_id"] for e in entries if e["action"] == "reanchor"] == [r["id"] for r in rows]
    reopened = [e["annotation_id"] for e in entries if e["action"] == "status"]
    assert reopened and all(
        entries.index({"annotation_id": i, "action": "status"}) + 1
        == entries.index({"annotation_id": i, "action": "reanchor"}) for i in reopened)
    db.close()


def test_two_annotations_landing_on_one_span_orphan_the_second_unless_the_first_is_deleted(tmp_path):
    """Guards the in-memory duplicate check that replaced a query per annotation."""
    paragraph = "The minister said on Tuesday that the plan was backed."
    for deleted in (False, True):
        db = connect(tmp_path / f"dup{deleted}.sqlite3")
        init_db(db)
        author = create_user(db, "alice", "a long enough password")
        text = f"{paragraph}\n\nOther words here.\n\n{paragraph}"
        article_id = create_article(db, "Twice", text)
        quote = "minister said on Tuesday"
        for at in (text.index(quote), text.rindex(quote)):
            selector = quote_selector(text, at, at + len(quote))
            db["annotations"].insert({
                "article_id": article_id, "author_id": author, "kind": "claim", "start": at, "end": at + len(quote),
                "exact": selector["exact"], "prefix": selector["prefix"], "suffix": selector["suffix"],
                "verdict": "true", "rationale": "", "sources": "[]", "revision": 1,
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                "deleted_at": "2026-01-02T00:00:00Z" if deleted and at == text.index(quote) else None})
        _, report = edit_text(db, get_article(db, article_id), f"{paragraph}\n\nOther words here.", ADMIN)
        outcomes = [row["outcome"] for row in db.query("SELECT outcome FROM reanchorings ORDER BY annotation_id")]
        assert outcomes == (["exact", "moved"] if deleted else ["exact", "orphaned"])
        assert len(report) == (1 if deleted else 2)
        db.close()


def test_other_saves_go_through_while_an_edit_anchors(generated, tmp_path, monkeypatch):
    """Regression: an edit held the write lock while it anchored (45 s on a
    long article), so every other save failed with "database is busy".
    A save made meanwhile is not lost: its annotation is anchored too."""
    import sqlite3

    from annotator import annotations

    path, article_id, text, rows = generated
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(Path(path).read_bytes())
    db = connect(copy)
    quote = text[rows[0]["start"]:rows[0]["end"]]
    real = annotations.reanchor
    saved = []

    def reanchor_while_someone_saves(*args):
        if not saved:
            other = sqlite3.connect(copy, timeout=0, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")  # "database is locked" at once if the edit holds the lock
            late = other.execute("INSERT INTO users (username, password_hash, created_at) "
                                 "VALUES ('latecomer', 'x', 't')").lastrowid
            saved.append(other.execute(
                "INSERT INTO annotations (article_id, author_id, kind, start, \"end\", exact, prefix, suffix, "
                "verdict, rationale, sources, revision, created_at, updated_at) "
                "SELECT article_id, ?, kind, start, \"end\", exact, prefix, suffix, verdict, 'later', "
                "sources, revision, created_at, updated_at FROM annotations WHERE id = ?", [late, rows[0]["id"]]).lastrowid)
            other.execute("COMMIT")
            other.close()
        return real(*args)

    monkeypatch.setattr(annotations, "reanchor", reanchor_while_someone_saves)
    new = edited(text, [(r["start"], r["end"]) for r in rows])
    _, report = edit_text(db, get_article(db, article_id), new, ADMIN)
    assert saved and saved[0] in {entry["annotation_id"] for entry in report}
    assert len(report) == len([r for r in rows if not r["deleted_at"]]) + 1
    assert db["annotations"].get(saved[0])["exact"] in (quote, db["annotations"].get(rows[0]["id"])["exact"])
    db.close()
