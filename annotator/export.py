"""CSV export of annotations: RFC 4180, UTF-8, safe to open in a spreadsheet."""

import csv
import io
import json
import os
import sys

import click
from flask import Blueprint, Response, current_app

from .articles import get_article
from .auth import login_required
from .cli import command
from .db import MAX_ROW_ID, connect, get_db

bp = Blueprint("export", __name__)

COLUMNS = [
    "annotation_id", "article_id", "article_title", "article_url", "kind", "start", "end",
    "quote", "verdict", "correction_type", "correction", "rationale", "sources", "author",
    "created_at", "updated_at", "prefix", "suffix", "revision", "orphaned",
    "status", "review_count", "agree_count", "disagree_count", "final_verdict",
]

REVIEW_COLUMNS = ["review_id", "annotation_id", "reviewer", "decision", "verdict", "correction", "comment",
                  "created_at", "article_id"]

#: A cell starting with one of these runs as a formula in a spreadsheet (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")

_ANNOTATIONS = """
SELECT a.*, users.username AS author, articles.title AS article_title, articles.url AS article_url,
  (SELECT COUNT(*) FROM reviews r WHERE r.annotation_id = a.id) AS review_count,
  (SELECT COUNT(*) FROM reviews r WHERE r.annotation_id = a.id AND r.decision = 'agree') AS agree_count,
  (SELECT COUNT(*) FROM reviews r WHERE r.annotation_id = a.id AND r.decision = 'disagree') AS disagree_count
FROM annotations a
JOIN users ON users.id = a.author_id
JOIN articles ON articles.id = a.article_id
WHERE a.deleted_at IS NULL {where}
ORDER BY a.article_id, a.start, a."end", a.id
"""

_REVIEWS = """
SELECT r.id AS review_id, r.annotation_id, users.username AS reviewer, r.decision, r.verdict, r.correction,
  r.comment, r.created_at, a.article_id
FROM reviews r
JOIN users ON users.id = r.reviewer_id
JOIN annotations a ON a.id = r.annotation_id
WHERE a.deleted_at IS NULL {where}
ORDER BY a.article_id, r.annotation_id, r.id
"""


def neutralize(value):
    """A cell value a spreadsheet shows as text: a leading ``'`` before a formula trigger."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def final_verdict(row):
    """The verdict that stands: the editor's resolution, else the claim's own
    verdict once accepted, else none yet."""
    if row["final_verdict"]:
        return row["final_verdict"]
    return row["verdict"] if row["status"] == "accepted" else None


def csv_row(row):
    """The CSV cells (list, COLUMNS order) for one annotation row."""
    values = {
        **row,
        "annotation_id": row["id"],
        "quote": row["exact"],
        "sources": " ".join(json.loads(row["sources"])),
        "orphaned": "yes" if row["orphaned"] else "no",
        "final_verdict": final_verdict(row),
    }
    return _cells(values, COLUMNS)


def _cells(values, columns):
    return ["" if values[c] is None else neutralize(values[c]) for c in columns]


def iter_csv(db, article_id=None):
    """Yield the annotations CSV (header first) a row at a time, in constant memory.

    article_id: only that article's annotations when given, else all.
    Line ends are CRLF as RFC 4180 asks.
    """
    return _stream(db, _ANNOTATIONS, COLUMNS, csv_row, article_id)


def iter_reviews_csv(db, article_id=None):
    """Yield the reviews CSV, one review per row (REVIEW_COLUMNS), like iter_csv."""
    return _stream(db, _REVIEWS, REVIEW_COLUMNS, lambda row: _cells(row, REVIEW_COLUMNS), article_id)


def _stream(db, query, columns, to_cells, article_id):
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(columns)
    yield flush()
    where, params = ("AND a.article_id = ?", [article_id]) if article_id is not None else ("", [])
    for row in db.query(query.format(where=where), params):
        writer.writerow(to_cells(row))
        yield flush()


def csv_response(rows, article_id, filename):
    """A streamed download of ``rows(db, article_id)``. It reads through a
    connection of its own, since the request's one is closed before the body
    has been sent."""
    path = current_app.config["DATABASE"]

    def body():
        db = connect(path)
        try:
            yield from rows(db, article_id)
        finally:
            db.close()

    return Response(
        body(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/export.csv")
@login_required
def export_all():
    return csv_response(iter_csv, None, "annotations.csv")


@bp.route("/articles/<id:article_id>/export.csv")
@login_required
def export_article(article_id):
    get_article(get_db(), article_id)
    return csv_response(iter_csv, article_id, f"article-{article_id}-annotations.csv")


@bp.route("/export-reviews.csv")
@login_required
def export_all_reviews():
    return csv_response(iter_reviews_csv, None, "reviews.csv")


@bp.route("/articles/<id:article_id>/export-reviews.csv")
@login_required
def export_article_reviews(article_id):
    get_article(get_db(), article_id)
    return csv_response(iter_reviews_csv, article_id, f"article-{article_id}-reviews.csv")


def write_csv(rows, article_id, output):
    """Write ``rows(db, article_id)`` to the file ``output``, or stdout."""
    db = get_db()
    if article_id is not None:
        get_article(db, article_id)
    # Binary, so rows keep their CRLF ends and UTF-8 whatever the locale; a file
    # is written aside and renamed, so a failed export leaves no partial file.
    try:
        with click.open_file(output or "-", "wb", atomic=bool(output)) as out:
            for chunk in rows(db, article_id):
                out.write(chunk.encode("utf-8"))
    except BrokenPipeError:
        # The reader stopped early (`export-csv | head`): not an error. Point
        # stdout at /dev/null so the final flush at exit stays quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as e:
        raise click.ClickException(f"Cannot write {output or 'to stdout'}: {e.strerror or e}")


_ARTICLE = click.option("--article", "article_id", type=click.IntRange(1, MAX_ROW_ID),
                        help="Only this article's rows.")
_OUTPUT = click.option("--output", type=click.Path(dir_okay=False, writable=True),
                       help="File to write (default: stdout).")


@command("export-csv")
@_ARTICLE
@_OUTPUT
def export_csv_command(article_id, output):
    """Export annotations as CSV (UTF-8, RFC 4180)."""
    write_csv(iter_csv, article_id, output)


@command("export-reviews")
@_ARTICLE
@_OUTPUT
def export_reviews_command(article_id, output):
    """Export reviews as CSV, one review per row (UTF-8, RFC 4180)."""
    write_csv(iter_reviews_csv, article_id, output)


def init_app(app):
    app.register_blueprint(bp)
    app.cli.add_command(export_csv_command)
    app.cli.add_command(export_reviews_command)
