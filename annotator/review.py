"""Reviewing teammates' annotations: agree, disagree, comment; and the status
an editor gives an annotation (open, accepted, rejected, needs-work)."""

from .annotations import check_text, get_annotation, record, verdicts
from .auth import EDITOR_ROLES
from .db import now, transaction
from .errors import BadRequest, Conflict, Forbidden, NotFound

DECISIONS = ("agree", "disagree", "comment")
STATUSES = ("open", "accepted", "rejected", "needs-work")


def add_review(db, annotation, reviewer, data):
    """Store a review of ``annotation`` (row) by ``reviewer`` (user row); the review.

    data: {"decision": "agree" | "disagree" | "comment", "verdict", "correction",
    "comment", "content_version" (optional: the annotation's content_version
    the reviewer saw)}. A disagreement gives the reviewer's own verdict (for a
    claim) or correction (for a correction), which must differ from the
    annotation's, and a reason in "comment"; a comment needs its text. An
    agreement stores the verdict or correction agreed with, so that a later
    edit cannot change what was agreed to. Raises Forbidden on one's own
    annotation; Conflict when the annotation was edited since the reviewer saw
    it, or when the reviewer already gave this same judgement; BadRequest for
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
    verdict, correction = _judgement(db, annotation, decision, data)
    if decision == "disagree" and not comment.strip():
        raise BadRequest("Say why you disagree: write your reason.")
    if decision == "comment" and not comment.strip():
        raise BadRequest("A comment needs some text.")
    seen = data.get("content_version")
    if seen is not None and (not isinstance(seen, int) or isinstance(seen, bool)):
        raise BadRequest("content_version must be the whole number the annotation had when you loaded it.")
    with transaction(db):
        current = get_annotation(db, annotation["id"])
        if seen is not None and seen != current["content_version"]:
            raise Conflict("The annotation was edited since you opened it, so your review was not saved. "
                           "Reload to see what it says now.")
        if decision != "comment":
            _refuse_repeat(db, current, reviewer, decision, verdict, correction)
        review_id = db["reviews"].insert({
            "annotation_id": annotation["id"], "reviewer_id": reviewer["id"], "decision": decision,
            "verdict": verdict, "correction": correction, "comment": comment.strip(), "created_at": now(),
            "content_version": current["content_version"],
        }).last_pk
        review = get_review(db, review_id)
        record(db, annotation, reviewer["id"], "review", None, review)
    return review


def _judgement(db, annotation, decision, data):
    """(verdict, correction) a review stores: the annotation's own for an
    agreement, the reviewer's different one for a disagreement, none for a comment."""
    claim = annotation["kind"] == "claim"
    if decision == "agree":
        return (annotation["verdict"], None) if claim else (None, annotation["correction"])
    if decision == "comment":
        return None, None
    if claim:
        verdict = data.get("verdict")
        names = [v["name"] for v in verdicts(db)]
        if verdict not in names:
            raise BadRequest(f"To disagree with a claim give your verdict, one of: {', '.join(names)}.")
        if verdict == annotation["verdict"]:
            raise BadRequest("That is the claim's own verdict: agree instead, or choose the verdict you think is right.")
        return verdict, None
    correction = data.get("correction")
    if not isinstance(correction, str):
        raise BadRequest('To disagree with a correction give your own replacement ("" to delete the words).')
    correction = check_text(correction, "correction")
    if correction == annotation["correction"]:
        raise BadRequest("That is the correction's own replacement: agree instead, or write the one you think is right.")
    return None, correction


def _refuse_repeat(db, annotation, reviewer, decision, verdict, correction):
    """Conflict if the reviewer's latest judgement of this content is this one
    (a second tab, a double submit): it would count twice."""
    latest = db.execute(
        "SELECT decision, verdict, correction FROM reviews WHERE annotation_id = ? AND reviewer_id = ? "
        "AND content_version = ? AND decision IN ('agree', 'disagree') ORDER BY id DESC LIMIT 1",
        [annotation["id"], reviewer["id"], annotation["content_version"]]).fetchone()
    if latest == (decision, verdict, correction):
        said = "agree with" if decision == "agree" else "disagree with"
        raise Conflict(f"You already {said} this annotation as it stands; your review is in its thread.")


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
       reviews.correction, reviews.comment, reviews.created_at, reviews.content_version
FROM reviews JOIN users ON users.id = reviews.reviewer_id
"""


def set_status(db, annotation, user, data):
    """An editor's decision on an annotation; the annotation row after it.

    data: {"status": "open" | "accepted" | "rejected" | "needs-work", "note",
    "final_verdict" (claims only, optional: the verdict the editor settles on
    when reviewers disagree; left as it is when the key is absent, cleared by
    null), "version" (optional: the annotation's version the editor saw)}.
    Raises Forbidden unless ``user`` is an editor or admin, BadRequest for an
    unknown status or verdict or a note that is not text, Conflict when the
    annotation changed since ``version``.
    """
    status, note, final = check_status(db, annotation, user, data)
    with transaction(db):
        current = get_annotation(db, annotation["id"])
        check_version(current, data.get("version"))
        if "final_verdict" not in data:
            final = current["final_verdict"]
        return write_status(db, current, user, status, note, final)


def check_version(annotation, seen):
    """Conflict unless ``seen`` (an int, or None for no check) is the
    annotation's version: someone changed it since it was loaded."""
    if seen is None:
        return
    if not isinstance(seen, int) or isinstance(seen, bool):
        raise BadRequest("version must be the whole number the annotation had when you loaded it.")
    if seen != annotation["version"]:
        raise Conflict(f"Annotation {annotation['id']} changed since you loaded it (a teammate edited it or set "
                       "its status); nothing was saved. Reload to see it as it is now.")


def check_status(db, annotation, user, data):
    """The checked parts of a status decision (see set_status): (status, note
    stripped, final_verdict or None). Raises Forbidden or BadRequest as set_status."""
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
    return data["status"], note, final


def write_status(db, annotation, user, status, note, final):
    """Store a status decision checked by check_status and record it in the
    annotation's history; the annotation row after it. Call it inside a
    transaction, so several decisions (a conflict's claims) can share one."""
    db.execute("UPDATE annotations SET status = ?, status_note = ?, final_verdict = ?, version = version + 1 "
               "WHERE id = ?", [status, note, final, annotation["id"]])
    changed = get_annotation(db, annotation["id"])
    record(db, changed, user["id"], "status",
           {"status": annotation["status"], "note": annotation["status_note"],
            "final_verdict": annotation["final_verdict"]},
           {"status": changed["status"], "note": changed["status_note"], "final_verdict": final})
    return changed
