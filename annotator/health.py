"""``GET /healthz``: whether the database answers and its pages are sound.

For load balancers and monitors: no login, no CSRF, no data in the answer.
"""

import sqlite3
import threading
import time

from flask import Blueprint, current_app, jsonify

from .db import get_db
from .errors import AppError

bp = Blueprint("health", __name__)

#: Seconds a quick_check result is reused: it reads every page of the file,
#: so a monitor polling each second must not make the server do that each second.
CHECK_CACHE_SECONDS = 10

_checked = {}  # database path -> (monotonic time, result)
_lock = threading.Lock()


@bp.get("/healthz")
def healthz():
    """200 ``{"status": "ok", "integrity": "ok"}``; 503 ``{"status": "error",
    "integrity": ..., "error": ...}`` when the database cannot be opened or
    read, or its check finds damage."""
    try:
        db = get_db()
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # answers now, every time
        integrity = _integrity(db)
    except (sqlite3.Error, AppError) as e:
        current_app.logger.error("Health check failed: %s", e)
        return jsonify(status="error", integrity="unknown", error="The database cannot be read."), 503
    if integrity != "ok":
        current_app.logger.error("Health check: quick_check says %s", integrity)
        return jsonify(status="error", integrity="failed", error="The database is damaged."), 503
    return jsonify(status="ok", integrity="ok")


def _integrity(db):
    """``PRAGMA quick_check``'s first line ("ok" when sound), at most
    CHECK_CACHE_SECONDS old.

    quick_check, not integrity_check: both read every page and find broken
    pages, bad records and out-of-order b-trees, but integrity_check also
    matches every index entry against its table row, which is several times
    slower on a large database and not worth doing on every poll; run it
    with ``flask --app annotator backup`` (which does) or by hand.
    """
    path = current_app.config["DATABASE"]
    with _lock:  # one check at a time; the others wait and reuse its result
        stamp, result = _checked.get(path, (None, None))
        if stamp is None or time.monotonic() - stamp > CHECK_CACHE_SECONDS:
            result = db.execute("PRAGMA quick_check(1)").fetchone()[0]
            _checked[path] = (time.monotonic(), result)
    return result


def init_app(app):
    app.register_blueprint(bp)
    from . import csrf

    csrf.exempt(bp)
