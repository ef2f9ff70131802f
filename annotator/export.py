"""CSV export of annotations: RFC 4180, UTF-8, safe to open in a spreadsheet."""

import csv
import datetime
import io
import json
import os
import sys

import click
from flask import Blueprint, Response, current_app, request

from .annotations import KINDS, verdicts
from .articles import get_article
from .auth import login_required
from .cli import command
from .db import MAX_ROW_ID, connect, get_db
from .errors import BadRequest
from .review import STATUSES

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
#: The escape put before a trigger; a cell that starts with it gets one too, so
#: that ``restore`` can take exactly one away again.
ESCAPE = "'"

#: Excel reads UTF-8 only when the file starts with a byte order mark.
BOM = "\ufeff"

#: What an export can be narrowed to: query parameters and CLI options alike.
FILTERS = ("author", "kind", "verdict", "status", "since", "until")

_ANNOTATIONS = """
SELECT a.*, author.username AS author, articles.title AS article_title, articles.url AS article_url,
  (SELECT COUNT(*) FROM reviews r WHERE r.annotation_id = a.id) AS review_count,
  (SELECT COUNT(*) FROM reviews r WHERE r.annotation_id = a.id AND r.decision = 'agree') AS agree_count,
  (SELECT COUNT(*) FROM reviews r WHERE r.annotation_id = a.id AND r.decision = 'disagree') AS disagree_count
FROM annotations a
JOIN users author ON author.id = a.author_id
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
JOIN users author ON author.id = a.author_id
WHERE a.deleted_at IS NULL {where}
ORDER BY a.article_id, r.annotation_id, r.id
"""


def neutralize(value):
    """A cell value a spreadsheet shows as text: a leading ``'`` before a
    formula trigger (OWASP "CSV Injection"), and before a leading ``'`` too, so
    that ``restore`` undoes it exactly. Non-strings pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS + (ESCAPE,)):
        return ESCAPE + value
    return value


def restore(cell):
    """The value ``neutralize`` was given, from the cell it wrote (a str)."""
    return cell[1:] if cell.startswith(ESCAPE) else cell


def parse_filters(values, db):
    """The export filters, checked: {name: value} for the FILTERS given.

    values: a mapping such as request.args (empty values are ignored). author
    is a username, kind one of KINDS, verdict a name on the verdict scale,
    status one of review.STATUSES, since and until dates (YYYY-MM-DD, both
    inclusive, on the annotation's created_at in UTC). Raises BadRequest
    naming the bad filter.
    """
    filters = {name: values[name].strip() for name in FILTERS if (values.get(name) or "").strip()}
    allowed = {"kind": KINDS, "status": STATUSES, "verdict": [v["name"] for v in verdicts(db)]}
    for name, choices in allowed.items():
        if name in filters and filters[name] not in choices:
            raise BadRequest(f"Unknown {name} {filters[name]!r}; use one of: {', '.join(choices)}.")
    if "author" in filters and not db["users"].count_where("username = ?", [filters["author"]]):
        raise BadRequest(f"There is no user named {filters['author']!r}.")
    for name in ("since", "until"):
        if name in filters:
            try:
                filters[name] = datetime.date.fromisoformat(filters[name])
            except ValueError:
                raise BadRequest(f"{name} must be a date written YYYY-MM-DD, not {filters[name]!r}.")
    return filters


def where_clause(article_id=None, filters=None):
    """SQL after ``WHERE a.deleted_at IS NULL`` (``AND ...``) and its parameters."""
    filters = filters or {}
    clauses, params = [], []
    if article_id is not None:
        clauses.append("a.article_id = ?")
        params.append(article_id)
    columns = {"author": "author.username = ?", "kind": "a.kind = ?", "verdict": "a.verdict = ?",
               "status": "a.status = ?", "since": "a.created_at >= ?", "until": "a.created_at < ?"}
    for name, value in filters.items():
        if name == "since":
            value = value.isoformat()
        elif name == "until":
            value = (value + datetime.timedelta(days=1)).isoformat()
        clauses.append(columns[name])
        params.append(value)
    return "".join(" AND " + c for c in clauses), params


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


def iter_csv(db, article_id=None, filters=None, bom=False):
    """Yield the annotations CSV (header first) a row at a time, in constant memory.

    article_id: only that article's annotations when given, else all.
    filters: from ``parse_filters``. bom: start with a UTF-8 byte order mark.
    Line ends are CRLF as RFC 4180 asks.
    """
    return _stream(db, _ANNOTATIONS, COLUMNS, csv_row, article_id, filters, bom)


def iter_reviews_csv(db, article_id=None, filters=None, bom=False):
    """Yield the reviews CSV, one review per row (REVIEW_COLUMNS), like
    iter_csv; the filters apply to the reviewed annotations."""
    return _stream(db, _REVIEWS, REVIEW_COLUMNS, lambda row: _cells(row, REVIEW_COLUMNS), article_id, filters, bom)


def _stream(db, query, columns, to_cells, article_id, filters, bom):
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(columns)
    yield (BOM if bom else "") + flush()
    where, params = where_clause(article_id, filters)
    for row in db.query(query.format(where=where), params):
        writer.writerow(to_cells(row))
        yield flush()


def csv_response(rows, article_id, filename):
    """A streamed download of ``rows(db, article_id, filters, bom)``, narrowed
    by the request's query (FILTERS, and ``bom=1``). It reads through a
    connection of its own, since the request's one is closed before the body
    has been sent."""
    filters = parse_filters(request.args, get_db())
    bom = request.args.get("bom") in ("1", "true", "yes")
    path = current_app.config["DATABASE"]

    def body():
        db = connect(path)
        try:
            yield from rows(db, article_id, filters, bom)
        finally:
            db.close()

    return Response(
        body(),
        content_type="text/csv; charset=utf-8; header=present",
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


def write_csv(rows, article_id, output, options):
    """Write ``rows(db, article_id, filters, bom)`` to the file ``output``, or
    stdout; options: the command's filter options and ``bom``."""
    db = get_db()
    if article_id is not None:
        get_article(db, article_id)
    try:
        filters = parse_filters({name: options.get(name) for name in FILTERS}, db)
    except BadRequest as e:
        raise click.UsageError(e.message)
    # Binary, so rows keep their CRLF ends and UTF-8 whatever the locale; a file
    # is written aside and renamed, so a failed export leaves no partial file.
    try:
        with click.open_file(output or "-", "wb", atomic=bool(output)) as out:
            for chunk in rows(db, article_id, filters, options.get("bom", False)):
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


def export_options(f):
    """The options every export command takes: article, output, filters, BOM."""
    options = [
        _ARTICLE, _OUTPUT,
        click.option("--author", help="Only annotations by this username."),
        click.option("--kind", type=click.Choice(KINDS)),
        click.option("--verdict", help="Only claims with this verdict."),
        click.option("--status", type=click.Choice(STATUSES)),
        click.option("--since", metavar="YYYY-MM-DD", help="Created on or after this day (UTC)."),
        click.option("--until", metavar="YYYY-MM-DD", help="Created on or before this day (UTC)."),
        click.option("--bom", is_flag=True, help="Start with a UTF-8 byte order mark (for Excel)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@command("export-csv")
@export_options
def export_csv_command(article_id, output, **options):
    """Export annotations as CSV (UTF-8, RFC 4180)."""
    write_csv(iter_csv, article_id, output, options)


@command("export-reviews")
@export_options
def export_reviews_command(article_id, output, **options):
    """Export reviews as CSV, one review per row (UTF-8, RFC 4180)."""
    write_csv(iter_reviews_csv, article_id, output, options)


def init_app(app):
    app.register_blueprint(bp)
    app.cli.add_command(export_csv_command)
    app.cli.add_command(export_reviews_command)
