"""Reviewing teammates' annotations: agree, disagree, comment; and the status
an editor gives an annotation (open, accepted, rejected, needs-work)."""

from .annotations import check_text, get_annotation, record, verdicts
from .auth import EDITOR_ROLES
from .db import now, transaction
from .errors import BadRequest, Forbidden, NotFound

DECISIONS = ("agree", "disagree", "comment")
STATUSES = ("open", "accepted", "rejected", "needs-work")


def add_review(db, annotation, reviewer, data):
    """Store a review of ``annotation`` (row) by ``reviewer`` (user row); the review.

    data: {"decision": "agree" | "disagree" | "comment", "verdict", "correction",
    "comment"}. A disagreement gives the reviewer's own verdict (for a claim)
    or correction (for a correction) and a reason in "comment"; a comment
    needs its text. Raises Forbidden on one's own annotation, BadRequest for
    anything else amiss.
    """
    if annotation["author_id"] == reviewer["id"]:
        raise Forbidden("Nobody reviews their own annotation; ask a teammate.")
    if not isinstance(data, dict):
        raise BadRequest("Send the review as a JSON object.")
    decision = data.get("decision")
    if decision not in DECISIONS:
        raise BadRequest('decision must be "agree", "disagree" or "comment".')
    comment = check_text(data.get("comment"), "comment")
    verdict = correction = None
    if decision == "disagree":
        if annotation["kind"] == "claim":
            verdict = data.get("verdict")
            names = [v["name"] for v in verdicts(db)]
            if verdict not in names:
                raise BadRequest(f"To disagree with a claim give your verdict, one of: {', '.join(names)}.")
        else:
            correction = data.get("correction")
            if not isinstance(correction, str):
                raise BadRequest('To disagree with a correction give your own replacement ("" to delete the words).')
            correction = check_text(correction, "correction")
        if not comment.strip():
            raise BadRequest("Say why you disagree (comment).")
    if decision == "comment" and not comment.strip():
        raise BadRequest("A comment needs some text.")
    with transaction(db):
        review_id = db["reviews"].insert({
            "annotation_id": annotation["id"], "reviewer_id": reviewer["id"], "decision": decision,
            "verdict": verdict, "correction": correction, "comment": comment.strip(), "created_at": now(),
        }).last_pk
        review = get_review(db, review_id)
        record(db, annotation, reviewer["id"], "review", None, review)
    return review


def get_review(db, review_id):
    rows = list(db.query(_REVIEWS + "WHERE reviews.id = ?", [review_id]))
    if not rows:
        raise NotFound(f"There is no review {review_id}.")
    return rows[0]


def list_reviews(db, annotation_id):
    """The thread under an annotation, oldest first: list of review dicts."""
    return list(db.query(_REVIEWS + "WHERE annotation_id = ? ORDER BY reviews.id", [annotation_id]))


_REVIEWS = """
SELECT reviews.id, reviews.annotation_id, users.username AS reviewer, reviews.decision, reviews.verdict,
       reviews.correction, reviews.comment, reviews.created_at
FROM reviews JOIN users ON users.id = reviews.reviewer_id
"""


def set_status(db, annotation, user, data):
    """An editor's decision on an annotation; the annotation row after it.

    data: {"status": "open" | "accepted" | "rejected" | "needs-work", "note",
    "final_verdict" (claims only, optional: the verdict the editor settles on
    when reviewers disagree)}. Raises Forbidden unless ``user`` is an editor or
    admin, BadRequest for an unknown status or verdict or a note that is not text.
    """
    if user["role"] not in EDITOR_ROLES:
        raise Forbidden("Only editors and admins set an annotation's status.")
    if not isinstance(data, dict) or data.get("status") not in STATUSES:
        raise BadRequest(f"status must be one of: {', '.join(STATUSES)}.")
    note = check_text(data.get("note"), "note").strip()
    final = data.get("final_verdict")
    if final is not None:
        names = [v["name"] for v in verdicts(db)]
        if annotation["kind"] != "claim" or final not in names:
            raise BadRequest(f"final_verdict is for claims, one of: {', '.join(names)}.")
    with transaction(db):
        db.execute("UPDATE annotations SET status = ?, status_note = ?, final_verdict = ?, version = version + 1 "
                   "WHERE id = ?", [data["status"], note, final, annotation["id"]])
        changed = get_annotation(db, annotation["id"])
        record(db, changed, user["id"], "status",
               {"status": annotation["status"], "note": annotation["status_note"],
                "final_verdict": annotation["final_verdict"]},
               {"status": changed["status"], "note": changed["status_note"], "final_verdict": final})
    return changed
