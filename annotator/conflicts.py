"""Conflicts: claims on overlapping words whose verdicts differ, side by side,
and an editor's resolution of each into one final verdict.

A *conflict* is a group of current claims on an article (not deleted, not
orphaned, on the article's current revision) whose spans overlap, taken
transitively: the connected components of the overlap graph, where
``[a, b)`` and ``[c, d)`` overlap when they share a character (``a < d and
c < b``; adjacent spans ``[a, b)``, ``[b, c)`` do not). A group is a conflict
when the verdicts given on it differ. The verdicts given are *judgements*, one
per person per claim: the claim's author's own verdict, and each other
person's latest agree or disagree review of it ("agree" echoes the claim's
verdict, "disagree" gives the reviewer's own; a comment is no judgement).
"""

import json

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from . import review
from .annotations import check_text, verdicts
from .articles import get_article
from .auth import is_editor, login_required
from .db import MAX_ROW_ID, get_db, transaction
from .errors import AppError, BadRequest, Forbidden
from .forms import ResolveConflictForm

bp = Blueprint("conflicts", __name__)

#: What the conflicts page can show.
FILTERS = ("open", "resolved", "all")

#: Code points of article text shown either side of a conflict's words.
CONTEXT_CHARS = 160

#: More claim ids than any conflict could hold is a malformed request.
MAX_CLAIM_IDS = 1_000

_CLAIMS = """
SELECT a.id, a.article_id, a.start, a."end", a.exact, a.verdict, a.rationale, a.sources, a.status,
       a.status_note, a.final_verdict, a.version, users.username AS author
FROM annotations a
JOIN users ON users.id = a.author_id
JOIN articles ON articles.id = a.article_id
WHERE a.article_id = ? AND a.kind = 'claim' AND a.deleted_at IS NULL AND a.orphaned = 0
  AND a.revision = articles.revision
ORDER BY a.start, a."end", a.id
"""

# Each reviewer's latest agree/disagree review of each current claim; a review
# that came later replaces the earlier one, as a person changes their mind.
_REVIEWS = """
SELECT r.annotation_id, r.decision, r.verdict, r.comment, users.username AS reviewer
FROM reviews r JOIN users ON users.id = r.reviewer_id
WHERE r.id IN (
  SELECT MAX(r2.id) FROM reviews r2 JOIN annotations a ON a.id = r2.annotation_id
  WHERE a.article_id = ? AND r2.decision IN ('agree', 'disagree')
  GROUP BY r2.annotation_id, r2.reviewer_id
)
ORDER BY r.id
"""


def find_conflicts(db, article_id):
    """The conflicts on an article, in document order (see the module docstring
    for what makes one). ``article_id`` must exist (use get_article first).

    Each conflict is a dict:

    - ``start``, ``end`` (int code points, end exclusive) and ``quote`` (str):
      the union of the group's spans in the current revision's text;
    - ``claim_ids``: the group's claim ids, ascending (what resolve_conflict takes);
    - ``claims``: list of {id, author, start, end, exact, verdict, rationale,
      sources (list of URLs), status, status_note, final_verdict}, in document order;
    - ``judgements``: list of {claim_id, username, verdict, via ("claim" |
      "review"), decision ("claim" | "agree" | "disagree"), reason (the
      claim's rationale or the review's comment), sources (the claim's, for
      via "claim"; else [])}, claim by claim, the author first;
    - ``verdicts``: the distinct verdicts given, in the scale's order, each
      {name, label, colour, people (usernames, sorted), judgements (list as above)};
    - ``majority``: the verdict most people chose, or None on a tie;
    - ``resolved``: True when every claim has a final verdict and all are the
      same; then ``final_verdict`` (str), ``resolved_by`` (username or None),
      ``resolved_at`` (ISO 8601) and ``note`` (str) from the latest status
      decision on the group; these four are None when unresolved.
    """
    text = get_article(db, article_id)["text"]
    claims = [_claim(row) for row in db.query(_CLAIMS, [article_id])]
    by_id = {c["id"]: c for c in claims}
    reviews = {}
    for r in db.query(_REVIEWS, [article_id]):
        if r["annotation_id"] in by_id:
            reviews.setdefault(r["annotation_id"], []).append(r)
    scale = verdicts(db)
    found = []
    for group in overlapping_groups(claims):
        judged = [j for c in group for j in _judgements(c, reviews.get(c["id"], []))]
        if len({j["verdict"] for j in judged}) > 1:
            found.append(_conflict(db, text, group, judged, scale))
    return found


def overlapping_groups(spans):
    """The connected components of the overlap graph of ``spans`` (dicts or
    rows with ``start`` and ``end``, end exclusive): list of lists, each in
    the order of ``spans`` sorted by start, the groups ordered by start.
    Spans that only touch (``[a, b)`` and ``[b, c)``) are not connected."""
    groups, reach = [], None
    for span in sorted(spans, key=lambda s: (s["start"], s["end"])):
        # Sorted by start, a span joins the current group iff it begins before
        # the furthest end seen in it: that is where the group's words stop.
        if groups and span["start"] < reach:
            groups[-1].append(span)
            reach = max(reach, span["end"])
        else:
            groups.append([span])
            reach = span["end"]
    return groups


def _claim(row):
    return {
        "id": row["id"], "author": row["author"], "start": row["start"], "end": row["end"], "exact": row["exact"],
        "verdict": row["verdict"], "rationale": row["rationale"], "sources": json.loads(row["sources"]),
        "status": row["status"], "status_note": row["status_note"], "final_verdict": row["final_verdict"],
        "version": row["version"],
    }


def _judgements(claim, reviews):
    """The author's judgement of one claim, then its reviewers' (rows of _REVIEWS)."""
    found = [{"claim_id": claim["id"], "username": claim["author"], "verdict": claim["verdict"], "via": "claim",
              "decision": "claim", "reason": claim["rationale"], "sources": claim["sources"]}]
    for r in reviews:
        verdict = r["verdict"] or claim["verdict"]  # an agreement stores the verdict agreed with
        found.append({"claim_id": claim["id"], "username": r["reviewer"], "verdict": verdict, "via": "review",
                      "decision": r["decision"], "reason": r["comment"], "sources": []})
    return found


def _conflict(db, text, group, judged, scale):
    start, end = group[0]["start"], max(c["end"] for c in group)
    columns = []
    for v in scale:
        mine = [j for j in judged if j["verdict"] == v["name"]]
        if mine:
            columns.append({"name": v["name"], "label": v["label"], "colour": v["colour"],
                            "people": sorted({j["username"] for j in mine}, key=str.lower), "judgements": mine})
    most = max(len(c["people"]) for c in columns)
    leaders = [c["name"] for c in columns if len(c["people"]) == most]
    finals = {c["final_verdict"] for c in group}
    resolved = None not in finals and len(finals) == 1
    decision = _latest_status(db, [c["id"] for c in group]) if resolved else {}
    return {
        "start": start, "end": end, "quote": text[start:end],
        "claim_ids": sorted(c["id"] for c in group),
        "claims": group,
        "judgements": judged,
        "verdicts": columns,
        "majority": leaders[0] if len(leaders) == 1 else None,
        "resolved": resolved,
        "final_verdict": finals.pop() if resolved else None,
        "resolved_by": decision.get("user"),
        "resolved_at": decision.get("created_at"),
        "note": decision.get("note"),
    }


def _latest_status(db, claim_ids):
    """Who made the latest status decision on any of these claims, when, and its note."""
    marks = ", ".join("?" for _ in claim_ids)
    rows = list(db.query(
        "SELECT users.username AS user, history.created_at, history.after FROM history "
        f"LEFT JOIN users ON users.id = history.user_id WHERE history.annotation_id IN ({marks}) "
        "AND history.action = 'status' ORDER BY history.id DESC LIMIT 1", claim_ids))
    if not rows:
        return {}
    after = json.loads(rows[0]["after"] or "{}")
    return {"user": rows[0]["user"], "created_at": rows[0]["created_at"], "note": after.get("note", "")}


def resolve_conflict(db, claim_ids, final_verdict, note, user, article_id=None, versions=None):
    """Settle a conflict: every claim in it becomes accepted with ``final_verdict``
    and ``note``, in one transaction, each change in the claim's history.

    claim_ids: list of int, exactly the ``claim_ids`` of one of
    find_conflicts' conflicts (a resolved one may be resolved again);
    final_verdict: a verdict name from the scale; note: str (may be empty);
    user: the editor's row; article_id: if given, the claims must be on it;
    versions: if given, {claim id: the version the editor saw} for every
    claim. Returns the conflict as find_conflicts now shows it. Raises
    Forbidden unless ``user`` is an editor or admin, BadRequest when the ids
    are not one current conflict (someone may have changed the claims since
    the page was loaded) or the verdict or note is unusable, Conflict when a
    claim's version is not the one seen (another editor decided meanwhile).
    On any error nothing changes.
    """
    if not is_editor(user):
        raise Forbidden("Only editors and admins resolve conflicts.")
    ids = _checked_ids(claim_ids)
    names = [v["name"] for v in verdicts(db)]
    if final_verdict not in names:
        raise BadRequest(f"final_verdict must be one of: {', '.join(names)}.")
    note = check_text(note, "note").strip()
    with transaction(db):
        # Read under the write lock, so the group cannot change between the check and the writes.
        article = _article_of(db, ids, article_id)
        conflict = _conflict_of(db, article, ids)
        data = {"status": "accepted", "note": note, "final_verdict": final_verdict}
        for claim in _claim_rows(db, ids):
            if versions is not None:
                review.check_version(claim, _version_seen(versions, claim["id"]))
            status, checked_note, final = review.check_status(db, claim, user, data)
            review.write_status(db, claim, user, status, checked_note, final)
        return _conflict_of(db, article, conflict["claim_ids"])


def _version_seen(versions, claim_id):
    if not isinstance(versions, dict) or not isinstance(versions.get(str(claim_id), versions.get(claim_id)), int):
        raise BadRequest("versions must give the version you saw of every claim: {\"3\": 2, ...}.")
    return versions.get(str(claim_id), versions.get(claim_id))


def _checked_ids(claim_ids):
    if (not isinstance(claim_ids, list) or not claim_ids or len(claim_ids) > MAX_CLAIM_IDS
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ROW_ID for i in claim_ids)):
        raise BadRequest("claim_ids must be the list of the conflict's claim ids (whole numbers).")
    if len(set(claim_ids)) != len(claim_ids):
        raise BadRequest("claim_ids lists a claim twice.")
    return sorted(claim_ids)


def _claim_rows(db, ids):
    marks = ", ".join("?" for _ in ids)
    return list(db.query(f"SELECT * FROM annotations WHERE id IN ({marks}) ORDER BY id", ids))


def _article_of(db, ids, article_id):
    """The one article the claims are on; BadRequest if any is not a current claim."""
    rows = list(db.query(
        f"""SELECT a.id, a.article_id FROM annotations a JOIN articles ON articles.id = a.article_id
            WHERE a.id IN ({", ".join("?" for _ in ids)}) AND a.kind = 'claim' AND a.deleted_at IS NULL
            AND a.orphaned = 0 AND a.revision = articles.revision""", ids))
    missing = sorted(set(ids) - {r["id"] for r in rows})
    if missing:
        raise BadRequest(f"Not current claims: {', '.join(map(str, missing))} (deleted, orphaned, "
                         "corrections or never made). Reload the conflicts to see them as they are.")
    articles = {r["article_id"] for r in rows}
    if len(articles) > 1:
        raise BadRequest("These claims are on different articles, so they are no one conflict.")
    found = articles.pop()
    if article_id is not None and found != article_id:
        raise BadRequest(f"These claims are not on article {article_id}.")
    return found


def _conflict_of(db, article_id, ids):
    for conflict in find_conflicts(db, article_id):
        if conflict["claim_ids"] == ids:
            return conflict
    raise BadRequest("These claims are not one conflict as it stands now (a claim or review was added, changed "
                     "or removed since, or the verdicts agree). Reload the conflicts and resolve it again.")


def in_context(text, start, end, size=CONTEXT_CHARS):
    """``text[start:end]`` with up to ``size`` code points of its paragraph on
    either side, cut at a word boundary: {before, quote, after, more_before,
    more_after} (the last two True where the paragraph goes on)."""
    lo, hi = max(0, start - size), min(len(text), end + size)
    before, after = text[lo:start], text[end:hi]
    more_before = more_after = False
    if "\n\n" in before:
        before = before.rsplit("\n\n", 1)[1]
    elif lo > 0:
        more_before = True
        before = before.split(" ", 1)[1] if " " in before else before  # no half word
    if "\n\n" in after:
        after = after.split("\n\n", 1)[0]
    elif hi < len(text):
        more_after = True
        after = after.rsplit(" ", 1)[0] if " " in after else after
    return {"before": before, "quote": text[start:end], "after": after,
            "more_before": more_before, "more_after": more_after}


# ---------------------------------------------------------------- the page


@bp.route("/articles/<id:article_id>/conflicts", methods=["GET", "POST"])
@login_required
def page(article_id):
    """The conflicts of an article; editors resolve them here (POST)."""
    db = get_db()
    article = get_article(db, article_id)
    show = request.args.get("show", "open")
    if show not in FILTERS:
        raise BadRequest(f"show must be one of: {', '.join(FILTERS)}.")
    form = ResolveConflictForm()
    form.final_verdict.choices = [(v["name"], v["label"]) for v in verdicts(db)]
    refused, failed = False, None  # failed: the key of the conflict whose form came back with errors
    if request.method == "POST":
        if not is_editor(g.user):
            raise Forbidden("Only editors and admins resolve conflicts.")
        if form.validate_on_submit():
            try:
                resolved = resolve_conflict(db, form.ids(), form.final_verdict.data, form.note.data, g.user,
                                            article_id=article_id, versions=form.versions())
            except AppError as e:
                form.form_errors.append(e.message)
            else:
                flash(_resolved_message(db, resolved), "info")
                return redirect(url_for("conflicts.page", article_id=article_id, show=show))
        refused, failed = True, form.claim_ids.data
    context = _page_context(db, article, show, form, refused, failed)
    return render_template("conflicts.html", **context), 400 if refused else 200


def _page_context(db, article, show, form, refused, failed):
    found = find_conflicts(db, article["id"])
    counts = {"open": sum(not c["resolved"] for c in found), "resolved": sum(c["resolved"] for c in found),
              "all": len(found)}
    shown = [c for c in found if show == "all" or c["resolved"] == (show == "resolved")]
    for conflict in shown:
        conflict["context"] = in_context(article["text"], conflict["start"], conflict["end"])
        conflict["key"] = ",".join(map(str, conflict["claim_ids"]))
        conflict["claim_by_id"] = {claim["id"]: claim for claim in conflict["claims"]}
    return {"article": article, "conflicts": shown, "counts": counts, "show": show, "filters": FILTERS,
            "scale": verdicts(db), "form": form, "refused": refused, "failed": failed,
            "can_resolve": is_editor(g.user)}


def _resolved_message(db, conflict):
    label = {v["name"]: v["label"] for v in verdicts(db)}[conflict["final_verdict"]]
    quote = conflict["quote"] if len(conflict["quote"]) <= 60 else conflict["quote"][:59] + "…"
    count = len(conflict["claim_ids"])
    return f"Resolved “{quote}” as {label}: {count} claim{'s' if count != 1 else ''} accepted."
