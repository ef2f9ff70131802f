"""Exports of annotations: CSV (RFC 4180, UTF-8, safe to open in a
spreadsheet), JSON Lines, W3C Web Annotation JSON-LD and schema.org
ClaimReview, from the pages (``/export.<ext>``) and the ``export`` command.

Every format takes the same filters (``parse_filters``) and streams in
constant memory through a connection of its own; the command writes files
atomically.
"""

import csv
import datetime
import json
import os
import re
import sys
import tempfile
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

import click
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from . import claimreview, w3c
from .annotations import KINDS, verdicts
from .articles import get_article, list_articles
from .auth import login_required
from .cli import command
from .db import MAX_ROW_ID, connect, get_db
from .errors import BadRequest
from .forms import EXPORT_FORMATS, ExportForm
from .preview import corrected_article
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

#: Review counts per annotation, aggregated in one pass rather than looked up
#: three times a row; over one article's annotations when ``{scope}`` says so
#: (else over all reviews: cheaper than matching them against the filters).
_REVIEW_COUNTS = """
SELECT r.annotation_id, COUNT(*) AS reviews, SUM(r.decision = 'agree') AS agree,
  SUM(r.decision = 'disagree') AS disagree
FROM reviews r {scope}
GROUP BY r.annotation_id
"""
_ONE_ARTICLE = "WHERE r.annotation_id IN (SELECT id FROM annotations WHERE article_id = ?)"

#: The annotations CSV's rows: one cell per COLUMNS entry, computed and
#: neutralised in SQL (see ``csv_query``), in document order.
_ANNOTATIONS = """
SELECT {cells}
FROM annotations a
JOIN users author ON author.id = a.author_id
JOIN articles ON articles.id = a.article_id
LEFT JOIN ({counts}) counts ON counts.annotation_id = a.id
WHERE a.deleted_at IS NULL {where}
ORDER BY a.article_id, a.start, a."end", a.id
"""

_REVIEWS = """
SELECT {cells}
FROM reviews r
JOIN users ON users.id = r.reviewer_id
JOIN annotations a ON a.id = r.annotation_id
JOIN users author ON author.id = a.author_id
WHERE a.deleted_at IS NULL {where}
ORDER BY a.article_id, r.annotation_id, r.id
"""

#: The annotations again, with what the open formats add: labels, the
#: article's byline, the verdict that stands (the editor's final one, else the
#: claim's own) with its rating, and when an editor last accepted it.
_DETAILED = """
SELECT a.*, author.username AS author, articles.title AS article_title, articles.url AS article_url,
  articles.author AS article_author, articles.published AS article_published,
  verdict.label AS verdict_label, ctype.label AS correction_type_label,
  standing.label AS standing_label, standing.rating AS standing_rating,
  (SELECT COUNT(*) FROM reviews r WHERE r.annotation_id = a.id) AS review_count,
  (SELECT COUNT(*) FROM reviews r WHERE r.annotation_id = a.id AND r.decision = 'agree') AS agree_count,
  (SELECT COUNT(*) FROM reviews r WHERE r.annotation_id = a.id AND r.decision = 'disagree') AS disagree_count,
  CASE WHEN a.status = 'accepted' THEN (
    SELECT MAX(h.created_at) FROM history h WHERE h.annotation_id = a.id AND h.action = 'status'
      AND json_extract(h."after", '$.status') = 'accepted') END AS accepted_at
FROM annotations a
JOIN users author ON author.id = a.author_id
JOIN articles ON articles.id = a.article_id
LEFT JOIN verdicts verdict ON verdict.name = a.verdict
LEFT JOIN correction_types ctype ON ctype.name = a.correction_type
LEFT JOIN verdicts standing ON standing.name = COALESCE(a.final_verdict, a.verdict)
WHERE a.deleted_at IS NULL {where}
ORDER BY a.article_id, a.start, a."end", a.id
"""

#: Reviews in the order of the annotations they are on (see _DETAILED), so
#: that one pass over both gives each annotation its thread.
_THREADS = """
SELECT r.id, r.annotation_id, reviewer.username AS reviewer, r.decision, r.verdict, r.correction,
  r.comment, r.created_at, r.content_version
FROM reviews r
JOIN users reviewer ON reviewer.id = r.reviewer_id
JOIN annotations a ON a.id = r.annotation_id
JOIN users author ON author.id = a.author_id
WHERE a.deleted_at IS NULL {where}
ORDER BY a.article_id, a.start, a."end", a.id, r.id
"""

_COUNT_ANNOTATIONS = """
SELECT COUNT(*) FROM annotations a JOIN users author ON author.id = a.author_id
WHERE a.deleted_at IS NULL {where}
"""

_COUNT_REVIEWS = """
SELECT COUNT(*) FROM reviews r JOIN annotations a ON a.id = r.annotation_id
JOIN users author ON author.id = a.author_id
WHERE a.deleted_at IS NULL {where}
"""

#: Where IRIs start when neither the PUBLIC_URL setting nor a request says.
DEFAULT_PUBLIC_URL = "http://localhost:5000"

#: The keys of a JSON Lines record, in order; see ``jsonl_record``.
JSONL_KEYS = (
    "id", "article_id", "article_title", "article_url", "revision", "kind", "start", "end",
    "exact", "prefix", "suffix", "verdict", "correction_type", "correction", "rationale", "sources",
    "author", "created_at", "updated_at", "status", "status_note", "final_verdict", "orphaned",
    "version", "content_version", "review_count", "agree_count", "disagree_count", "reviews",
)
REVIEW_KEYS = ("id", "reviewer", "decision", "verdict", "correction", "comment", "created_at", "content_version")

#: JSON Lines as most tools name it (no type is registered; ndjson's is the common one).
JSONL_TYPE = "application/x-ndjson"
CSV_TYPE = "text/csv; charset=utf-8; header=present"


def neutralize(value):
    """A cell value a spreadsheet shows as text: a leading ``'`` before a
    formula trigger (OWASP "CSV Injection"), and before a leading ``'`` too, so
    that ``restore`` undoes it exactly. Non-strings pass unchanged."""
    if isinstance(value, str) and value and value[0] in _ESCAPED_FIRST:
        return ESCAPE + value
    return value


_ESCAPED_FIRST = frozenset(FORMULA_TRIGGERS + (ESCAPE,))


def restore(cell):
    """The value ``neutralize`` was given, from the cell it wrote (a str)."""
    return cell[1:] if cell.startswith(ESCAPE) else cell


def parse_filters(values, db):
    """The export filters, checked: {name: value} for the FILTERS given.

    values: a mapping such as request.args (empty values are ignored; a
    filter given twice is a BadRequest). author
    is a username, kind one of KINDS, verdict a name on the verdict scale,
    status one of review.STATUSES, since and until dates (YYYY-MM-DD, both
    inclusive, on the annotation's created_at in UTC). Raises BadRequest
    naming the bad filter.
    """
    for name in FILTERS:
        if hasattr(values, "getlist") and len(values.getlist(name)) > 1:
            raise BadRequest(f"Give one {name} (an export takes one value of each filter).")
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
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", filters[name]):
                    raise ValueError(filters[name])
                filters[name] = datetime.date.fromisoformat(filters[name])
            except ValueError:
                raise BadRequest(f"{name} must be a date written YYYY-MM-DD, not {filters[name]!r}.")
    if "since" in filters and "until" in filters and filters["since"] > filters["until"]:
        raise BadRequest(f"since ({filters['since']}) is after until ({filters['until']}): no annotation can match.")
    return filters


def where_clause(article_id=None, filters=None):
    """SQL after ``WHERE a.deleted_at IS NULL`` (``AND ...``) and its parameters."""
    filters = filters or {}
    clauses, params = [], []
    if article_id is not None:
        clauses.append("a.article_id = ?")
        params.append(article_id)
    columns = {"author": "author.username = ?", "kind": "a.kind = ?", "verdict": "a.verdict = ?",
               "status": "a.status = ?", "since": "a.created_at >= ?", "until": "substr(a.created_at, 1, 10) <= ?"}
    for name, value in filters.items():
        if name in ("since", "until"):
            value = value.isoformat()  # days compare as text: created_at is "YYYY-MM-DDTHH:MM:SSZ"
        clauses.append(columns[name])
        params.append(value)
    return "".join(" AND " + c for c in clauses), params


def neutralized_sql(expression):
    """SQL for what ``neutralize`` makes of the value of ``expression`` (SQL
    text): the same value, with ESCAPE before text that starts with one of
    _ESCAPED_FIRST; numbers, blobs and NULL pass unchanged."""
    return f"CASE WHEN {_escaped_sql(expression)} THEN {_ESCAPE_SQL} || {expression} ELSE {expression} END"


def _escaped_sql(expression):
    # unicode() is the first code point, or NULL for '' and for text that
    # starts with a NUL (a trigger, code 0): coalesce gives both 0, <> '' drops ''.
    return (f"coalesce(unicode({expression}), 0) IN ({_ESCAPED_CODES}) AND {expression} <> '' "
            f"AND typeof({expression}) = 'text'")


_ESCAPED_CODES = ", ".join(str(ord(c)) for c in sorted(_ESCAPED_FIRST))
_ESCAPE_SQL = "'" + ESCAPE.replace("'", "''") + "'"


#: How each CSV column is computed from an annotation ``a`` (joined with its
#: ``author``, its ``articles`` row and its review ``counts``), before
#: neutralising. The verdict that stands: the editor's resolution, else the
#: claim's own once accepted, else none yet.
_CSV_VALUES = {
    "article_id": "a.article_id", "article_title": "articles.title",
    "article_url": "articles.url", "kind": "a.kind", "start": "a.start", "end": 'a."end"', "quote": "a.exact",
    "verdict": "a.verdict", "correction_type": "a.correction_type", "correction": "a.correction",
    "rationale": "a.rationale", "author": "author.username", "created_at": "a.created_at",
    "updated_at": "a.updated_at", "prefix": "a.prefix", "suffix": "a.suffix", "revision": "a.revision",
    "status": "a.status",
    "final_verdict": "coalesce(nullif(a.final_verdict, ''), CASE WHEN a.status = 'accepted' THEN a.verdict END)",
}

#: The CSV columns not neutralised: they are never text that starts with a trigger.
_CSV_SAFE = {
    "annotation_id": "a.id",  # INTEGER PRIMARY KEY: always an integer
    "orphaned": "CASE WHEN a.orphaned THEN 'yes' ELSE 'no' END",
    "review_count": "coalesce(counts.reviews, 0)",
    "agree_count": "coalesce(counts.agree, 0)",
    "disagree_count": "coalesce(counts.disagree, 0)",
}

#: The sources (a JSON array of URLs) joined by spaces; neutralised by their
#: first URL's first character, which is the joined text's. SQLite's JSON
#: functions cut a string at an escaped NUL (\u0000), so those arrays (the
#: URL check lets a NUL through) are joined by SOURCES_FUNCTION in Python.
_SOURCES = ("CASE WHEN instr(a.sources, '\\u0000') THEN {nul_sources}"
            " ELSE CASE WHEN {first_escaped} THEN {escape} ELSE '' END"
            " || (SELECT group_concat(source.value, ' ') FROM json_each(a.sources) AS source) END")

#: The SQL function csv_query's rows need, registered by iter_csv.
SOURCES_FUNCTION = "export_sources_cell"


def sources_cell(sources):
    """The CSV cell for ``sources`` (JSON text: an array of URLs): the URLs
    joined by spaces, neutralised."""
    return neutralize(" ".join(json.loads(sources)))


def _csv_cell(column, portable):
    if column in _CSV_SAFE:
        return _CSV_SAFE[column]
    if column == "sources":
        return _SOURCES.format(first_escaped=_escaped_sql("json_extract(a.sources, '$[0]')"), escape=_ESCAPE_SQL,
                               nul_sources="NULL" if portable else f"{SOURCES_FUNCTION}(a.sources)")
    return neutralized_sql(_CSV_VALUES[column])


def csv_query(article_id=None, filters=None, portable=False):
    """The annotations CSV as one SELECT: (sql, params). Its rows are the
    CSV's rows after the header, one cell per COLUMNS entry, as
    ``csv.writer`` takes them (text, integers or NULL for an empty cell),
    formulas already neutralised; article_id and filters as in iter_csv.

    It calls SOURCES_FUNCTION (``sources_cell``) for sources with a NUL;
    ``portable`` leaves those cells empty instead, so that the sqlite3 shell
    can run the query (the benchmark does).
    """
    where, params = where_clause(article_id, filters)
    cells = ",\n  ".join(f'{_csv_cell(c, portable)} AS "{c}"' for c in COLUMNS)
    if article_id is None:
        counts = _REVIEW_COUNTS.format(scope="")
    else:
        counts = _REVIEW_COUNTS.format(scope=_ONE_ARTICLE)
        params = [article_id] + params
    return _ANNOTATIONS.format(cells=cells, counts=counts, where=where), params


#: The reviews CSV's columns, from a review ``r`` by ``users`` on annotation ``a``.
_REVIEW_VALUES = {
    "review_id": "r.id", "annotation_id": "r.annotation_id", "reviewer": "users.username",
    "decision": "r.decision", "verdict": "r.verdict", "correction": "r.correction", "comment": "r.comment",
    "created_at": "r.created_at", "article_id": "a.article_id",
}


def reviews_csv_query(article_id=None, filters=None):
    """The reviews CSV as one SELECT, like ``csv_query``: (sql, params)."""
    where, params = where_clause(article_id, filters)
    cells = ",\n  ".join(f'{neutralized_sql(_REVIEW_VALUES[c])} AS "{c}"' for c in REVIEW_COLUMNS)
    return _REVIEWS.format(cells=cells, where=where), params


def iter_csv(db, article_id=None, filters=None, bom=False):
    """Yield the annotations CSV (header first) in chunks of about CHUNK
    characters, in constant memory.

    article_id: only that article's annotations when given, else all.
    filters: from ``parse_filters``. bom: start with a UTF-8 byte order mark.
    Line ends are CRLF as RFC 4180 asks.
    """
    db.conn.create_function(SOURCES_FUNCTION, 1, sources_cell, deterministic=True)
    return _stream(db, COLUMNS, *csv_query(article_id, filters), bom)


def iter_reviews_csv(db, article_id=None, filters=None, bom=False):
    """Yield the reviews CSV, one review per row (REVIEW_COLUMNS), like
    iter_csv; the filters apply to the reviewed annotations."""
    return _stream(db, REVIEW_COLUMNS, *reviews_csv_query(article_id, filters), bom)


#: About how many characters the streamed exports gather before they send them.
CHUNK = 64 * 1024
#: Rows fetched at a time: few enough that a batch of long rows stays small.
BATCH = 128


def _stream(db, columns, sql, params, bom):
    # The cells come ready from SQL, so that no Python runs per row or cell:
    # the cursor's tuples go straight to the C csv writer, a batch at a time.
    lines = []
    writer = csv.writer(_Appender(lines))
    writer.writerow(columns)
    yield (BOM if bom else "") + lines.pop()
    cursor = db.execute(sql, params)
    size = 0
    while rows := cursor.fetchmany(BATCH):
        start = len(lines)
        writer.writerows(rows)
        size += sum(map(len, lines[start:]))
        if size >= CHUNK:
            yield "".join(lines)
            lines.clear()
            size = 0
    yield "".join(lines)


class _Appender:
    """A file for csv.writer that keeps what it is given in a list (cheaper
    per row than a StringIO)."""

    def __init__(self, parts):
        self.write = parts.append


def jsonl_record(row, reviews):
    """One annotation as a JSON Lines record: a dict with JSONL_KEYS, in order.

    Every stored field, as stored: ids and offsets (code points, end
    exclusive) as ints; ``sources`` a list of URLs; ``orphaned`` a bool;
    ``final_verdict`` the editor's resolution or None (not the computed one
    CSV shows); ``author`` a username; times ISO 8601 UTC ("...Z").
    ``reviews``: the thread, oldest first, each a dict with REVIEW_KEYS
    (``verdict``/``correction``: a disagreement's own, else None).
    row: a row of _DETAILED; reviews: rows of _THREADS for it.
    """
    record = {key: row[key] for key in JSONL_KEYS[:-1]}
    record["sources"] = json.loads(row["sources"])
    record["orphaned"] = bool(row["orphaned"])
    record["reviews"] = [{key: review[key] for key in REVIEW_KEYS} for review in reviews]
    return record


def dumps_line(value):
    """``value`` as one line of JSON, UTF-8 text kept (ensure_ascii off).
    U+2028, U+2029 and U+0085 are escaped as well: JSON allows them raw, but
    readers that split lines the Unicode way (Python's str.splitlines) would
    cut a record there."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\u0085", "\\u0085")


@contextmanager
def snapshot(db):
    """One read transaction around an export of several queries, so that its
    counts, rows and reviews all see the database as it was when it began
    (in WAL mode writers carry on meanwhile). Inside a transaction already,
    that one serves."""
    if db.conn.in_transaction:
        yield db
        return
    db.conn.execute("BEGIN")
    try:
        yield db
    finally:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")  # nothing was written; this ends the read


def threads(db, article_id=None, filters=None, claims_only=False, with_reviews=True):
    """Yield (annotation row, list of its review rows) in document order,
    reading both tables once, side by side, so memory holds one thread at a
    time. Rows are those of _DETAILED and _THREADS; filters as in iter_csv.
    Without ``with_reviews`` every list is empty and reviews are not read."""
    where, params = where_clause(article_id, filters)
    if claims_only:
        where += " AND a.kind = 'claim'"
    reviews = iter(db.query(_THREADS.format(where=where), params) if with_reviews else ())
    pending = next(reviews, None)
    for row in db.query(_DETAILED.format(where=where), params):
        thread = []
        while pending is not None and pending["annotation_id"] == row["id"]:
            thread.append(pending)
            pending = next(reviews, None)
        yield row, thread


def iter_jsonl(db, article_id=None, filters=None):
    """Yield JSON Lines (one ``jsonl_record`` per line, "\\n" ends), in
    document order, in constant memory; filters as in iter_csv."""
    with snapshot(db):
        for row, reviews in threads(db, article_id, filters):
            yield dumps_line(jsonl_record(row, reviews)) + "\n"


def iter_w3c(db, article_id=None, filters=None, base_url=DEFAULT_PUBLIC_URL):
    """Yield a W3C AnnotationCollection as JSON text in pieces: every
    annotation (see w3c.to_web_annotation), each followed by its reviews as
    replies (w3c.to_web_annotation_reply). Its ``total`` counts both. The
    collection's IRI is the export's address under ``base_url``, with the
    filters as its query. Constant memory; filters as in iter_csv.
    """
    path = "/export.jsonld" if article_id is None else f"/articles/{article_id}/export.jsonld"
    query = urlencode({name: str(value) for name, value in (filters or {}).items()})
    collection_id = w3c.as_uri(base_url + path + (f"?{query}" if query else ""))
    with snapshot(db):
        where, params = where_clause(article_id, filters)
        total = sum(db.execute(q.format(where=where), params).fetchone()[0]
                    for q in (_COUNT_ANNOTATIONS, _COUNT_REVIEWS))

        def items():
            for row, reviews in threads(db, article_id, filters):
                yield w3c.to_web_annotation(row, base_url)
                for review in reviews:
                    yield w3c.to_web_annotation_reply(review, base_url)

        yield from w3c.collection_chunks(collection_id, _label(db, article_id), total, items())


def _label(db, article_id):
    if article_id is None:
        return "Annotations from Factcheck Annotator"
    row = db.execute("SELECT title FROM articles WHERE id = ?", [article_id]).fetchone()
    return f"Annotations on “{row[0]}”" if row else f"Annotations on article {article_id}"


def iter_claimreview(db, article_id=None, filters=None, base_url=DEFAULT_PUBLIC_URL, organisation=None):
    """Yield a JSON array of schema.org ClaimReview objects, one per claim
    (see claimreview.to_claim_review), in pieces, in constant memory.

    organisation: {"name", "url"}, the fact-checkers publishing the reviews
    (default: Factcheck Annotator at ``base_url``). Filters as in iter_csv,
    except that only accepted claims are published unless a status filter
    asks for others (a fact-check goes out once a second person checked it);
    a kind filter other than "claim" leaves the array empty.
    """
    organisation = organisation or {"name": "Factcheck Annotator", "url": base_url}
    filters = {"status": "accepted", **(filters or {})}
    with snapshot(db):
        scale = claimreview.rating_scale(verdicts(db))
        rows = (claimreview.to_claim_review(row, base_url, organisation, scale)
                for row, _ in threads(db, article_id, filters, claims_only=True, with_reviews=False))
        yield from json_array(rows)


def json_array(items):
    """Yield a JSON array of ``items`` (JSON-able values) in pieces, one item a line."""
    separator = "[\n"
    for item in items:
        yield separator + json.dumps(item, ensure_ascii=False)
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


@dataclass(frozen=True)
class Settings:
    """What an export takes besides the rows: the IRIs' start (no trailing
    slash), a byte order mark (CSV only) and ClaimReview's author."""

    base_url: str = DEFAULT_PUBLIC_URL
    bom: bool = False
    organisation: dict = None


@dataclass(frozen=True)
class Format:
    """One export format. name: its ``--format`` value; ext: its file name's
    extension, and its address's (``/export.<ext>``); media_type: its Content-Type;
    stem: the file name before the ext; rows(db, article_id, filters,
    settings): an iterator of str; bom: whether it takes a byte order mark."""

    name: str
    ext: str
    media_type: str
    stem: str
    rows: Callable
    bom: bool = False
    per_article: bool = False  # only for one article at a time

    def filename(self, article_id=None):
        prefix = "" if article_id is None else f"article-{article_id}-"
        return f"{prefix}{self.stem}.{self.ext}"


FORMATS = {f.name: f for f in (
    Format("csv", "csv", CSV_TYPE, "annotations", lambda db, a, f, s: iter_csv(db, a, f, s.bom), bom=True),
    Format("reviews", "csv", CSV_TYPE, "reviews", lambda db, a, f, s: iter_reviews_csv(db, a, f, s.bom), bom=True),
    Format("jsonl", "jsonl", JSONL_TYPE, "annotations", lambda db, a, f, s: iter_jsonl(db, a, f)),
    Format("w3c", "jsonld", w3c.MEDIA_TYPE, "annotations", lambda db, a, f, s: iter_w3c(db, a, f, s.base_url)),
    Format("claimreview", "claimreview.json", claimreview.MEDIA_TYPE, "annotations",
           lambda db, a, f, s: iter_claimreview(db, a, f, s.base_url, s.organisation)),
    Format("corrected", "txt", "text/plain; charset=utf-8", "corrected", lambda db, a, f, s: iter_corrected(db, a),
           per_article=True),
)}


def iter_corrected(db, article_id):
    """The article's text with its accepted corrections applied (see
    ``preview.corrected_article``), as one chunk. The filters do not apply:
    the corrections that count are those an editor accepted."""
    yield corrected_article(db, get_article(db, article_id))["text"]


def organisation(base_url):
    """ClaimReview's author from the settings CLAIMREVIEW_AUTHOR_NAME and
    CLAIMREVIEW_AUTHOR_URL (default: the public URL)."""
    config = current_app.config
    return {"name": config["CLAIMREVIEW_AUTHOR_NAME"], "url": config["CLAIMREVIEW_AUTHOR_URL"] or base_url}


def public_url(default):
    """Where our IRIs start: the PUBLIC_URL setting, else ``default``; no trailing slash."""
    return (current_app.config.get("PUBLIC_URL") or default).rstrip("/")


def download(fmt, article_id=None):
    """A streamed download of ``fmt`` (a Format), for one article or all,
    narrowed by the request's query (FILTERS; ``bom=1`` for CSV, ignored by
    the JSON formats, where a byte order mark is not allowed). It reads
    through a connection of its own, since the request's one is closed
    before the body has been sent. NotFound for a missing article,
    BadRequest for a bad filter."""
    db = get_db()
    if article_id is not None:
        get_article(db, article_id)
    filters = parse_filters(request.args, db)
    base_url = public_url(request.url_root)
    settings = Settings(base_url=base_url, organisation=organisation(base_url),
                        bom=fmt.bom and request.args.get("bom") in ("1", "true", "yes"))
    path = current_app.config["DATABASE"]

    def body():
        db = connect(path)
        try:
            yield from fmt.rows(db, article_id, filters, settings)
        finally:
            db.close()

    return Response(
        body(),
        content_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{fmt.filename(article_id)}"'},
    )


@bp.route("/export.csv")
@login_required
def export_all():
    return download(FORMATS["csv"])


@bp.route("/articles/<id:article_id>/export.csv")
@login_required
def export_article(article_id):
    return download(FORMATS["csv"], article_id)


@bp.route("/export-reviews.csv")
@login_required
def export_all_reviews():
    return download(FORMATS["reviews"])


@bp.route("/articles/<id:article_id>/export-reviews.csv")
@login_required
def export_article_reviews(article_id):
    return download(FORMATS["reviews"], article_id)


@bp.route("/export.jsonl")
@login_required
def export_all_jsonl():
    return download(FORMATS["jsonl"])


@bp.route("/articles/<id:article_id>/export.jsonl")
@login_required
def export_article_jsonl(article_id):
    return download(FORMATS["jsonl"], article_id)


@bp.route("/export.jsonld")
@login_required
def export_all_w3c():
    return download(FORMATS["w3c"])


@bp.route("/articles/<id:article_id>/export.jsonld")
@login_required
def export_article_w3c(article_id):
    return download(FORMATS["w3c"], article_id)


@bp.route("/export.claimreview.json")
@login_required
def export_all_claimreview():
    return download(FORMATS["claimreview"])


@bp.route("/articles/<id:article_id>/export.claimreview.json")
@login_required
def export_article_claimreview(article_id):
    return download(FORMATS["claimreview"], article_id)


#: The endpoints (all articles, one article) of the formats whose names differ
#: from the ``export_all_<format>`` pattern.
_ENDPOINTS = {"csv": ("export_all", "export_article"), "reviews": ("export_all_reviews", "export_article_reviews")}


def download_url(format_name, article_id=None, **query):
    """The address of an export: its format's name (FORMATS), an article id
    or None for all, and the query (filters, ``bom``)."""
    if format_name == "corrected":
        return url_for("preview.corrected_txt", article_id=article_id)
    everything, one = _ENDPOINTS.get(format_name, (f"export_all_{format_name}", f"export_article_{format_name}"))
    if article_id is None:
        return url_for(f"export.{everything}", **query)
    return url_for(f"export.{one}", article_id=article_id, **query)


@bp.route("/export")
@login_required
def export_page():
    """Pick a format, an article and filters; once sent (with a format), a
    redirect to the download. ``?article=ID`` alone preselects an article."""
    db = get_db()
    sent = "format" in request.args
    form = ExportForm(request.args if sent else None, article=request.args.get("article", ""))
    _fill_choices(form, db)
    if sent and form.validate() and _one_article_when_needed(form):
        query = {}
        for name in FILTERS:
            value = form[name].data
            if value:
                query[name] = value.isoformat() if isinstance(value, datetime.date) else value
        if FORMATS[form.format.data].bom and form.bom.data:
            query["bom"] = 1
        article_id = int(form.article.data) if form.article.data else None
        return redirect(download_url(form.format.data, article_id, **query))
    descriptions = {name: text for name, _, text in EXPORT_FORMATS}
    return render_template("export.html", form=form, descriptions=descriptions), 400 if form.errors else 200


def _one_article_when_needed(form):
    if FORMATS[form.format.data].per_article and not form.article.data:
        form.article.errors.append("This format is one article's text: choose the article.")
        return False
    return True


def _fill_choices(form, db):
    choices = {
        "article": [("", "All articles")] + [(str(a["id"]), a["title"]) for a in list_articles(db)],
        "author": [("", "Anyone")] + [(u["username"], u["username"])
                                     for u in db.query("SELECT username FROM users ORDER BY username")],
        "kind": [("", "Any kind"), ("claim", "Claims"), ("correction", "Corrections")],
        "verdict": [("", "Any verdict")] + [(v["name"], v["label"]) for v in verdicts(db)],
        "status": [("", "Any status")] + [(s, s.replace("-", " ").capitalize()) for s in STATUSES],
    }
    for name, pairs in choices.items():
        form[name].choices = [SelectChoice(value, label) for value, label in pairs]


def write_export(fmt, article_id, output, options):
    """Write ``fmt`` (a Format) to the file ``output``, or stdout; options:
    the command's filter options and ``bom``."""
    db = get_db()
    if article_id is not None:
        get_article(db, article_id)
    try:
        filters = parse_filters({name: options.get(name) for name in FILTERS}, db)
    except BadRequest as e:
        raise click.UsageError(e.message)
    base_url = public_url(DEFAULT_PUBLIC_URL)
    settings = Settings(base_url=base_url, organisation=organisation(base_url), bom=options.get("bom", False))
    # Binary, so rows keep their CRLF ends and UTF-8 whatever the locale.
    try:
        with _open_output(output) as out:
            for chunk in fmt.rows(db, article_id, filters, settings):
                out.write(chunk.encode("utf-8"))
    except BrokenPipeError:
        # The reader stopped early (`export | head`): not an error. Point
        # stdout at /dev/null so the final flush at exit stays quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except OSError as e:
        raise click.ClickException(f"Cannot write {output or 'to stdout'}: {e.strerror or e}")


@contextmanager
def _open_output(path):
    """A binary stream to write an export to: stdout when ``path`` is None,
    else a new file beside ``path`` that replaces it only once the export is
    complete and is removed if it fails, so that a failed export leaves the
    previous file as it was. (click's ``atomic=True`` renames even on error.)"""
    if path is None:
        yield click.get_binary_stream("stdout")
        return
    folder, name = os.path.split(os.path.abspath(path))
    fd, draft = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(out.fileno(), 0o666 & ~umask)  # as open() would make it, not mkstemp's 0600
            yield out
        os.replace(draft, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(draft)
        raise


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
        click.option("--bom", is_flag=True, help="Start with a UTF-8 byte order mark (for Excel; CSV only)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@command("export")
@click.option("--format", "format_name", type=click.Choice(list(FORMATS)), default="csv", show_default=True,
              help="csv: annotations, one per row; reviews: reviews as CSV, one per row; jsonl: JSON Lines, "
                   "every field and the reviews; w3c: W3C Web Annotation JSON-LD; claimreview: schema.org "
                   "ClaimReview for claims; corrected: one article's text with its accepted corrections applied.")
@export_options
def export_command(format_name, article_id, output, **options):
    """Export annotations (or reviews) as CSV, JSON Lines, W3C Web Annotation
    JSON-LD or schema.org ClaimReview, filtered as the options say.

    IRIs in w3c and claimreview start with the PUBLIC_URL setting
    (ANNOTATOR_PUBLIC_URL=https://factcheck.example.org), else
    http://localhost:5000; ClaimReview's author is CLAIMREVIEW_AUTHOR_NAME and
    CLAIMREVIEW_AUTHOR_URL.
    """
    fmt = FORMATS[format_name]
    if fmt.per_article and article_id is None:
        raise click.UsageError(f"--format {format_name} is for one article: give --article ID.")
    if options["bom"] and not fmt.bom:
        raise click.UsageError(f"--bom is for CSV (csv, reviews); {format_name} is JSON, where a byte order "
                               "mark is not allowed.")
    write_export(fmt, article_id, output, options)


@command("export-csv")
@export_options
def export_csv_command(article_id, output, **options):
    """Export annotations as CSV (UTF-8, RFC 4180); short for ``export --format csv``."""
    write_export(FORMATS["csv"], article_id, output, options)


@command("export-reviews")
@export_options
def export_reviews_command(article_id, output, **options):
    """Export reviews as CSV, one review per row (UTF-8, RFC 4180); short for
    ``export --format reviews``."""
    write_export(FORMATS["reviews"], article_id, output, options)


def init_app(app):
    app.register_blueprint(bp)
    app.cli.add_command(export_command)
    app.cli.add_command(export_csv_command)
    app.cli.add_command(export_reviews_command)
