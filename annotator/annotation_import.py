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
import sqlite3
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import click
from flask import Blueprint, g, render_template

from .anchoring import FUZZY, ORPHANED, locate
from .annotations import check_text, clean, get_annotation, record, verdicts
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
        for name in ("kind", "verdict", "correction_type", "status", "final_verdict"):
            cell[name] = cell.get(name, "").lower()  # a spreadsheet may have made "false" FALSE
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
        except (ValueError, RecursionError) as e:
            raise BadRequest(f"Line {number} is not JSON: {e or 'nested too deeply'}.")
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
    except (ValueError, RecursionError) as e:
        raise BadRequest(f"The file is not JSON: {e or 'nested too deeply'}.")
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
    target = item.get("target")
    if not isinstance(target, dict):
        raise BadRequest(f"{where}: its target must be one object with a source and selectors.")
    selectors = target.get("selector") or []
    selectors = {s.get("type"): s for s in (selectors if isinstance(selectors, list) else [selectors])
                 if isinstance(s, dict)}
    quote, position = selectors.get("TextQuoteSelector"), selectors.get("TextPositionSelector")
    if quote is None:
        raise BadRequest(f"{where} has no TextQuoteSelector in its target.")
    motivation = item.get("motivation")
    kind = {"assessing": "claim", "editing": "correction"}.get(motivation) if isinstance(motivation, str) else None
    if kind is None:
        raise BadRequest(f"{where}: motivation must be assessing (a claim) or editing (a correction).")
    match = _ANNOTATION_IRI.search(item.get("id") if isinstance(item.get("id"), str) else "")
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
    match = _REVIEW_IRI.search(item.get("id") if isinstance(item.get("id"), str) else "")
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
            where = item.get("where", "A record")
            try:
                _import_one(db, article, item, user_id, report)
            except AppError as e:
                raise BadRequest(f"{where}: {e.message} Nothing was imported.")
            except (sqlite3.IntegrityError, OverflowError) as e:  # what the checks above did not foresee
                raise BadRequest(f"{where} cannot be stored ({e}). Nothing was imported.")
    return report


def _import_one(db, article, item, user_id, report):
    item_id = _id(item.get("id"), "id")
    if item_id is not None and db["annotations"].count_where("id = ?", [item_id]):
        report["duplicates"].append(item_id)
        return
    for key in ("exact", "prefix", "suffix"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise BadRequest(f"{key} must be text.")
    anchor = locate(article["text"], _offset(item.get("start")), _offset(item.get("end")), item.get("exact"),
                    item.get("prefix") or "", item.get("suffix") or "")
    fields = _fields(db, article, item, anchor)
    fields["author_id"] = _person(db, item.get("author"), report)
    if _same_span(db, fields):
        report["duplicates"].append(item_id)
        return
    if item_id is not None:
        fields["id"] = item_id
    new_id = db["annotations"].insert(fields).last_pk
    created = get_annotation(db, new_id)
    record(db, created, user_id, "create", None, created)  # by whoever imported it
    reviews = item.get("reviews") or []
    if not isinstance(reviews, list):
        raise BadRequest("reviews must be a list.")
    for review in reviews:
        _import_review(db, created, review, user_id, report)
    report["imported"] += 1
    report[anchor.outcome] += 1
    report["annotations"].append({"id": new_id, "outcome": anchor.outcome, "start": created["start"],
                                  "end": created["end"]})


def _fields(db, article, item, anchor):
    """The annotation's columns, checked as an API write is (``clean``)."""
    data = {key: item.get(key) for key in ("kind", "verdict", "correction_type", "correction", "rationale", "sources")}
    if anchor.outcome == ORPHANED:
        start, end, exact = _offset(item.get("start")), _offset(item.get("end")), item.get("exact")
        if not isinstance(exact, str) or not exact:
            raise BadRequest("exact (the quoted words) is missing.")
        if start is None or end is None or start >= end:
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
        status_note=check_text(item.get("status_note"), "status_note").strip(),
        final_verdict=_final_verdict(db, item, fields["kind"]),
        version=_positive(item.get("version")), content_version=_positive(item.get("content_version")),
    )
    if anchor.outcome == FUZZY and fields["status"] != "open":
        # The words an editor decided on are not the words here: decide again.
        fields.update(status="open", final_verdict=None, status_note=f"Reopened: imported onto changed words "
                      f"(it was {fields['status']}).")
    return fields


def _final_verdict(db, item, kind):
    final = item.get("final_verdict")
    if final is None:
        return None
    if kind != "claim" or final not in [v["name"] for v in verdicts(db)]:
        raise BadRequest(f"final_verdict {final!r} is not a verdict on the scale, or the annotation is no claim.")
    return final


def _same_span(db, fields):
    """Whether the author already has this kind of annotation on these words
    (the unique index annotations_one_per_span, orphans included)."""
    return db["annotations"].count_where(
        'article_id = ? AND author_id = ? AND kind = ? AND revision = ? AND start = ? AND "end" = ? '
        'AND deleted_at IS NULL',
        [fields["article_id"], fields["author_id"], fields["kind"], fields["revision"], fields["start"],
         fields["end"]])


def _import_review(db, annotation, review, user_id, report):
    """Store one review of ``annotation``, checked as ``review.add_review``
    checks a new one (its time and version come from the file)."""
    if not isinstance(review, dict):
        raise BadRequest("each review must be an object.")
    reviewer_id = _person(db, review.get("reviewer"), report)
    if reviewer_id == annotation["author_id"]:
        raise BadRequest("a review is by the annotation's own author; nobody reviews their own.")
    decision = _choice(review.get("decision"), DECISIONS, "a review's decision")
    verdict, correction = review.get("verdict"), review.get("correction")
    claim = annotation["kind"] == "claim"
    if (verdict is not None and (not claim or verdict not in [v["name"] for v in verdicts(db)])) or (
            correction is not None and (claim or not isinstance(correction, str))):
        raise BadRequest("a review's verdict must be on the scale and for a claim; its correction text, for a correction.")
    if correction is not None:
        correction = check_text(correction, "a review's correction")
    comment = check_text(review.get("comment"), "a review's comment").strip()
    if decision == "disagree" and (not comment or (verdict or correction) is None
                                   or (verdict or correction) == (annotation["verdict"] if claim else annotation["correction"])):
        raise BadRequest("a disagreement needs a reason and a verdict or replacement other than the annotation's.")
    if decision == "comment" and not comment:
        raise BadRequest("a comment needs some text.")
    row = {"annotation_id": annotation["id"], "reviewer_id": reviewer_id, "decision": decision, "verdict": verdict,
           "correction": correction, "comment": comment,
           "created_at": _time(review.get("created_at"), "a review's created_at") or now(),
           "content_version": _positive(review.get("content_version"))}
    review_id = _id(review.get("id"), "a review's id")
    if review_id is not None and not db["reviews"].count_where("id = ?", [review_id]):
        row["id"] = review_id
    stored = db["reviews"].insert(row).last_pk
    record(db, annotation, user_id, "review", None, {**row, "id": stored, "imported": True})
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


#: Offsets stay below 2**53, so that JavaScript reads them exactly.
MAX_NUMBER = 2**53 - 1
#: Imported ids stay far below that too: new ids count on from the largest one,
#: and must stay exact in the page for a very long time after.
MAX_ID = 2**31 - 1


def _id(value, name):
    """An id from a record: None, or a whole number from 1 to MAX_ID."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
        raise BadRequest(f"{name} must be a whole number from 1 to {MAX_ID:,}, not {value!r}.")
    return value


def _offset(value):
    """An offset from a record, or None when it is no usable whole number."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_NUMBER else None


def _positive(value):
    """A version from a record: a whole number from 1, else 1 (records without one)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_NUMBER else 1


def _choice(value, options, name):
    if value not in options:
        raise BadRequest(f"{name} must be one of: {', '.join(options)}; not {value!r}.")
    return value


_STORED_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


def _time(value, name):
    """A UTC time as we store them ("2026-01-02T03:04:05Z"), or None."""
    if value in (None, ""):
        return None
    try:
        if not isinstance(value, str) or not _STORED_TIME.fullmatch(value):
            raise ValueError(value)
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} must be a UTC time written like 2026-01-02T03:04:05Z, not {value!r}.")
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
