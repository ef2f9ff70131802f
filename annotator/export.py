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
]

#: A cell starting with one of these runs as a formula in a spreadsheet (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")

_QUERY = """
SELECT a.*, users.username AS author, articles.title AS article_title, articles.url AS article_url
FROM annotations a
JOIN users ON users.id = a.author_id
JOIN articles ON articles.id = a.article_id
{where}
ORDER BY a.article_id, a.start, a."end", a.id
"""


def neutralize(value):
    """A cell value a spreadsheet shows as text: a leading ``'`` before a formula trigger."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_row(row):
    """The CSV cells (list, COLUMNS order) for one annotation row."""
    values = {
        **row,
        "annotation_id": row["id"],
        "quote": row["exact"],
        "sources": " ".join(json.loads(row["sources"])),
        "orphaned": "yes" if row["orphaned"] else "no",
    }
    return ["" if values[c] is None else neutralize(values[c]) for c in COLUMNS]


def iter_csv(db, article_id=None):
    """Yield the CSV text (header first) a row at a time, in constant memory.

    article_id: only that article's annotations when given, else all.
    Line ends are CRLF as RFC 4180 asks.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield flush()
    where, params = ("WHERE a.deleted_at IS NULL AND a.article_id = ?", [article_id]) if article_id is not None \
        else ("WHERE a.deleted_at IS NULL", [])
    for row in db.query(_QUERY.format(where=where), params):
        writer.writerow(csv_row(row))
        yield flush()


def csv_response(article_id, filename):
    """A streamed download. It reads through a connection of its own, since
    the request's one is closed before the body has been sent."""
    path = current_app.config["DATABASE"]

    def body():
        db = connect(path)
        try:
            yield from iter_csv(db, article_id)
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
    return csv_response(None, "annotations.csv")


@bp.route("/articles/<id:article_id>/export.csv")
@login_required
def export_article(article_id):
    get_article(get_db(), article_id)
    return csv_response(article_id, f"article-{article_id}-annotations.csv")


@command("export-csv")
@click.option("--article", "article_id", type=click.IntRange(1, MAX_ROW_ID), help="Only this article's annotations.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
def export_csv_command(article_id, output):
    """Export annotations as CSV (UTF-8, RFC 4180)."""
    db = get_db()
    if article_id is not None:
        get_article(db, article_id)
    # Binary, so rows keep their CRLF ends and UTF-8 whatever the locale; a file
    # is written aside and renamed, so a failed export leaves no partial file.
    try:
        with click.open_file(output or "-", "wb", atomic=bool(output)) as out:
            for chunk in iter_csv(db, article_id):
                out.write(chunk.encode("utf-8"))
    except BrokenPipeError:
        # The reader stopped early (`export-csv | head`): not an error. Point
        # stdout at /dev/null so the final flush at exit stays quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as e:
        raise click.ClickException(f"Cannot write {output or 'to stdout'}: {e.strerror or e}")


def init_app(app):
    app.register_blueprint(bp)
    app.cli.add_command(export_csv_command)
