"""The review queue: teammates' annotations a reviewer has still to judge,
with facet counts for its filters, and the keyboard-driven page that works
through it (reviews themselves go through ``review.add_review`` via the API).
"""

from flask import Blueprint, g, render_template, request

from . import annotations
from .auth import login_required
from .db import MAX_ROW_ID, get_db
from .errors import BadRequest
from .forms import QueueFilterForm
from .review import STATUSES

bp = Blueprint("queue", __name__)

#: The facets a queue can be filtered by, in the order the page shows them.
FACETS = ("article", "author", "kind", "verdict", "status")

KIND_LABELS = {"claim": "Claim", "correction": "Correction"}
STATUS_LABELS = {"open": "Open", "accepted": "Accepted", "rejected": "Rejected", "needs-work": "Needs work"}

#: Most items one answer carries; ``total`` still counts them all. Each review
#: refetches the queue, so the next ones move up as these are done.
QUEUE_LIMIT = 200

# Everything the reviewer may still judge, before any filter. Only an agree
# or a disagree takes an annotation out of the queue: a comment is a question
# or a remark, not a judgement, so the annotation stays to be judged.
_QUEUE = """
WITH queue AS (
  SELECT a.id, a.article_id, articles.title AS article_title, users.username AS author,
         a.kind, a.verdict, a.status, a.start, a."end"
  FROM annotations a
  JOIN users ON users.id = a.author_id
  JOIN articles ON articles.id = a.article_id
  WHERE a.deleted_at IS NULL AND a.author_id != :reviewer
    AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.annotation_id = a.id AND r.reviewer_id = :reviewer
                    AND r.decision IN ('agree', 'disagree') AND r.content_version = a.content_version)
)
"""

_ITEMS = _QUEUE + """
SELECT a.*, queue.author, queue.article_title,
  (SELECT COUNT(*) FROM reviews WHERE reviews.annotation_id = a.id) AS review_count,
  (SELECT COUNT(*) FROM reviews WHERE reviews.annotation_id = a.id AND decision = 'agree') AS agree_count,
  (SELECT COUNT(*) FROM reviews WHERE reviews.annotation_id = a.id AND decision = 'disagree') AS disagree_count
FROM queue JOIN annotations a ON a.id = queue.id
WHERE {where}
ORDER BY queue.article_id, queue.start, queue."end", queue.id
LIMIT :limit
"""

# The column each facet filters on, and what its counts are grouped by.
_COLUMNS = {"article": "article_id", "author": "author", "kind": "kind", "verdict": "verdict", "status": "status"}

# One statement for every facet's counts and the total: each facet is counted
# with the *other* filters applied, so a count says how many items choosing
# that value would show.
_FACET = "SELECT '{facet}' AS facet, {column} AS value, {label} AS label, COUNT(*) AS count " \
         "FROM queue WHERE {where} AND {column} IS NOT NULL GROUP BY {column}"
_TOTAL = "SELECT 'total' AS facet, NULL AS value, NULL AS label, COUNT(*) AS count FROM queue WHERE {where}"


def parse_filters(db, args):
    """Queue filters from a query string (any mapping of str -> str).

    Keys: ``article`` (an article id), ``author`` (a username, any case),
    ``kind`` (claim | correction), ``verdict`` (a verdict name), ``status``
    (open | accepted | rejected | needs-work); missing or empty means any.
    Returns {facet: value or None} with the article as an int and the author
    as spelled in the users table. Raises BadRequest naming the bad value and
    what to use instead; other keys are ignored.
    """
    raw = {facet: (args.get(facet) or "").strip() or None for facet in FACETS}
    filters = dict(raw)
    if raw["article"] is not None:
        filters["article"] = _article_id(db, raw["article"])
    if raw["author"] is not None:
        rows = list(db.query("SELECT username FROM users WHERE username = ?", [raw["author"]]))
        if not rows:
            raise BadRequest(f"There is no user named “{raw['author']}”; leave author empty for everyone.")
        filters["author"] = rows[0]["username"]
    if raw["kind"] is not None and raw["kind"] not in annotations.KINDS:
        raise BadRequest(f"kind must be claim or correction, not “{raw['kind']}”.")
    names = [v["name"] for v in annotations.verdicts(db)]
    if raw["verdict"] is not None and raw["verdict"] not in names:
        raise BadRequest(f"verdict must be one of: {', '.join(names)} (not “{raw['verdict']}”).")
    if raw["status"] is not None and raw["status"] not in STATUSES:
        raise BadRequest(f"status must be one of: {', '.join(STATUSES)} (not “{raw['status']}”).")
    return filters


def _article_id(db, value):
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_ROW_ID:
        raise BadRequest(f"article must be an article's id, a whole number, not “{value}”.")
    if not db["articles"].count_where("id = ?", [int(value)]):
        raise BadRequest(f"There is no article {value}; leave article empty for all articles.")
    return int(value)


def review_queue(db, reviewer, filters, limit=QUEUE_LIMIT):
    """What ``reviewer`` (a user row) has still to review, filtered.

    The queue holds annotations that are not deleted, not the reviewer's own,
    and that the reviewer has not yet agreed or disagreed with as it stands (a
    comment alone leaves an annotation in the queue, and so does an edit of it
    after the review). ``filters`` comes from
    ``parse_filters``. Items are in document order, article by article, at
    most ``limit`` of them.

    Returns {"items": [annotation rows with ``article_title``, review counts],
    "counts": {facet: [{"value", "label", "count"}]}, "total": int (all items
    matching, beyond ``limit`` too)}. Counts for a facet apply every other
    filter. Kinds, verdicts (in scale order) and statuses list every value,
    0 included; articles and authors list those with items, plus the chosen
    one.
    """
    params = {"reviewer": reviewer["id"], "limit": limit, **{f"f_{k}": v for k, v in filters.items()}}
    items = list(db.query(_ITEMS.format(where=_where(filters)), params))
    facet_rows = list(db.query(_QUEUE + "\nUNION ALL\n".join(
        [_FACET.format(facet=facet, column=_COLUMNS[facet], where=_where(filters, leave_out=facet),
                       label="MAX(article_title)" if facet == "article" else "NULL")
         for facet in FACETS] + [_TOTAL.format(where=_where(filters))]
    ), params))
    total = next(r["count"] for r in facet_rows if r["facet"] == "total")
    return {"items": items, "counts": _counts(db, facet_rows, filters), "total": total}


def _where(filters, leave_out=None):
    """The SQL condition for the chosen filters, with named parameters ``:f_<facet>``."""
    conditions = [f"queue.{_COLUMNS[facet]} = :f_{facet}" for facet, value in filters.items()
                  if value is not None and facet != leave_out]
    return " AND ".join(conditions) or "1"


def _counts(db, facet_rows, filters):
    found = {facet: {} for facet in FACETS}
    for row in facet_rows:
        if row["facet"] in found:
            found[row["facet"]][row["value"]] = row
    counts = {
        "kind": [_count(name, label, found["kind"]) for name, label in KIND_LABELS.items()],
        "verdict": [_count(v["name"], v["label"], found["verdict"]) for v in annotations.verdicts(db)],
        "status": [_count(name, STATUS_LABELS[name], found["status"]) for name in STATUSES],
        "article": sorted((_count(value, row["label"], found["article"]) for value, row in found["article"].items()),
                          key=lambda c: c["value"]),
        "author": sorted((_count(value, value, found["author"]) for value in found["author"]),
                         key=lambda c: c["label"].casefold()),
    }
    # The chosen article or author stays offered (with 0) once its items are done.
    if filters["article"] is not None and filters["article"] not in found["article"]:
        title = db.execute("SELECT title FROM articles WHERE id = ?", [filters["article"]]).fetchone()[0]
        counts["article"].append(_count(filters["article"], title, {}))
    if filters["author"] is not None and filters["author"] not in found["author"]:
        counts["author"].append(_count(filters["author"], filters["author"], {}))
    return counts


def _count(value, label, found):
    return {"value": value, "label": label, "count": found[value]["count"] if value in found else 0}


def item_json(row):
    """The API shape of a queue item: the annotation's (``annotations.to_json``)
    plus ``article_title``."""
    return {**annotations.to_json(row), "article_title": row["article_title"]}


def to_json(queue):
    """The API shape of ``review_queue``'s answer."""
    return {"items": [item_json(row) for row in queue["items"]], "counts": queue["counts"], "total": queue["total"]}


@bp.route("/review")
@login_required
def index():
    """The queue page: filters (a GET form), the list and the current item;
    static/js/queue.js draws the list and sends reviews through the API."""
    db = get_db()
    filters = parse_filters(db, request.args)
    queue = to_json(review_queue(db, g.user, filters))
    form = QueueFilterForm(formdata=request.args)
    for facet in FACETS:
        getattr(form, facet).choices = [("", "Any")] + [
            (str(c["value"]), f"{c['label']} ({c['count']})") for c in queue["counts"][facet]]
    page = {
        "user": {"id": g.user["id"], "username": g.user["username"]},
        "filters": filters,
        "queue": queue,
        "verdicts": [{k: v[k] for k in ("name", "label", "colour")} for v in annotations.verdicts(db)],
        "correction_types": [{k: c[k] for k in ("name", "label")} for c in annotations.correction_types(db)],
        "kinds": KIND_LABELS,
        "statuses": STATUS_LABELS,
    }
    filtered = any(value is not None for value in filters.values())
    return render_template("queue.html", form=form, page=page, filtered=filtered)
