"""Dashboards: how far the fact-checking of an article (or of everything) has
got, what the verdicts are, and how far fact-checkers agree.

The figures count live annotations only (soft-deleted ones are left out, as
in exports); orphaned ones still count, since their work is not lost.
"""

from flask import Blueprint, render_template

from . import agreement as agreement_model
from .annotations import correction_types, verdicts
from .articles import get_article
from .auth import login_required
from .db import get_db

bp = Blueprint("dashboard", __name__)

#: Statuses in the order the progress bar draws them: decided ones first.
STATUS_ORDER = ("accepted", "rejected", "needs-work", "open")

#: Krippendorff (2004, p. 241): rely on alpha >= .800; draw tentative
#: conclusions from .667 <= alpha < .800; below that, the data are unreliable.
ALPHA_READINGS = ((0.8, "reliable"), (0.667, "tentative"), (None, "low"))

#: Landis & Koch (1977), "The measurement of observer agreement for
#: categorical data", Biometrics 33(1), p. 165.
KAPPA_READINGS = ((0.81, "almost perfect"), (0.61, "substantial"), (0.41, "moderate"),
                  (0.21, "fair"), (0.0, "slight"), (None, "poor"))

# One row per live annotation with the verdict that stands (an editor's final
# verdict, else the claim's own) and whether it has a judging review of what it
# says now (agree or disagree; a comment does not review a verdict). {where}
# narrows it down.
_LIVE = """
SELECT a.id, a.article_id, a.author_id, a.kind, COALESCE(a.final_verdict, a.verdict) AS verdict,
  a.correction_type, a.status, a.orphaned,
  EXISTS (SELECT 1 FROM reviews r WHERE r.annotation_id = a.id AND r.decision IN ('agree', 'disagree')
          AND r.content_version = a.content_version) AS reviewed
FROM annotations a WHERE a.deleted_at IS NULL {where}
"""

_PROGRESS = """
SELECT COUNT(*) AS annotations,
  COUNT(CASE WHEN kind = 'claim' THEN 1 END) AS claims,
  COUNT(CASE WHEN kind = 'correction' THEN 1 END) AS corrections,
  COUNT(CASE WHEN reviewed THEN 1 END) AS reviewed,
  COUNT(CASE WHEN status = 'accepted' THEN 1 END) AS accepted,
  COUNT(CASE WHEN status = 'rejected' THEN 1 END) AS rejected,
  COUNT(CASE WHEN status = 'needs-work' THEN 1 END) AS "needs-work",
  COUNT(CASE WHEN status = 'open' THEN 1 END) AS open,
  COUNT(CASE WHEN orphaned THEN 1 END) AS orphaned
FROM ({live})
"""

# Each person's annotations (and how many were accepted) and the reviews they
# gave on live annotations, as one list of contributions summed per person.
_ANNOTATORS = """
SELECT users.username, SUM(annotation) AS annotations, SUM(accepted) AS accepted, SUM(review) AS reviews
FROM (
  SELECT author_id AS user_id, 1 AS annotation, status = 'accepted' AS accepted, 0 AS review FROM ({live})
  UNION ALL
  SELECT r.reviewer_id, 0, 0, 1 FROM reviews r JOIN ({live}) AS live ON live.id = r.annotation_id
) JOIN users ON users.id = user_id
GROUP BY users.id ORDER BY annotations DESC, reviews DESC, users.username
"""

_ARTICLES = """
SELECT articles.id, articles.title,
  COUNT(live.id) AS annotations,
  COUNT(CASE WHEN live.reviewed THEN 1 END) AS reviewed,
  COUNT(CASE WHEN live.status = 'accepted' THEN 1 END) AS accepted
FROM articles LEFT JOIN ({live}) AS live ON live.article_id = articles.id
GROUP BY articles.id ORDER BY articles.id DESC
"""


def article_stats(db, article_id):
    """The figures for one article; NotFound if there is no such article.

    Returns the dict of ``_stats`` (see there) plus ``"article"``: {id, title}
    and ``"deleted"``: the number of soft-deleted annotations.
    """
    article = get_article(db, article_id)
    stats = _stats(db, "AND a.article_id = ?", [article_id], article_id)
    stats["article"] = {"id": article["id"], "title": article["title"]}
    stats["deleted"] = db["annotations"].count_where("article_id = ? AND deleted_at IS NOT NULL", [article_id])
    return stats


def team_stats(db):
    """The figures over every article: the dict of ``_stats`` plus
    ``"articles"``, newest first: [{id, title, annotations, reviewed, accepted,
    reviewed_pct, accepted_pct}] (percentages of the article's annotations,
    whole numbers, None when it has none)."""
    stats = _stats(db, "", [], None)
    live = _LIVE.format(where="")
    stats["articles"] = [
        {**row, "reviewed_pct": percent(row["reviewed"], row["annotations"]),
         "accepted_pct": percent(row["accepted"], row["annotations"])}
        for row in db.query(_ARTICLES.format(live=live))
    ]
    return stats


def _stats(db, where, params, article_id):
    """The figures for the annotations ``where`` selects (SQL on ``a``):

    - "progress": {annotations, claims, corrections, reviewed (with at least
      one agree or disagree review), accepted, rejected, needs-work, open,
      orphaned}: counts; and "pct": {reviewed, accepted, rejected,
      needs-work, open}: whole-number percentages of the annotations (None
      when there are none).
    - "verdicts": claims per verdict that stands (the editor's final verdict,
      else the claim's own) in the scale's order:
      [{name, label, colour, count, pct}] (pct of all claims, whole number).
    - "correction_types": corrections per type in order: [{name, label, count, pct}].
    - "annotators": [{username, annotations, accepted, reviews}] (reviews they
      gave), busiest first.
    - "agreement": see ``agreement_panel``.
    """
    live = _LIVE.format(where=where)
    progress = dict(next(iter(db.query(_PROGRESS.format(live=live), params))))
    progress["pct"] = {key: percent(progress[key], progress["annotations"]) for key in ("reviewed", *STATUS_ORDER)}
    by_verdict = _counts(db, live, params, "verdict", "claim")
    by_type = _counts(db, live, params, "correction_type", "correction")
    return {
        "progress": progress,
        "verdicts": _distribution(verdicts(db), by_verdict, progress["claims"], ("colour",)),
        "correction_types": _distribution(correction_types(db), by_type, progress["corrections"]),
        "annotators": list(db.query(_ANNOTATORS.format(live=live), params * 2)),
        "agreement": agreement_panel(agreement_model.agreement(db, article_id)),
    }


def _counts(db, live, params, column, kind):
    rows = db.query(f"SELECT {column} AS name, COUNT(*) AS n FROM ({live}) WHERE kind = ? GROUP BY {column}",
                    [*params, kind])
    return {row["name"]: row["n"] for row in rows}


def _distribution(scale, counts, total, extra=()):
    """Every entry of ``scale`` (even unused ones, so charts keep one shape)
    with its count and share of ``total``."""
    return [
        {"name": entry["name"], "label": entry["label"], **{key: entry[key] for key in extra},
         "count": counts.get(entry["name"], 0), "pct": percent(counts.get(entry["name"], 0), total)}
        for entry in scale
    ]


def agreement_panel(figures):
    """``agreement.agreement``'s figures with a reading of each in plain words:
    {"items": int, "alpha": [{"level": "nominal" | "ordinal", "value": float or
    None, "reading": "reliable" | "tentative" | "low" | None}], "kappa": [{"a",
    "b", "kappa", "items", "reading"}]}. A reading is None where the figure is."""
    return {
        "items": figures["items"],
        "alpha": [
            {"level": level, "value": figures[f"krippendorff_alpha_{level}"],
             "reading": reading(figures[f"krippendorff_alpha_{level}"], ALPHA_READINGS)}
            for level in ("nominal", "ordinal")
        ],
        # Landis & Koch's bands are in two decimals (0.61-0.80 substantial), so read a rounded kappa.
        "kappa": [{**pair, "reading": reading(None if pair["kappa"] is None else round(pair["kappa"], 2),
                                              KAPPA_READINGS)}
                  for pair in figures["cohen_kappa"]],
    }


def reading(value, scale):
    """The label of the first (threshold, label) in ``scale`` whose threshold
    ``value`` reaches (a None threshold catches the rest); None for None."""
    if value is None:
        return None
    for threshold, label in scale:
        if threshold is None or value >= threshold:
            return label


def percent(part, whole):
    """``part`` as a whole-number percentage of ``whole``; None when whole is 0."""
    return round(100 * part / whole) if whole else None


@bp.route("/dashboard")
@login_required
def team():
    return render_template("dashboard.html", stats=team_stats(get_db()), article=None, statuses=STATUS_ORDER)


@bp.route("/articles/<id:article_id>/dashboard")
@login_required
def article(article_id):
    stats = article_stats(get_db(), article_id)
    return render_template("dashboard.html", stats=stats, article=stats["article"], statuses=STATUS_ORDER)
