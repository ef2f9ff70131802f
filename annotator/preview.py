"""The corrected-text preview: an article's text with its accepted corrections
applied, shown with the changes marked or clean, and as a .txt download.

Computed on each request from the current revision; the stored text never
changes. Which corrections win where they overlap is ``corrections``' rule.
"""

from flask import Blueprint, Response, render_template, request

from .articles import get_article
from .auth import login_required
from .corrections import Change, apply_corrections, changes
from .db import get_db
from .errors import BadRequest

bp = Blueprint("preview", __name__)

#: The two ways the page shows the corrected text.
VIEWS = ("changes", "clean")

_ACCEPTED = """
SELECT a.id, a.start, a."end", a.exact, a.correction, a.correction_type, a.rationale, a.status_note,
       users.username AS author, correction_types.label AS type_label
FROM annotations a
JOIN users ON users.id = a.author_id
JOIN articles ON articles.id = a.article_id
LEFT JOIN correction_types ON correction_types.name = a.correction_type
WHERE a.article_id = ? AND a.kind = 'correction' AND a.status = 'accepted' AND a.deleted_at IS NULL
  AND a.orphaned = 0 AND a.revision = articles.revision
ORDER BY a.start, a."end", a.id
"""


def accepted_corrections(db, article_id):
    """The corrections an editor accepted that still sit on the article's current
    revision (not deleted, not orphaned), in document order: list of rows with
    id, start, end (code points), exact, correction (the replacement), author,
    correction_type and its type_label, rationale, status_note."""
    return list(db.query(_ACCEPTED, [article_id]))


def corrected_article(db, article):
    """The article's text with its accepted corrections applied.

    article: the row from get_article. Returns {"text": the corrected str,
    "pieces": list of str and corrections.Change (whose ``correction`` is the
    row), "applied": list of rows in document order, "skipped": list of
    {"correction": row, "lost_to": row} for those that overlap an applied one}.
    """
    rows = accepted_corrections(db, article["id"])
    text, applied, skipped = apply_corrections(article["text"], [(r["start"], r["end"], r["correction"], r) for r in rows])
    pieces = [p if isinstance(p, str) else Change(p.original, p.replacement, p.correction[3])
              for p in changes(article["text"], applied)]
    return {"text": text, "pieces": pieces, "applied": [item[3] for item in applied],
            "skipped": [{"correction": item[3], "lost_to": winner[3]} for item, winner in skipped]}


@bp.route("/articles/<id:article_id>/corrected")
@login_required
def corrected(article_id):
    """The preview; ``?view=clean`` for the corrected text without the marks."""
    view = request.args.get("view", "changes")
    if view not in VIEWS:
        raise BadRequest(f"view must be one of: {', '.join(VIEWS)}.")
    db = get_db()
    article = get_article(db, article_id)
    return render_template("corrected.html", article=article, view=view, **corrected_article(db, article))


@bp.route("/articles/<id:article_id>/corrected.txt")
@login_required
def corrected_txt(article_id):
    """The corrected text as a UTF-8 plain-text download."""
    db = get_db()
    article = get_article(db, article_id)
    return Response(
        corrected_article(db, article)["text"],
        mimetype="text/plain",  # Flask adds "; charset=utf-8"
        headers={"Content-Disposition": f'attachment; filename="article-{article_id}-corrected.txt"'},
    )
