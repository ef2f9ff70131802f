"""Rate limiting of failed logins, per account and per client address.

Only failures count: ``LOGIN_LIMIT_PER_ACCOUNT`` of them for one username, or
``LOGIN_LIMIT_PER_ADDRESS`` from one address, within ``LOGIN_LIMIT_WINDOW``
seconds, and further logins there are refused (429) until the oldest failure
leaves the window. A successful login clears the account's failures.

Why not Flask-Limiter: it counts requests in memory (per process, lost on
restart) or in Redis/Memcached/MongoDB, none of which we run, and it has no
"a success forgives the failures" rule. A table in the database we already
have is shared by every thread and process and survives restarts.
"""

import math
import time
import unicodedata

from .db import transaction


def account_key(username):
    """The name a failure is counted under: stripped, NFC, casefolded, so that
    "Alice" and "alice " share one count. Unknown names count too, so a
    refusal says nothing about whether an account exists."""
    return unicodedata.normalize("NFC", (username or "").strip()).casefold()[:200]


def retry_after(db, username, address, limits, at=None):
    """Seconds (an int, at least 1) until a login for ``username`` from
    ``address`` may be tried again, or 0 when it may be tried now.

    limits: {"account": failures, "address": failures, "window": seconds}.
    at: the current Unix time (seconds), for tests; default now."""
    at = time.time() if at is None else at
    since = at - limits["window"]
    waits = [
        _wait(db, "account", account_key(username), limits["account"], since, limits["window"], at),
        _wait(db, "address", address, limits["address"], since, limits["window"], at),
    ]
    return max(waits)


def _wait(db, column, value, limit, since, window, at):
    times = [row[0] for row in db.execute(
        f"SELECT at FROM login_attempts WHERE {column} = ? AND at > ? ORDER BY at", [value, since])]
    if len(times) < limit:
        return 0
    # Below the limit again once all but limit - 1 of these have left the window.
    return max(1, math.ceil(times[len(times) - limit] + window - at))


def record_failure(db, username, address, window, at=None):
    """Count one failed login; its id. Failures older than ``window`` seconds
    are dropped (nothing reads them), so the table stays small."""
    at = time.time() if at is None else at
    with transaction(db):
        db.execute("DELETE FROM login_attempts WHERE at <= ?", [at - window])
        return db.execute("INSERT INTO login_attempts (account, address, at) VALUES (?, ?, ?)",
                          [account_key(username), address, at]).lastrowid


def reserve(db, username, address, limits, at=None):
    """Before a password is checked: (wait, attempt id). Either the seconds to
    wait (see retry_after) and None, or 0 and the id of a failure counted in
    advance, in the same write transaction as the check, so that logins sent
    all at once cannot each pass it. A login that succeeds removes it
    (``forgive`` or ``release``); one that fails leaves it as its failure."""
    at = time.time() if at is None else at
    with transaction(db):
        wait = retry_after(db, username, address, limits, at)
        if wait:
            return wait, None
        return 0, record_failure(db, username, address, limits["window"], at)


def release(db, attempt):
    """Take back a failure counted in advance by ``reserve``."""
    with transaction(db):
        db.execute("DELETE FROM login_attempts WHERE id = ?", [attempt])


def forgive(db, username):
    """A successful login: forget the account's failures (not the address's,
    which may be guessing at other accounts)."""
    with transaction(db):
        db.execute("DELETE FROM login_attempts WHERE account = ?", [account_key(username)])


def limits_of(config):
    """The limits from the app's config, as retry_after takes them."""
    return {"account": int(config["LOGIN_LIMIT_PER_ACCOUNT"]), "address": int(config["LOGIN_LIMIT_PER_ADDRESS"]),
            "window": float(config["LOGIN_LIMIT_WINDOW"])}
