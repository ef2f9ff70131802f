"""The annotation model: claims with verdicts, corrections, and their checks.

An annotation targets one span of an article's canonical text, held as a
TextPositionSelector (``start``, ``end``: code point offsets, end exclusive)
and a TextQuoteSelector (``exact``, ``prefix``, ``suffix``); see the W3C Web
Annotation Data Model, sections 4.2.4 and 4.2.5. Its body is either a claim
(``verdict``, ``rationale``, ``sources``) or a correction (``correction_type``,
``correction``: the suggested replacement, empty for a deletion, and an
optional ``rationale``).
"""

import functools
import gc
import json
import sqlite3
import uuid
from contextlib import contextmanager

from .anchoring import FUZZY, ORPHANED, Anchor, PositionMap, reanchor
from .db import insert_row, now, transaction
from .errors import BadRequest, Conflict, Forbidden, NotFound
from .text import AnchorError, check_span, find_control, position_selector, quote_selector
from .urls import MAX_URL, is_http_url

KINDS = ("claim", "correction")
MAX_RATIONALE = 20_000
MAX_CORRECTION = 20_000
MAX_SOURCES = 50

#: What every annotation row carries beside its columns: its author's name
#: and its reviews counted (each an index probe; see db.m012_list_indexes).
_AUTHOR_AND_COUNTS = """users.username AS author,
  (SELECT COUNT(*) FROM reviews WHERE reviews.annotation_id = annotations.id) AS review_count,
  (SELECT COUNT(*) FROM reviews WHERE reviews.annotation_id = annotations.id AND decision = 'agree') AS agree_count,
  (SELECT COUNT(*) FROM reviews WHERE reviews.annotation_id = annotations.id AND decision = 'disagree')
    AS disagree_count
FROM annotations JOIN users ON users.id = annotations.author_id
"""
_SELECT = "SELECT annotations.*, " + _AUTHOR_AND_COUNTS


def verdicts(db):
    """The verdict scale in order: list of {name, label, colour, position,
    rating}; rating is an int (1 = worst; see db.m008_verdict_ratings) or None."""
    return list(db.query("SELECT * FROM verdicts ORDER BY position"))


def correction_types(db):
    """The correction types in order: list of {name, label, position}."""
    return list(db.query("SELECT * FROM correction_types ORDER BY position"))


def list_annotations(db, article_id, include_deleted=False):
    """Every author's annotations on an article, in document order, as rows;
    deleted ones too with ``include_deleted``."""
    alive = "" if include_deleted else "AND deleted_at IS NULL "
    return list(db.query(
        _SELECT + f'WHERE article_id = ? {alive}ORDER BY start, "end", annotations.id', [article_id]
    ))


def list_json(db, article_id):
    """``[to_json(row) for row in list_annotations(db, article_id)]``, built
    straight from the query's tuples: a dict per row in between took a
    fifth of the time of listing thousands of annotations."""
    columns = ", ".join(f'annotations."{name}"' for name in _SHAPE_COLUMNS)
    cursor = db.execute(
        f"SELECT {columns}, {_AUTHOR_AND_COUNTS}"
        'WHERE article_id = ? AND deleted_at IS NULL ORDER BY start, "end", annotations.id', [article_id])
    with _gc_paused():
        return [_api_shape(*values) for values in cursor]


@contextmanager
def _gc_paused():
    """No garbage collection inside: the tens of thousands of dicts and lists
    a long list makes, none of them garbage, set off whole-heap collections
    that took a fifth of its time. Collection resumes after, unless it was
    off before (another thread pausing it too, say, which resumes it itself)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def list_deleted(db, article_id):
    """An article's soft-deleted annotations, latest delete first: rows as
    ``list_annotations`` gives, plus ``deleted_by`` (username of whoever made
    the last delete, None if unknown)."""
    return list(db.query(
        "SELECT annotations.*, users.username AS author, deleter.username AS deleted_by "
        "FROM annotations JOIN users ON users.id = annotations.author_id "
        "LEFT JOIN history ON history.id = (SELECT MAX(h.id) FROM history h "
        "  WHERE h.annotation_id = annotations.id AND h.action = 'delete') "
        "LEFT JOIN users deleter ON deleter.id = history.user_id "
        "WHERE annotations.article_id = ? AND annotations.deleted_at IS NOT NULL "
        "ORDER BY annotations.deleted_at DESC, annotations.id DESC", [article_id]))


def get_annotation(db, annotation_id, check_author=None, include_deleted=False):
    """The annotation row, or NotFound (also when deleted, unless
    ``include_deleted``); Forbidden unless ``check_author`` (a user row, or
    None to skip the check) wrote it."""
    rows = list(db.query(_SELECT + "WHERE annotations.id = ?", [annotation_id]))
    if not rows or (rows[0]["deleted_at"] and not include_deleted):
        raise NotFound(f"There is no annotation {annotation_id}.")
    if check_author is not None and rows[0]["author_id"] != check_author["id"]:
        raise Forbidden("Only the author of an annotation can change or delete it.")
    return rows[0]


def create_annotation(db, article, author, data):
    """Validate ``data`` (the API's JSON object) and store it; returns the row.

    article: article row (needs ``id``, ``text``); author: user row. Raises
    BadRequest for anything invalid (see ``clean``) and Conflict when the
    author already has an annotation of that kind on exactly that span, or
    when ``data["revision"]`` (optional: the revision the offsets were taken
    in) is not the article's current one. See ``create_once`` for
    ``data["client_uuid"]``.
    """
    return create_once(db, article, author, data)[0]


def create_once(db, article, author, data):
    """``create_annotation``, idempotent by ``data["client_uuid"]`` (optional:
    a UUID string the client made for this new annotation). Returns (row,
    created): created is False when an annotation with that client_uuid by
    this author on this article exists already (deleted or not); it is then
    returned unchanged, whatever else ``data`` says, and nothing is written.

    Raises BadRequest for a client_uuid that is not a UUID, Conflict when it
    belongs to another author's annotation or another article.
    """
    client_uuid = _client_uuid(data)
    # The look-up and the insert share one write transaction, so two copies of
    # one request racing each other make one row: the second finds the first.
    with transaction(db):
        earlier = _created_with(db, client_uuid, article, author)
        if earlier is not None:
            return earlier, False
        _refuse_stale_revision(article, data)
        _refuse_edited_since_read(db, article)
        fields = clean(db, article["text"], data)
        stamp = now()
        fields.update(article_id=article["id"], author_id=author["id"], revision=article["revision"],
                      orphaned=0, created_at=stamp, updated_at=stamp, client_uuid=client_uuid)
        with _writing(db, fields):
            new_id = insert_row(db, "annotations", fields)
            created = get_annotation(db, new_id)
            record(db, created, author["id"], "create", None, created)
    return created, True


def _client_uuid(data):
    """``data["client_uuid"]`` in canonical form (lower case, hyphenated), or None."""
    value = data.get("client_uuid") if isinstance(data, dict) else None
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) > 45:  # the longest spelling, "urn:uuid:..."
            raise ValueError
        return str(uuid.UUID(value))
    except ValueError:
        raise BadRequest("client_uuid must be a UUID such as crypto.randomUUID() makes, "
                         "e.g. 0b5e9a52-8c1e-4c57-9d0e-3f1c7a2b6d41.")


def _created_with(db, client_uuid, article, author):
    """The annotation made earlier under ``client_uuid``, or None; Conflict if
    it is not this author's on this article (a uuid reused, not a retry)."""
    if client_uuid is None:
        return None
    rows = list(db.query(_SELECT + "WHERE annotations.client_uuid = ?", [client_uuid]))
    if not rows:
        return None
    if rows[0]["author_id"] != author["id"] or rows[0]["article_id"] != article["id"]:
        raise Conflict("That client_uuid already belongs to another annotation; make a new UUID for each "
                       "new annotation.")
    return rows[0]


def _refuse_stale_revision(article, data):
    revision = data.get("revision") if isinstance(data, dict) else None
    if revision is not None and (not isinstance(revision, int) or isinstance(revision, bool)):
        raise BadRequest("revision must be the whole number of the text revision your offsets count in.")
    if revision is not None and revision != article["revision"]:
        raise Conflict(
            f"The article's text was edited (it is now revision {article['revision']}) since you opened it, "
            "so these offsets may point at other words. Reload the page and select the words again."
        )


def _refuse_edited_since_read(db, article):
    """Conflict if the article got a new revision after ``article`` was read
    (call inside the write transaction): the span was checked against the
    old text, and the re-anchoring of that edit has already run."""
    current = db.execute("SELECT revision FROM articles WHERE id = ?", [article["id"]]).fetchone()[0]
    if current != article["revision"]:
        _refuse_stale_revision({"revision": current}, {"revision": article["revision"]})


def update_annotation(db, article, annotation, patch, user_id=None):
    """Apply a partial update (same fields as create) to ``annotation``; the row.

    The merged annotation is checked as a whole, so a patch can change the
    kind, the body or the span (``start``, ``end`` and ``exact`` together,
    always in the current revision: this is how an orphan is re-attached).
    ``version`` (required, else BadRequest) must be the stored one: otherwise
    someone saved in between and Conflict is raised rather than overwrite it,
    carrying the annotation as it is now (``extra["current"]``, API shape).
    """
    if not isinstance(patch, dict):
        raise BadRequest("Send a JSON object with the fields to change.")
    span_keys = {"start", "end", "exact"} & patch.keys()
    if span_keys and span_keys != {"start", "end", "exact"}:
        raise BadRequest("To move an annotation send start, end and exact together.")
    if span_keys:
        _refuse_stale_revision(article, patch)
    patch = dict(patch)
    version = patch.pop("version", None)
    if not isinstance(version, int) or isinstance(version, bool):
        raise BadRequest("version must be sent with every edit: the whole number the annotation had when you "
                         "loaded it (so that an edit made elsewhere since is not overwritten).")
    if version != annotation["version"]:
        raise _stale(annotation)
    merged = {key: annotation[key] for key in _STORED_INPUTS}
    merged["sources"] = json.loads(annotation["sources"])
    if patch.get("kind", annotation["kind"]) != annotation["kind"]:
        merged.update(verdict=None, correction_type=None, correction=None)
    merged.update(patch)
    # An editor may have applied a correction, so that its words now read as
    # its replacement; its rationale and the like must stay editable.
    require_change = bool(span_keys) or "correction" in patch or "kind" in patch
    if span_keys or not annotation["orphaned"]:
        fields = clean(db, article["text"], merged, require_change)
        fields.update(revision=article["revision"], orphaned=0)
    else:  # an orphan's span still points into the revision it was made in
        fields = clean(db, _revision_text(db, annotation), merged, require_change)
        fields.update(revision=annotation["revision"])
    if all(annotation[key] == value for key, value in fields.items()):
        return annotation  # nothing to change
    fields.update(article_id=annotation["article_id"], author_id=annotation["author_id"],
                  updated_at=now(), version=annotation["version"] + 1,
                  content_version=annotation["content_version"] + 1)
    # What reviewers judged and an editor decided on is no longer what it says.
    if annotation["status"] != "open":
        fields.update(status="open", final_verdict=None,
                      status_note=f"Reopened: edited after it was {annotation['status']}.")
    with _writing(db, fields, exclude_id=annotation["id"]):
        assignments = ", ".join(f'"{key}" = ?' for key in fields)
        changed = db.execute(
            f"UPDATE annotations SET {assignments} WHERE id = ? AND version = ?",
            [*fields.values(), annotation["id"], version],
        ).rowcount
        if not changed:  # saved by someone else between our read and this write
            raise _stale(get_annotation(db, annotation["id"], include_deleted=True))
        edited = get_annotation(db, annotation["id"])
        record(db, edited, user_id, "edit", annotation, edited)
        if annotation["status"] != "open":
            record(db, edited, user_id, "status", _status_of(annotation), _status_of(edited))
    return edited


def _stale(current):
    """The Conflict for an edit based on an old version; ``current`` (row) goes
    with it as ``"current"`` so the page can show or merge what is there now."""
    return Conflict(
        "This annotation was changed elsewhere since you opened it, so your edit was not saved. "
        "Reload the page to see the latest version.",
        current=to_json(current),
    )


def _words_changed(db, row, number, stamp):
    """A fuzzy re-anchoring: the words judged are not the words there now, so
    reviews of them are stale and an editor's decision on them is reopened.
    Returns the "status" history entry to add (see ``history_entry``), or None."""
    reopen = row["status"] != "open" and not row["deleted_at"]
    db.execute(
        "UPDATE annotations SET content_version = content_version + 1, status = ?, final_verdict = ?, "
        "status_note = ? WHERE id = ?",
        ["open", None, f"Reopened: its words changed in revision {number}.", row["id"]] if reopen
        else [row["status"], row["final_verdict"], row["status_note"], row["id"]])
    if not reopen:
        return None
    return history_entry(row, None, "status", _status_of(row), {
        "status": "open", "final_verdict": None, "note": f"Reopened: its words changed in revision {number}."}, stamp)


def _status_of(row):
    return {"status": row["status"], "note": row["status_note"], "final_verdict": row["final_verdict"]}


def delete_annotation(db, annotation, user_id=None):
    """Delete softly: the annotation disappears from lists and exports but
    keeps its row and history, so ``restore_annotation`` can bring it back."""
    with transaction(db):
        db.execute("UPDATE annotations SET deleted_at = ?, version = version + 1 WHERE id = ?",
                   [now(), annotation["id"]])
        record(db, annotation, user_id, "delete", annotation, None)


def can_restore(user, annotation):
    """Whether ``user`` (row) may undo the delete of ``annotation`` (row): its author, an editor or an admin."""
    return user["id"] == annotation["author_id"] or user["role"] in ("editor", "admin")


def restore_annotation(db, annotation, user):
    """Undo a delete. annotation: the row (deleted); user: its author or an
    editor/admin, else Forbidden. Conflict if the author has since made
    another annotation of that kind on exactly that span."""
    if not can_restore(user, annotation):
        raise Forbidden("Only the author or an editor can restore an annotation.")
    if not annotation["deleted_at"]:
        raise Conflict("This annotation is not deleted.")
    with transaction(db):
        if _same_span(db, annotation, annotation["id"]):
            raise Conflict("Its author has made another annotation of this kind on exactly these words since; "
                           "delete that one first.")
        db.execute("UPDATE annotations SET deleted_at = NULL, version = version + 1 WHERE id = ?", [annotation["id"]])
        restored = get_annotation(db, annotation["id"])
        record(db, restored, user["id"], "restore", None, restored)
    return restored


def record(db, annotation, user_id, action, before, after):
    """Add one entry to an annotation's history: who (user id, None for the
    system), what (``action``), and the annotation's API shape before and
    after (rows, or any JSON-able values, or None)."""
    insert_row(db, "history", history_entry(annotation, user_id, action, before, after))


def history_entry(annotation, user_id, action, before, after, stamp=None):
    """The history row ``record`` adds, as a dict (to insert many at once);
    stamp: its created_at (default: now)."""
    return {
        "annotation_id": annotation["id"], "user_id": user_id, "action": action,
        "before": None if before is None else json.dumps(_shape(before), ensure_ascii=False),
        "after": None if after is None else json.dumps(_shape(after), ensure_ascii=False),
        "created_at": stamp or now(),
    }


def _shape(value):
    return to_json(value) if hasattr(value, "keys") and "author_id" in value.keys() else value


def history(db, annotation_id):
    """An annotation's history, oldest first: list of {id, action, user,
    created_at, before, after} (before/after in the API shape, or None)."""
    rows = db.query(
        "SELECT history.*, users.username AS user FROM history LEFT JOIN users ON users.id = history.user_id "
        "WHERE annotation_id = ? ORDER BY history.id", [annotation_id])
    return [{"id": r["id"], "action": r["action"], "user": r["user"], "created_at": r["created_at"],
             "before": r["before"] and json.loads(r["before"]), "after": r["after"] and json.loads(r["after"])}
            for r in rows]


_STORED_INPUTS = ("kind", "start", "end", "exact", "verdict", "correction_type", "correction", "rationale")


def clean(db, text, data, require_change=True):
    """Check an annotation's fields against the article text and the scales.

    data: dict with ``kind`` ("claim" | "correction"), ``start``, ``end`` (int
    code point offsets), ``exact`` (str), then for a claim ``verdict``; for a
    correction ``correction_type`` and ``correction`` (str, may be empty);
    optional ``rationale`` (str) and ``sources`` (list of http(s) URLs).
    Returns the columns to store (quote context computed from ``text``).
    Raises BadRequest with a message naming the field at fault; with
    require_change, also for a correction that would not change the text.
    """
    if not isinstance(data, dict):
        raise BadRequest("Send the annotation as a JSON object.")
    kind = data.get("kind")
    if kind not in KINDS:
        raise BadRequest('kind must be "claim" or "correction".')
    start, end, exact = data.get("start"), data.get("end"), data.get("exact")
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise BadRequest(f"{name} must be a whole number (a code point offset into the article).")
    if not isinstance(exact, str):
        raise BadRequest("exact must be the selected text, as a string.")
    try:
        check_span(text, start, end, exact)
    except AnchorError as e:
        raise BadRequest(str(e))
    quote = quote_selector(text, start, end)
    fields = {
        "kind": kind, "start": start, "end": end, "exact": exact,
        "prefix": quote["prefix"], "suffix": quote["suffix"],
        "verdict": None, "correction_type": None, "correction": None,
        "rationale": _string(data, "rationale", MAX_RATIONALE).strip(),
        "sources": json.dumps(_sources(data.get("sources"))),
    }
    if kind == "claim":
        fields["verdict"] = _choice(data.get("verdict"), verdicts(db), "verdict")
        _refuse_other_kind(data, ("correction_type", "correction"), "claim")
    else:
        fields["correction_type"] = _choice(data.get("correction_type"), correction_types(db), "correction_type")
        if not isinstance(data.get("correction"), str):
            raise BadRequest('correction must be the suggested replacement text (use "" to suggest deleting the span).')
        fields["correction"] = _string(data, "correction", MAX_CORRECTION)
        if require_change and fields["correction"] == exact:
            raise BadRequest("The replacement is the same as the text; change it, or save a claim instead.")
        _refuse_other_kind(data, ("verdict",), "correction")
    return fields


def _refuse_other_kind(data, keys, kind):
    for key in keys:
        if data.get(key) not in (None, ""):
            raise BadRequest(f"A {kind} has no {key}.")


def _choice(value, options, name):
    names = [o["name"] for o in options]
    if value not in names:
        raise BadRequest(f"{name} must be one of: {', '.join(names)}.")
    return value


def _string(data, key, limit):
    return check_text(data.get(key), key, limit)


def check_text(value, name, limit=MAX_RATIONALE):
    """``value`` as free text ("" for None); BadRequest naming ``name`` if it is
    not a string, is longer than ``limit`` code points, or holds a control
    character other than tab and newline."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string.")
    if len(value) > limit:
        raise BadRequest(f"{name} is longer than {limit:,} characters.")
    control = find_control(value)
    if control:
        raise BadRequest(f"{name} contains the control character U+{ord(control[1]):04X}; remove it.")
    return value


def _sources(value):
    """A list of distinct http(s) URLs, in the order given."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise BadRequest("sources must be a list of URLs.")
    urls = []
    for raw in value:
        url = raw.strip()
        if not url:
            continue
        if len(url) > MAX_URL:
            raise BadRequest(f"A source URL is longer than {MAX_URL:,} characters.")
        if not is_http_url(url):
            raise BadRequest(f"The source “{url}” is not an http(s) URL.")
        if url not in urls:
            urls.append(url)
    if len(urls) > MAX_SOURCES:
        raise BadRequest(f"At most {MAX_SOURCES} sources per annotation.")
    return urls


@contextmanager
def _writing(db, fields, exclude_id=None):
    """One transaction that refuses a second annotation of a kind on one span
    by one author (a double-clicked Save, say), even when two requests race."""
    try:
        with transaction(db):
            _refuse_duplicate(db, fields, exclude_id)
            yield
    except sqlite3.IntegrityError:
        _refuse_duplicate(db, fields, exclude_id)
        # A verdict or correction type removed between the check and the write.
        raise Conflict("The verdict scale or the correction types changed while you saved; nothing was saved. "
                       "Reload the page and choose again.")


def _refuse_duplicate(db, fields, exclude_id=None):
    rows = _same_span(db, fields, exclude_id)
    if rows:
        raise Conflict(
            f"You already have a {fields['kind']} on exactly this text (annotation {rows[0]['id']}); edit that one instead."
        )


def _same_span(db, fields, exclude_id=None):
    """Other annotations by this author, of this kind, on exactly this span of this revision."""
    return list(db.query(
        'SELECT id FROM annotations WHERE article_id = ? AND author_id = ? AND kind = ? AND revision = ? '
        'AND start = ? AND "end" = ? AND id IS NOT ? AND deleted_at IS NULL',
        [fields["article_id"], fields["author_id"], fields["kind"], fields["revision"],
         fields["start"], fields["end"], exclude_id],
    ))


def _revision_text(db, annotation):
    return db.execute(
        "SELECT text FROM revisions WHERE article_id = ? AND number = ?",
        [annotation["article_id"], annotation["revision"]],
    ).fetchone()[0]


def anchor_annotations(db, article_id, text):
    """Where each annotation of an article lands in ``text``, its next
    revision (canonical): the slow part of an edit (diffs, searches), read
    from the database without writing, so that it runs *before* the write
    transaction and other people's saves need not wait for it. Returns
    (rows, anchors): the annotation rows as read, in document order of their
    old spans, and an ``anchoring.Anchor`` for each; see ``reanchor_article``.
    """
    rows = list(db.query('SELECT * FROM annotations WHERE article_id = ? ORDER BY start, "end", id', [article_id]))
    return rows, _anchor_rows(db, rows, text)


def _anchor_rows(db, rows, text):
    maps = {}
    # Teammates often annotate the same words: the same span and quote land
    # the same way, so each is anchored once.
    anchors = {}
    for row in rows:
        if row["revision"] not in maps:
            maps[row["revision"]] = PositionMap(_revision_text(db, row), text)
        quoted = (row["revision"], row["start"], row["end"], row["exact"], row["prefix"], row["suffix"])
        if quoted not in anchors:
            anchors[quoted] = reanchor(text, *quoted[1:], maps[row["revision"]])
    return [anchors[(row["revision"], row["start"], row["end"], row["exact"], row["prefix"], row["suffix"])]
            for row in rows]


def reanchor_article(db, article_id, number, text, anchored=None):
    """Re-anchor every annotation of an article onto its new revision ``number``
    with canonical ``text``; call inside the transaction that stores it.

    anchored: what ``anchor_annotations`` gave before the transaction began,
    used if the annotations are still exactly as it read them (else, someone
    saved one in between, and they are anchored again here, under the lock).
    Each annotation is anchored from the revision it points into (so an orphan
    gets another chance), by the rules of ``anchoring``. Anchored ones move to
    ``number`` with their quote and context taken from ``text``; orphans keep
    their old span and revision, flagged ``orphaned``. Every outcome is logged
    in ``reanchorings``. Returns, in document order of the old spans, a list of
    {"annotation_id", "outcome", "start", "end", "score", "was_orphaned"}
    (was_orphaned: it was already an orphan before this revision).
    """
    rows = list(db.query('SELECT * FROM annotations WHERE article_id = ? ORDER BY start, "end", id', [article_id]))
    anchors = anchored[1] if anchored is not None and anchored[0] == rows else _anchor_rows(db, rows, text)
    report, moves, orphans, reanchorings, entries = [], [], [], [], []
    # (author_id, kind, start, end) of the live annotations already placed on
    # ``number``: a second one there would duplicate the author's annotation.
    placed = set()
    stamp = now()
    for row, found in zip(rows, anchors):
        span = (row["author_id"], row["kind"], found.start, found.end)
        if found.outcome != ORPHANED and not row["deleted_at"]:
            if span in placed:
                found = Anchor(ORPHANED, None, None, found.score)
            else:
                placed.add(span)
        if found.outcome == ORPHANED:
            orphans.append((row["id"],))
        else:
            quote = quote_selector(text, found.start, found.end)
            moves.append((found.start, found.end, quote["exact"], quote["prefix"], quote["suffix"], number, row["id"]))
            if found.outcome == FUZZY:
                entries.append(_words_changed(db, row, number, stamp))
        reanchorings.append({
            "annotation_id": row["id"], "from_revision": row["revision"], "to_revision": number,
            "outcome": found.outcome, "score": found.score, "old_start": row["start"], "old_end": row["end"],
            "old_exact": row["exact"], "new_start": found.start, "new_end": found.end, "created_at": stamp,
        })
        if row["deleted_at"]:
            continue  # kept in step for a restore, but not reported
        entries.append(history_entry(
            row, None, "reanchor", {"revision": row["revision"], "start": row["start"], "end": row["end"]},
            {"revision": number if found.outcome != ORPHANED else row["revision"], "outcome": found.outcome,
             "start": found.start, "end": found.end, "score": found.score}, stamp))
        report.append({"annotation_id": row["id"], "outcome": found.outcome,
                       "start": found.start, "end": found.end, "score": found.score,
                       "was_orphaned": bool(row["orphaned"])})
    _write_reanchoring(db, orphans, moves, reanchorings, [entry for entry in entries if entry])
    return report


def _write_reanchoring(db, orphans, moves, reanchorings, entries):
    """Write a re-anchoring in bulk, each list in the order it was made (so
    history ids keep it): orphans [(id,)], moves [(start, end, exact, prefix,
    suffix, revision, id)], reanchorings and history entries (dicts)."""
    db.conn.executemany("UPDATE annotations SET orphaned = 1, version = version + 1 WHERE id = ?", orphans)
    db.conn.executemany(
        'UPDATE annotations SET start = ?, "end" = ?, exact = ?, prefix = ?, suffix = ?, '
        "revision = ?, orphaned = 0, version = version + 1 WHERE id = ?", moves)
    _insert_many(db, "reanchorings", reanchorings)
    _insert_many(db, "history", entries)


def _insert_many(db, table, rows):
    """Insert ``rows`` (dicts with the same keys) with one executemany: for
    thousands of rows sqlite-utils' ``insert_all`` spends most of the time in
    Python building its statements."""
    if rows:
        columns = list(rows[0])
        db.conn.executemany(
            f"INSERT INTO {table} ({', '.join(f'[{c}]' for c in columns)}) "
            f"VALUES ({', '.join(':' + c for c in columns)})", rows)


def to_json(row):
    """The API shape of an annotation row: flat fields plus a W3C ``target``."""
    return _api_shape(*[row[name] for name in _SHAPE_FIELDS])


#: What an API shape is made of, in the order of ``_api_shape``'s parameters:
#: columns of annotations, then what _AUTHOR_AND_COUNTS adds.
_SHAPE_COLUMNS = ("id", "article_id", "kind", "start", "end", "exact", "prefix", "suffix", "verdict",
                  "correction_type", "correction", "rationale", "sources", "author_id", "version",
                  "content_version", "revision", "deleted_at", "status", "status_note", "final_verdict",
                  "orphaned", "created_at", "updated_at")
_SHAPE_FIELDS = _SHAPE_COLUMNS + ("author", "review_count", "agree_count", "disagree_count")


def _api_shape(id, article_id, kind, start, end, exact, prefix, suffix, verdict, correction_type, correction,
               rationale, sources, author_id, version, content_version, revision, deleted_at, status, status_note,
               final_verdict, orphaned, created_at, updated_at, author, review_count, agree_count, disagree_count):
    return {
        "id": id,
        "article_id": article_id,
        "kind": kind,
        "start": start,
        "end": end,
        "exact": exact,
        "prefix": prefix,
        "suffix": suffix,
        "verdict": verdict,
        "correction_type": correction_type,
        "correction": correction,
        "rationale": rationale,
        "sources": list(_parsed_sources(sources)),
        "author": author,
        "author_id": author_id,
        "version": version,
        "content_version": content_version,
        "revision": revision,
        "deleted": bool(deleted_at),
        "status": status,
        "status_note": status_note,
        "final_verdict": final_verdict,
        "review_count": review_count,
        "agree_count": agree_count,
        "disagree_count": disagree_count,
        "orphaned": bool(orphaned),
        "created_at": created_at,
        "updated_at": updated_at,
        "target": {
            "selector": [
                {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix},
                position_selector(start, end),
            ]
        },
    }


@functools.lru_cache(maxsize=4096)
def _parsed_sources(stored):
    """The ``sources`` column (a JSON list of URLs) as a tuple. Cached: most
    annotations have none or share a few, and parsing each copy anew was a
    good part of listing thousands. A tuple, so no caller can change the cache."""
    return tuple(json.loads(stored))
