"""An annotation's page with its history as a timeline, and an article's
deleted annotations, each with a Restore button for those allowed to use it.

The history itself is written by ``annotations.record``; this module turns its
entries (whole before/after snapshots) into what changed, field by field.
"""

import json

from flask import Blueprint, flash, g, redirect, render_template, url_for

from . import annotations
from .articles import get_article
from .auth import login_required
from .db import get_db
from .errors import BadRequest, Conflict
from .forms import RestoreForm

bp = Blueprint("history", __name__)

#: Fields of an annotation a person changes, with their names on the page.
#: "position" stands for start and end together.
FIELDS = [
    ("kind", "Kind"), ("exact", "Quote"), ("position", "Position"), ("verdict", "Verdict"),
    ("correction_type", "Error type"), ("correction", "Replacement"), ("rationale", "Rationale"),
    ("sources", "Sources"),
]

#: Free-text fields, shown whole before and after rather than on one line.
LONG_FIELDS = {"exact", "correction", "rationale", "sources", "note", "comment"}

STATUS_FIELDS = [("status", "Status"), ("note", "Note"), ("final_verdict", "Final verdict")]

STATUS_LABELS = {"open": "Open", "accepted": "Accepted", "rejected": "Rejected", "needs-work": "Needs work"}

DECISION_WORDS = {"agree": "agreed", "disagree": "disagreed", "comment": "commented"}


def timeline(db, annotation_id):
    """An annotation's history for people to read, oldest first: list of
    {"id", "action", "user" (None for the system), "created_at", "summary"
    (a few words: "edited", "re-anchored: moved", ...), "changes": [{"field",
    "label", "before", "after", "long"}] (display strings; before is None for
    a value newly set, after is "—" for one cleared), "comment" (a review's
    text, or "")}."""
    names = _labels(db)
    state = None  # the annotation as of the entry being read, to compare a review with
    entries = []
    for entry in annotations.history(db, annotation_id):
        before, after, action = entry["before"], entry["after"], entry["action"]
        item = {key: entry[key] for key in ("id", "action", "user", "created_at")}
        item.update(summary=_SUMMARIES.get(action, action), changes=[], comment="")
        if action in ("create", "edit"):
            item["changes"] = changes(before, after, FIELDS, names)
        elif action == "reanchor":
            item.update(_reanchoring(before, after))
        elif action == "review":
            item.update(_review(state, after, names))
        elif action == "status":
            item["changes"] = changes(before, after, STATUS_FIELDS, names)
        if action in ("create", "edit", "restore") and after:
            state = after
        entries.append(item)
    return entries


_SUMMARIES = {"create": "created it", "edit": "edited it", "delete": "deleted it", "restore": "restored it",
              "status": "set the status"}


def changes(before, after, fields, names):
    """The fields (list of (key, label)) whose values differ between two
    snapshots (dicts, or None for "nothing yet"), as display strings:
    [{"field", "label", "before", "after", "long"}], before None where the
    field was empty. A field missing from a snapshot counts as empty."""
    found = []
    for key, label in fields:
        old = display(key, before, names) if before is not None else None
        new = display(key, after, names)
        if old == "—":
            old = None  # a value newly set: show what it was set to
        if old != new and (old is not None or new != "—"):
            found.append({"field": key, "label": label, "before": old, "after": new, "long": key in LONG_FIELDS})
    return found


def display(key, snapshot, names):
    """One field of a snapshot as people read it: labels for verdicts, types
    and statuses, sources one per line, "—" for nothing."""
    if snapshot is None:
        return "—"
    if key == "position":
        start, end = snapshot.get("start"), snapshot.get("end")
        return "—" if start is None else f"characters {start}–{end}"
    value = snapshot.get(key)
    if key == "sources":
        value = "\n".join(value or [])
    if key == "correction" and value == "" and snapshot.get("kind") == "correction":
        return "(delete the words)"
    if value is None or value == "":
        return "—"
    return names.get(key, {}).get(value, str(value))


def _labels(db):
    verdict_labels = {v["name"]: v["label"] for v in annotations.verdicts(db)}
    return {
        "kind": {"claim": "Claim", "correction": "Correction"},
        "verdict": verdict_labels,
        "final_verdict": verdict_labels,
        "correction_type": {c["name"]: c["label"] for c in annotations.correction_types(db)},
        "status": STATUS_LABELS,
    }


def _reanchoring(before, after):
    """A re-anchoring after an edit of the article's text: where the span went."""
    outcome = after.get("outcome")
    moved = {"revision": before.get("revision"), "start": before.get("start"), "end": before.get("end")}
    landed = {"revision": after.get("revision"), "start": after.get("start"), "end": after.get("end")}
    words = {"exact": "stayed on its words", "moved": "moved with its words", "fuzzy": "found on changed words",
             "orphaned": "lost its words (orphaned)"}
    fields = [("revision", "Revision"), ("position", "Position")]
    return {"summary": f"re-anchored after a text edit: {words.get(outcome, outcome)}",
            "changes": changes(moved, landed, fields, {})}


def _review(state, review, names):
    """A review: who did what, and for a disagreement their verdict or
    replacement set against the annotation's as it then stood."""
    decision = review.get("decision")
    found = {"summary": f"{DECISION_WORDS.get(decision, decision)} (review)", "comment": review.get("comment") or ""}
    if decision == "disagree" and state is not None:
        key = "verdict" if review.get("verdict") is not None else "correction"
        theirs = {**state, key: review.get(key)}
        found["changes"] = changes(state, theirs, [(key, "Their verdict" if key == "verdict" else "Their replacement")],
                                   names)
    return found


@bp.get("/annotations/<id:annotation_id>")
@login_required
def show(annotation_id):
    return _annotation_page(get_db(), annotation_id)


def _annotation_page(db, annotation_id, status=200):
    annotation = annotations.get_annotation(db, annotation_id, include_deleted=True)
    article = get_article(db, annotation["article_id"])
    verdict = next((v for v in annotations.verdicts(db) if v["name"] == annotation["verdict"]), None)
    return render_template(
        "annotation.html", annotation=annotation, article=article, verdict=verdict,
        sources=json.loads(annotation["sources"]), timeline=timeline(db, annotation_id),
        names=_labels(db), form=RestoreForm(back="annotation"),
        can_restore=annotations.can_restore(g.user, annotation),
    ), status


@bp.get("/articles/<id:article_id>/deleted")
@login_required
def deleted(article_id):
    return _deleted_page(get_db(), article_id)


def _deleted_page(db, article_id, status=200):
    article = get_article(db, article_id)
    rows = annotations.list_deleted(db, article_id)
    return render_template(
        "deleted.html", article=article, rows=rows, names=_labels(db), form=RestoreForm(back="deleted"),
        restorable={row["id"] for row in rows if annotations.can_restore(g.user, row)},
    ), status


@bp.post("/annotations/<id:annotation_id>/restore")
@login_required
def restore(annotation_id):
    """Undo a delete, then back to the annotation's page or the article's
    deleted list (the form's ``back``). 403 for someone who may not; a
    Conflict (not deleted, or its span taken again) shows on the page it came from."""
    db = get_db()
    annotation = annotations.get_annotation(db, annotation_id, include_deleted=True)
    form = RestoreForm()
    if not form.validate_on_submit():
        raise BadRequest("The restore form was incomplete; reload the page and try again.")
    try:
        annotations.restore_annotation(db, annotation, g.user)
    except Conflict as e:
        flash(f"Annotation {annotation_id} was not restored: {e.message}", "error")
        if form.back.data == "deleted":
            return _deleted_page(db, annotation["article_id"], e.status)
        return _annotation_page(db, annotation_id, e.status)
    flash(f"Annotation {annotation_id} is restored; it is back on the article.", "info")
    if form.back.data == "deleted":
        return redirect(url_for("history.deleted", article_id=annotation["article_id"]))
    return redirect(url_for("history.show", annotation_id=annotation_id))
