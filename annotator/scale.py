"""The verdict scale: adding, relabelling, reordering and deleting verdicts.

A verdict is {name, label, colour, position}: ``name`` is the slug stored on
annotations and reviews (and exported), so it never changes once made;
``label`` is what people read; ``colour`` tints its claims' highlights;
``position`` orders the scale, and ordinal agreement (Krippendorff's alpha)
measures distances in that order. ``annotations.verdicts(db)`` reads it.
"""

import re
import unicodedata

from .annotations import verdicts
from .db import transaction
from .errors import BadRequest, Conflict, NotFound
from .text import find_control

MAX_NAME = 40
MAX_LABEL = 60
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_COLOUR = re.compile(r"#[0-9a-f]{6}")


def get_verdict(db, name):
    """The verdict row named ``name``; NotFound if the scale has none."""
    rows = list(db["verdicts"].rows_where("name = ?", [name]))
    if not rows:
        raise NotFound(f"There is no verdict {name!r} on the scale.")
    return rows[0]


def usage(db):
    """How often each verdict is used: {name: {"annotations", "reviews"}}.

    annotations counts claims with it as their verdict or final verdict,
    deleted ones too (they can be restored); reviews counts disagreements
    that give it. Names in use by neither map to zeros."""
    counts = {v["name"]: {"annotations": 0, "reviews": 0} for v in verdicts(db)}
    for row in db.query("""
        SELECT name, COUNT(*) AS n FROM (
          SELECT verdict AS name FROM annotations WHERE verdict IS NOT NULL
          UNION ALL
          SELECT final_verdict FROM annotations WHERE final_verdict IS NOT NULL AND final_verdict IS NOT verdict
        ) GROUP BY name"""):
        counts[row["name"]]["annotations"] = row["n"]
    for row in db.query("SELECT verdict AS name, COUNT(*) AS n FROM reviews WHERE verdict IS NOT NULL GROUP BY verdict"):
        counts[row["name"]]["reviews"] = row["n"]
    return counts


def add_verdict(db, name, label, colour, rating=None):
    """Add a verdict at the end of the scale; returns its row.

    name: a slug (lower-case letters, digits and single hyphens, up to 40);
    label: 1 to 60 characters; colour: "#rrggbb"; rating: its number on the
    ClaimReview scale (1 = worst, up to MAX_RATING) or None for a verdict
    that is no degree of truth. Raises BadRequest for a malformed value,
    Conflict when the name or label is taken."""
    name = (name or "").strip()
    if not _SLUG.fullmatch(name) or len(name) > MAX_NAME:
        raise BadRequest(
            f"A verdict's name is 1 to {MAX_NAME} lower-case letters, digits and single hyphens, such as mostly-true."
        )
    label, colour, rating = _check_label(label), _check_colour(colour), _check_rating(rating)
    with transaction(db):
        if db["verdicts"].count_where("name = ?", [name]):
            raise Conflict(f"The scale already has a verdict named {name!r}.")
        _refuse_taken_label(db, label)
        position = db.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM verdicts").fetchone()[0]
        db["verdicts"].insert({"name": name, "label": label, "colour": colour, "position": position,
                               "rating": rating})
    return get_verdict(db, name)


def update_verdict(db, name, label, colour, rating=None):
    """Change a verdict's label, colour and rating (see add_verdict; its name
    stays: annotations, reviews and exports refer to it); returns its row.
    Raises NotFound, BadRequest for a malformed value, Conflict when another
    verdict has the label."""
    label, colour, rating = _check_label(label), _check_colour(colour), _check_rating(rating)
    with transaction(db):
        get_verdict(db, name)
        _refuse_taken_label(db, label, name)
        db.execute("UPDATE verdicts SET label = ?, colour = ?, rating = ? WHERE name = ?", [label, colour, rating, name])
    return get_verdict(db, name)


def move_verdict(db, name, direction):
    """Swap a verdict with its neighbour above ("up") or below ("down") on the
    scale; returns the scale after, as ``annotations.verdicts``. Raises
    NotFound, or BadRequest for another direction or a move past either end."""
    if direction not in ("up", "down"):
        raise BadRequest('direction must be "up" or "down".')
    with transaction(db):
        scale = verdicts(db)
        index = next((i for i, v in enumerate(scale) if v["name"] == name), None)
        if index is None:
            raise NotFound(f"There is no verdict {name!r} on the scale.")
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(scale):
            raise BadRequest(f"{scale[index]['label']} is already {'first' if direction == 'up' else 'last'} on the scale.")
        a, b = scale[index], scale[other]
        # position is UNIQUE and SQLite checks it row by row, so park one first.
        db.execute("UPDATE verdicts SET position = (SELECT MIN(position) - 1 FROM verdicts) WHERE name = ?", [a["name"]])
        db.execute("UPDATE verdicts SET position = ? WHERE name = ?", [a["position"], b["name"]])
        db.execute("UPDATE verdicts SET position = ? WHERE name = ?", [b["position"], a["name"]])
    return verdicts(db)


def delete_verdict(db, name):
    """Remove a verdict nobody uses (see ``usage``). Raises NotFound, or
    Conflict when an annotation or review uses it, or when it is the last one."""
    with transaction(db):
        verdict = get_verdict(db, name)
        used = usage(db)[name]
        if used["annotations"] or used["reviews"]:
            raise Conflict(
                f"{verdict['label']} is in use ({_count(used['annotations'], 'annotation')}, "
                f"{_count(used['reviews'], 'review')}), so it cannot be deleted. Change its label instead."
            )
        if db["verdicts"].count == 1:
            raise Conflict("The scale needs at least one verdict.")
        db.execute("DELETE FROM verdicts WHERE name = ?", [name])


def _count(n, noun):
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _check_label(label):
    label = unicodedata.normalize("NFC", " ".join((label or "").split()))
    if (not label or len(label) > MAX_LABEL or find_control(label)
            or any(unicodedata.category(c) == "Cf" for c in label)):
        raise BadRequest(f"A verdict's label is 1 to {MAX_LABEL} characters, without control or invisible "
                         "formatting characters.")
    return label


#: The highest rating a verdict can have (schema.org Rating allows any number;
#: fact-checkers' scales run to 5, sometimes 10).
MAX_RATING = 100


def _check_rating(rating):
    if rating is None:
        return None
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= MAX_RATING:
        raise BadRequest(f"A rating is a whole number from 1 (the worst verdict) to {MAX_RATING}, or empty for none.")
    return rating


def _check_colour(colour):
    colour = (colour or "").strip().lower()
    if not _COLOUR.fullmatch(colour):
        raise BadRequest("A colour is written #rrggbb, such as #2e7d32.")
    return colour


def _refuse_taken_label(db, label, name=None):
    rows = list(db.query("SELECT name FROM verdicts WHERE label = ? COLLATE NOCASE AND name IS NOT ?", [label, name]))
    if rows:
        raise Conflict(f"The verdict {rows[0]['name']!r} already has the label {label!r}; pick another.")
