"""Annotations coming back in: our CSV, JSON Lines and W3C Web Annotation
exports, read into an existing article.

Each record is anchored in the article's current text by its selectors, as
``anchoring.locate`` says: the exact position (TextPositionSelector) if the
quote is still there, else the quote with its context (TextQuoteSelector),
else it is kept as an orphan. A record whose id is already taken is skipped
as a duplicate, and so is one that repeats an author's annotation of the
same kind on the same words. People named in the records who have no
account get a deactivated one (an admin can activate it), so that authors
and reviewers survive the trip. Everything happens in one transaction: an
error in any record stores nothing and names the record.
"""

import csv
import io
import json
import re
import secrets
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import click
from flask import Blueprint, g, render_template

from .anchoring import ORPHANED, locate
from .annotations import clean, get_annotation, record, verdicts
from .articles import get_article
from .auth import create_user, is_editor, login_required, set_active
from .cli import command
from .db import MAX_ROW_ID, get_db, now, transaction
from .errors import AppError, BadRequest, Forbidden
from .forms import ImportAnnotationsForm
from .export import COLUMNS, restore
from .review import DECISIONS, STATUSES

bp = Blueprint("annotation_import", __name__)

FORMATS = ("csv", "jsonl", "w3c")
#: File name endings and the format they hold.
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonld": "w3c", ".json": "w3c"}


def format_of(filename):
    """The import format a file's name implies (FORMATS), or BadRequest."""
    for ending, name in EXTENSIONS.items():
        if filename.lower().endswith(ending):
            return name
    raise BadRequest(f"Cannot tell the format of {filename!r} from its name; "
                     f"use one of {', '.join(EXTENSIONS)} or give the format.")


def read_records(data, format_name):
    """The records in ``data`` (bytes, UTF-8, a BOM allowed) of ``format_name``.

    A record is a dict: id (int or None), kind, start, end, exact, prefix,
    suffix, verdict, correction_type, correction, rationale, sources (list),
    author, created_at, updated_at, status, status_note, final_verdict,
    version, content_version, and reviews (list of dicts: id, reviewer,
    decision, verdict, correction, comment, created_at, content_version). Raises BadRequest naming the line or
    row that cannot be read.
    """
    if format_name not in FORMATS:
        raise BadRequest(f"Unknown import format {format_name!r}; use one of: {', '.join(FORMATS)}.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BadRequest(f"The file is not UTF-8 (byte {e.start}); export it again as UTF-8.")
    return {"csv": _read_csv, "jsonl": _read_jsonl, "w3c": _read_w3c}[format_name](text)


def _read_csv(text):
    rows = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in ("annotation_id", "kind", "start", "end", "quote", "author") if c not in (rows.fieldnames or [])]
    if missing:
        raise BadRequest(f"This is not our annotations CSV: the header lacks {', '.join(missing)}.")
    records = []
    for number, row in enumerate(rows, start=2):
        if None in row or any(value is None for value in row.values()):
            raise BadRequest(f"Row {number} has a different number of cells than the header.")
        cell = {name: restore(value) for name, value in row.items() if name in COLUMNS}
        verdict = cell.get("verdict") or None
        final = cell.get("final_verdict") or None
        if final == verdict and cell.get("status") == "accepted":
            final = None  # the CSV shows an accepted claim's own verdict as final
        records.append({
            "id": _int(cell["annotation_id"], f"Row {number}: annotation_id", optional=True),
            "kind": cell["kind"],
            "start": _int(cell["start"], f"Row {number}: start"),
            "end": _int(cell["end"], f"Row {number}: end"),
            "exact": cell["quote"], "prefix": cell.get("prefix", ""), "suffix": cell.get("suffix", ""),
            "verdict": verdict, "correction_type": cell.get("correction_type") or None,
            "correction": cell.get("correction") if cell["kind"] == "correction" else None,
            "rationale": cell.get("rationale", ""), "sources": (cell.get("sources") or "").split(),
            "author": cell["author"], "created_at": cell.get("created_at") or None,
            "updated_at": cell.get("updated_at") or None, "status": cell.get("status") or "open",
            "status_note": "", "final_verdict": final, "version": 1, "reviews": [], "where": f"Row {number}",
        })
    return records


def _read_jsonl(text):
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as e:
            raise BadRequest(f"Line {number} is not JSON: {e}.")
        if not isinstance(item, dict):
            raise BadRequest(f"Line {number} is not a JSON object.")
        reviews = item.get("reviews") or []
        if not isinstance(reviews, list) or not all(isinstance(r, dict) for r in reviews):
            raise BadRequest(f"Line {number}: reviews must be a list of objects.")
        records.append({**item, "reviews": reviews, "where": f"Line {number}"})
    return records


_ANNOTATION_IRI = re.compile(r"/annotations/(\d+)$")
_REVIEW_IRI = re.compile(r"/annotations/(\d+)/reviews/(\d+)$")


def _read_w3c(text):
    """Annotations from an AnnotationCollection, an AnnotationPage, a list or
    one Annotation, as our W3C export writes them (see ``w3c``)."""
    try:
        data = json.loads(text)
    except ValueError as e:
        raise BadRequest(f"The file is not JSON: {e}.")
    items = data
    if isinstance(data, dict):
        page = data.get("first") if data.get("type") == "AnnotationCollection" else data
        items = page.get("items", []) if isinstance(page, dict) and page.get("type") == "AnnotationPage" else [data]
    if not isinstance(items, list):
        raise BadRequest("Expected an AnnotationCollection, an AnnotationPage, a list or one Annotation.")
    records, by_iri = [], {}
    for number, item in enumerate(items, start=1):
        where = f"Annotation {number}"
        if not isinstance(item, dict) or item.get("type") != "Annotation":
            raise BadRequest(f"{where} is not a W3C Annotation.")
        if isinstance(item.get("target"), str):  # a review: it targets the annotation it reviews
            parent = by_iri.get(item["target"])
            if parent is None:
                raise BadRequest(f"{where} replies to {item['target']}, which is not earlier in the file.")
            parent["reviews"].append(_w3c_review(item, where))
            continue
        annotation = _w3c_annotation(item, where)
        by_iri[item.get("id")] = annotation
        records.append(annotation)
    return records


def _w3c_annotation(item, where):
    bodies = _bodies(item, where)
    selectors = {s.get("type"): s for s in (item.get("target") or {}).get("selector") or [] if isinstance(s, dict)}
    quote, position = selectors.get("TextQuoteSelector"), selectors.get("TextPositionSelector")
    if quote is None:
        raise BadRequest(f"{where} has no TextQuoteSelector in its target.")
    kind = {"assessing": "claim", "editing": "correction"}.get(item.get("motivation"))
    if kind is None:
        raise BadRequest(f"{where}: motivation must be assessing (a claim) or editing (a correction).")
    match = _ANNOTATION_IRI.search(item.get("id") or "")
    return {
        "id": int(match.group(1)) if match else None, "kind": kind,
        "start": (position or {}).get("start"), "end": (position or {}).get("end"),
        "exact": quote.get("exact"), "prefix": quote.get("prefix", ""), "suffix": quote.get("suffix", ""),
        "verdict": _classified(bodies, "verdicts") if kind == "claim" else None,
        "correction_type": _classified(bodies, "correction-types") if kind == "correction" else None,
        "correction": _text(bodies, "editing") if kind == "correction" else None,
        "rationale": _text(bodies, "commenting") or "",
        "sources": [b["source"] for b in bodies if b.get("purpose") == "linking" and isinstance(b.get("source"), str)],
        "author": _creator(item, where), "created_at": item.get("created"), "updated_at": item.get("modified"),
        "status": "open", "status_note": "", "final_verdict": None, "version": 1, "reviews": [], "where": where,
    }


def _w3c_review(item, where):
    bodies = _bodies(item, where)
    if item.get("motivation") == "replying":
        decision, comment = "comment", _text(bodies, "replying")
    else:
        decision, comment = _text(bodies, "assessing"), _text(bodies, "commenting") or ""
    match = _REVIEW_IRI.search(item.get("id") or "")
    return {"id": int(match.group(2)) if match else None, "reviewer": _creator(item, where), "decision": decision,
            "verdict": _classified(bodies, "verdicts"), "correction": _text(bodies, "editing"),
            "comment": comment, "created_at": item.get("created")}


def _bodies(item, where):
    bodies = item.get("body") or []
    bodies = bodies if isinstance(bodies, list) else [bodies]
    if not all(isinstance(b, dict) for b in bodies):
        raise BadRequest(f"{where}: each body must be an object.")
    return bodies


def _text(bodies, purpose):
    return next((b.get("value") for b in bodies if b.get("type") == "TextualBody" and b.get("purpose") == purpose), None)


def _classified(bodies, kind):
    """The name at the end of a classifying body's IRI: .../verdicts/<name>."""
    for b in bodies:
        source = b.get("source")
        if b.get("purpose") == "classifying" and isinstance(source, str) and f"/{kind}/" in source:
            return unquote(source.rsplit("/", 1)[1])
    return None


def _creator(item, where):
    creator = item.get("creator")
    name = creator.get("nickname") or creator.get("name") if isinstance(creator, dict) else None
    if not isinstance(name, str) or not name:
        raise BadRequest(f"{where} has no creator with a name.")
    return name


def _int(value, what, optional=False):
    if optional and value in ("", None):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{what} must be a whole number, not {value!r}.")


def import_annotations(db, article, records, user_id=None):
    """Store ``records`` (from ``read_records``) on ``article`` (a row with id,
    text, revision), all or nothing; the report.

    user_id: who imports (None from the command line), recorded in each
    annotation's history. Returns {"imported", "exact", "moved", "fuzzy",
    "orphaned", "duplicates", "reviews", "created_users", "annotations":
    [{"id", "outcome", "start", "end"}]}; "duplicates" lists the skipped
    records' ids. Raises BadRequest naming the first record at fault.
    """
    report = {"imported": 0, "exact": 0, "moved": 0, "fuzzy": 0, "orphaned": 0, "duplicates": [],
              "reviews": 0, "created_users": [], "annotations": []}
    with transaction(db):
        for item in records:
            try:
                _import_one(db, article, item, user_id, report)
            except AppError as e:
                raise BadRequest(f"{item.get('where', 'A record')}: {e.message} Nothing was imported.")
    return report


def _import_one(db, article, item, user_id, report):
    if item.get("id") is not None and db["annotations"].count_where("id = ?", [item["id"]]):
        report["duplicates"].append(item["id"])
        return
    anchor = locate(article["text"], item.get("start"), item.get("end"), item.get("exact"),
                    item.get("prefix") or "", item.get("suffix") or "")
    fields = _fields(db, article, item, anchor)
    fields["author_id"] = _person(db, item.get("author"), report)
    if anchor.outcome != ORPHANED and _same_span(db, fields):
        report["duplicates"].append(item.get("id"))
        return
    if item.get("id") is not None:
        fields["id"] = item["id"]
    new_id = db["annotations"].insert(fields).last_pk
    created = get_annotation(db, new_id)
    record(db, created, user_id, "create", None, created)  # by whoever imported it
    for review in item.get("reviews", []):
        _import_review(db, created, review, report)
    report["imported"] += 1
    report[anchor.outcome] += 1
    report["annotations"].append({"id": new_id, "outcome": anchor.outcome, "start": created["start"],
                                  "end": created["end"]})


def _fields(db, article, item, anchor):
    """The annotation's columns, checked as an API write is (``clean``)."""
    data = {key: item.get(key) for key in ("kind", "verdict", "correction_type", "correction", "rationale", "sources")}
    if anchor.outcome == ORPHANED:
        start, end, exact = item.get("start"), item.get("end"), item.get("exact")
        if not isinstance(exact, str) or not exact:
            raise BadRequest("exact (the quoted words) is missing.")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
            start, end = 0, len(exact)
        # Check the other fields against the quote alone; the words are not in the text.
        fields = clean(db, exact, {**data, "start": 0, "end": len(exact), "exact": exact}, require_change=False)
        fields.update(start=start, end=end, prefix=item.get("prefix") or "", suffix=item.get("suffix") or "")
    else:
        fields = clean(db, article["text"], {**data, "start": anchor.start, "end": anchor.end,
                                             "exact": article["text"][anchor.start:anchor.end]},
                       require_change=False)
    stamp = now()
    fields.update(
        article_id=article["id"], revision=article["revision"], orphaned=int(anchor.outcome == ORPHANED),
        created_at=_time(item.get("created_at"), "created_at") or stamp,
        updated_at=_time(item.get("updated_at"), "updated_at") or stamp,
        status=_choice(item.get("status") or "open", STATUSES, "status"),
        status_note=item.get("status_note") or "",
        final_verdict=_final_verdict(db, item, fields["kind"]),
        version=_positive(item.get("version")), content_version=_positive(item.get("content_version")),
    )
    return fields


def _final_verdict(db, item, kind):
    final = item.get("final_verdict")
    if final is None:
        return None
    if kind != "claim" or final not in [v["name"] for v in verdicts(db)]:
        raise BadRequest(f"final_verdict {final!r} is not a verdict on the scale, or the annotation is no claim.")
    return final


def _same_span(db, fields):
    return db["annotations"].count_where(
        'article_id = ? AND author_id = ? AND kind = ? AND start = ? AND "end" = ? AND deleted_at IS NULL',
        [fields["article_id"], fields["author_id"], fields["kind"], fields["start"], fields["end"]])


def _import_review(db, annotation, review, report):
    reviewer_id = _person(db, review.get("reviewer"), report)
    if reviewer_id == annotation["author_id"]:
        raise BadRequest("a review is by the annotation's own author; nobody reviews their own.")
    decision = _choice(review.get("decision"), DECISIONS, "a review's decision")
    verdict, correction = review.get("verdict"), review.get("correction")
    if verdict is not None and verdict not in [v["name"] for v in verdicts(db)]:
        raise BadRequest(f"a review's verdict {verdict!r} is not on the verdict scale.")
    if correction is not None and not isinstance(correction, str):
        raise BadRequest("a review's correction must be text.")
    comment = review.get("comment") or ""
    if not isinstance(comment, str):
        raise BadRequest("a review's comment must be text.")
    row = {"annotation_id": annotation["id"], "reviewer_id": reviewer_id, "decision": decision, "verdict": verdict,
           "correction": correction, "comment": comment,
           "created_at": _time(review.get("created_at"), "a review's created_at") or now(),
           "content_version": _positive(review.get("content_version"))}
    review_id = review.get("id")
    if isinstance(review_id, int) and not db["reviews"].count_where("id = ?", [review_id]):
        row["id"] = review_id
    db["reviews"].insert(row)
    report["reviews"] += 1


def _person(db, username, report):
    """The id of the user named ``username``, made (deactivated) if missing."""
    if not isinstance(username, str) or not username.strip():
        raise BadRequest("the author or reviewer's username is missing.")
    rows = list(db["users"].rows_where("username = ?", [username.strip()]))
    if rows:
        return rows[0]["id"]
    user_id = create_user(db, username, secrets.token_urlsafe(24))
    set_active(db, username.strip(), False)
    report["created_users"].append(username.strip())
    return user_id


def _positive(value):
    """A version from a record: a whole number from 1, else 1 (records without one)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


def _choice(value, options, name):
    if value not in options:
        raise BadRequest(f"{name} must be one of: {', '.join(options)}; not {value!r}.")
    return value


def _time(value, name):
    """An ISO 8601 time as stored ("2026-01-02T03:04:05Z"), or None."""
    if value in (None, ""):
        return None
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be an ISO 8601 time such as 2026-01-02T03:04:05Z, not {value!r}.")
    return value


@command("import-annotations")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--article", "article_id", required=True, type=click.IntRange(1, MAX_ROW_ID),
              help="The article to import into.")
@click.option("--format", "format_name", type=click.Choice(FORMATS),
              help="csv, jsonl or w3c (default: from the file's name).")
def import_annotations_command(path, article_id, format_name):
    """Import annotations from our CSV, JSON Lines or W3C JSON-LD export into
    an article, re-anchored in its text; prints the report as JSON."""
    db = get_db()
    article = get_article(db, article_id)
    records = read_records(Path(path).read_bytes(), format_name or format_of(path))
    click.echo(json.dumps(import_annotations(db, article, records), ensure_ascii=False, indent=2))


@bp.route("/articles/<id:article_id>/import", methods=["GET", "POST"])
@login_required
def page(article_id):
    """Editors bring annotations into the article from an export file; the
    report shows on the page."""
    db = get_db()
    article = get_article(db, article_id)
    if not is_editor(g.user):
        raise Forbidden("Only editors and admins import annotations.")
    form = ImportAnnotationsForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            records = read_records(upload.read(), form.format.data or format_of(upload.filename or ""))
            report = import_annotations(db, article, records, g.user["id"])
        except AppError as e:
            form.file.errors.append(e.message)
    status = 400 if form.errors else 200
    return render_template("import_annotations.html", article=article, form=form, report=report), status


def init_app(app):
    app.register_blueprint(bp)
    app.cli.add_command(import_annotations_command)
