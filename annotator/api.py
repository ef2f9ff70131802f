"""The JSON API the article page talks to. Errors are ``{"error": "..."}``.

Offsets in and out are Unicode code point offsets into the article's canonical
text; the browser converts from its UTF-16 counts before it calls us.
"""

import json

import orjson
from flask import Blueprint, current_app, g, jsonify, request
from flask_wtf.csrf import generate_csrf

from . import agreement, annotations, articles, conflicts, queue, review
from .auth import login_required
from .db import get_db
from .errors import BadRequest

bp = Blueprint("api", __name__, url_prefix="/api")


def json_body():
    """The request's JSON; BadRequest if it is missing, malformed, absurdly
    nested, or holds text that is not valid Unicode (lone surrogates such as
    "\\ud800", which JSON allows but UTF-8 cannot store)."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if data is None:
        raise BadRequest("Send a JSON body with Content-Type: application/json.")
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("The request holds text that is not valid Unicode (a lone surrogate); nothing was saved.")
    return data


def large_json(value):
    """``jsonify(value)`` for answers of thousands of objects: the same JSON
    (keys sorted, compact, a newline at the end) made by orjson, several times
    faster than the json module (which took half the time of listing 5,000
    annotations). Characters beyond ASCII go out as UTF-8, not ``\\u``
    escapes: JSON parsers read both alike."""
    if current_app.debug:
        return jsonify(value)  # indented, for a person to read
    try:
        body = orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # orjson.JSONEncodeError: say an integer beyond 64 bits, which json can write
        return jsonify(value)
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


@bp.get("/session")
@login_required
def current_session():
    """Who is logged in, and a fresh CSRF token for the page to send."""
    return jsonify(username=g.user["username"], csrf_token=generate_csrf())


@bp.get("/articles")
@login_required
def list_articles():
    return jsonify(articles.list_articles(get_db()))


@bp.get("/articles/<id:article_id>")
@login_required
def get_article(article_id):
    return jsonify(articles.to_json(articles.get_article(get_db(), article_id)))


@bp.put("/articles/<id:article_id>/text")
@login_required
def edit_article_text(article_id):
    """A new revision: ``{"text": str, "base_revision": int (optional)}`` ->
    ``{"revision", "reanchored": [...], "summary": str}`` (summary: the sentence the
    Edit-text page shows); 409 if base_revision is not the current one."""
    db = get_db()
    article = articles.get_article(db, article_id)
    body = json_body()
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        raise BadRequest('Send {"text": "..."} with the new text of the article.')
    base = body.get("base_revision")
    if base is not None and (not isinstance(base, int) or isinstance(base, bool)):
        raise BadRequest("base_revision must be the revision number your text was edited from.")
    number, report = articles.edit_text(db, article, body["text"], g.user, base_revision=base)
    return jsonify(revision=number, reanchored=report, summary=articles.summarize(report))


@bp.get("/articles/<id:article_id>/agreement")
@login_required
def article_agreement(article_id):
    """Agreement on the article's claim verdicts (see ``annotator.agreement``)."""
    db = get_db()
    articles.get_article(db, article_id)
    return jsonify(agreement.agreement(db, article_id))


@bp.get("/articles/<id:article_id>/conflicts")
@login_required
def article_conflicts(article_id):
    """The article's conflicts, resolved ones too (see ``conflicts.find_conflicts``)."""
    db = get_db()
    articles.get_article(db, article_id)
    return jsonify(conflicts.find_conflicts(db, article_id))


@bp.post("/articles/<id:article_id>/conflicts/resolve")
@login_required
def resolve_conflict(article_id):
    """``{"claim_ids": [int], "final_verdict", "note"}`` (editors and admins) ->
    the conflict, resolved: its claims accepted with that final verdict."""
    db = get_db()
    articles.get_article(db, article_id)
    body = json_body()
    body = body if isinstance(body, dict) else {}  # resolve_conflict says what is missing, after the role check
    return jsonify(conflicts.resolve_conflict(db, body.get("claim_ids"), body.get("final_verdict"), body.get("note"),
                                              g.user, article_id=article_id, versions=body.get("versions")))


@bp.get("/agreement")
@login_required
def team_agreement():
    """Agreement on every article's claim verdicts."""
    return jsonify(agreement.agreement(get_db()))


@bp.get("/queue")
@login_required
def review_queue():
    """What you have still to review: ``?article=&author=&kind=&verdict=&status=``
    -> ``{"items": [annotation + article_title], "counts": {facet: [{value,
    label, count}]}, "total"}``; 400 for a filter value that cannot match."""
    db = get_db()
    filters = queue.parse_filters(db, request.args)
    return jsonify(queue.to_json(queue.review_queue(db, g.user, filters)))


@bp.get("/articles/<id:article_id>/annotations")
@login_required
def list_annotations(article_id):
    """The article's annotations (not deleted) in document order, each as
    ``annotations.to_json`` shapes it; 404 for an unknown article."""
    db = get_db()
    articles.check_article(db, article_id)
    return large_json(annotations.list_json(db, article_id))


@bp.post("/articles/<id:article_id>/annotations")
@login_required
def create_annotation(article_id):
    """An annotation (see ``annotations.clean``), with an optional ``client_uuid``
    -> 201 and the annotation; 200 and the first one when that client_uuid
    was sent before (a retry), creating nothing."""
    db = get_db()
    article = articles.get_article(db, article_id)
    row, created = annotations.create_once(db, article, g.user, json_body())
    return jsonify(annotations.to_json(row)), 201 if created else 200


@bp.get("/annotations/<id:annotation_id>")
@login_required
def get_annotation(annotation_id):
    return jsonify(annotations.to_json(annotations.get_annotation(get_db(), annotation_id)))


@bp.patch("/annotations/<id:annotation_id>")
@login_required
def update_annotation(annotation_id):
    """Changed fields plus the ``version`` they were based on (required) -> the
    annotation; 409 ``{"error", "current": annotation}`` when it is stale."""
    db = get_db()
    annotation = annotations.get_annotation(db, annotation_id, check_author=g.user)
    article = articles.get_article(db, annotation["article_id"])
    row = annotations.update_annotation(db, article, annotation, json_body(), g.user["id"])
    return jsonify(annotations.to_json(row))


@bp.delete("/annotations/<id:annotation_id>")
@login_required
def delete_annotation(annotation_id):
    db = get_db()
    annotations.delete_annotation(db, annotations.get_annotation(db, annotation_id, check_author=g.user), g.user["id"])
    return "", 204


@bp.post("/annotations/<id:annotation_id>/restore")
@login_required
def restore_annotation(annotation_id):
    """Undo a delete (the author or an editor) -> the annotation."""
    db = get_db()
    annotation = annotations.get_annotation(db, annotation_id, include_deleted=True)
    return jsonify(annotations.to_json(annotations.restore_annotation(db, annotation, g.user)))


@bp.post("/annotations/<id:annotation_id>/reviews")
@login_required
def add_review(annotation_id):
    """``{"decision", "verdict", "correction", "comment"}`` -> 201 and the review."""
    db = get_db()
    annotation = annotations.get_annotation(db, annotation_id)
    return jsonify(review.add_review(db, annotation, g.user, json_body())), 201


@bp.get("/annotations/<id:annotation_id>/reviews")
@login_required
def list_reviews(annotation_id):
    """The review thread, oldest first."""
    db = get_db()
    annotations.get_annotation(db, annotation_id)
    return jsonify(review.list_reviews(db, annotation_id))


@bp.post("/annotations/<id:annotation_id>/status")
@login_required
def set_status(annotation_id):
    """``{"status", "note", "final_verdict", "version"}`` (editors and admins; see
    ``review.set_status``) -> the annotation."""
    db = get_db()
    annotation = annotations.get_annotation(db, annotation_id)
    return jsonify(annotations.to_json(review.set_status(db, annotation, g.user, json_body())))


@bp.get("/annotations/<id:annotation_id>/history")
@login_required
def annotation_history(annotation_id):
    """Every recorded change, oldest first: [{id, action, user, created_at, before, after}]."""
    db = get_db()
    annotations.get_annotation(db, annotation_id, include_deleted=True)
    return jsonify(annotations.history(db, annotation_id))
