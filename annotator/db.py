"""The SQLite database: connections, schema migrations and the init-db command.

The only module that knows how a connection is made. Every connection runs in
WAL mode with foreign keys on and a busy timeout; writes go through
``transaction(db)`` so a failed request leaves no half-written row.
"""

import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone

import click
from flask import current_app, g
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations
from werkzeug.routing import IntegerConverter

from .cli import command
from .errors import AppError

#: The largest id SQLite can store; larger numbers in a URL or a command are not ids.
MAX_ROW_ID = 2**63 - 1

#: Seconds a writer waits for another writer's lock before giving up.
BUSY_TIMEOUT = 10

migrations = Migrations("annotator")

DEFAULT_VERDICTS = [
    # name, label, colour of its highlight
    ("true", "True", "#2e7d32"),
    ("mostly-true", "Mostly true", "#7cb342"),
    ("mixed", "Mixed", "#f9a825"),
    ("mostly-false", "Mostly false", "#ef6c00"),
    ("false", "False", "#c62828"),
    ("misleading", "Misleading", "#8e24aa"),
    ("unverifiable", "Unverifiable", "#607d8b"),
]

DEFAULT_CORRECTION_TYPES = [
    ("typo", "Typo"),
    ("spelling", "Spelling"),
    ("grammar", "Grammar"),
    ("punctuation", "Punctuation"),
    ("duplication", "Duplicated words"),
    ("style", "Style"),
    ("fact", "Wrong fact"),
]

#: What a user may do, least to most (the users.role CHECK below lists the same).
ROLES = ("reviewer", "editor", "admin")

# Ids use AUTOINCREMENT so a deleted row's id is never given again: a page
# still showing the old row must not edit or delete its successor.
SCHEMA = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'reviewer' CHECK (role IN ('reviewer', 'editor', 'admin')),
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    url TEXT,
    text TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE TABLE verdicts (
    name TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    colour TEXT NOT NULL,
    position INTEGER NOT NULL UNIQUE
);
CREATE TABLE correction_types (
    name TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    position INTEGER NOT NULL UNIQUE
);
CREATE TABLE annotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    author_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('claim', 'correction')),
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    exact TEXT NOT NULL,
    prefix TEXT NOT NULL,
    suffix TEXT NOT NULL,
    verdict TEXT REFERENCES verdicts(name),
    correction_type TEXT REFERENCES correction_types(name),
    correction TEXT,
    rationale TEXT NOT NULL DEFAULT '',
    sources TEXT NOT NULL DEFAULT '[]',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (0 <= start AND start < "end"),
    CHECK (kind <> 'claim' OR (verdict IS NOT NULL AND correction_type IS NULL AND correction IS NULL)),
    CHECK (kind <> 'correction' OR (verdict IS NULL AND correction_type IS NOT NULL AND correction IS NOT NULL))
);
CREATE INDEX annotations_by_article ON annotations (article_id, start, "end");
CREATE UNIQUE INDEX annotations_one_per_span ON annotations (article_id, author_id, kind, start, "end")
"""


@migrations()
def m001_initial_schema(db):
    for statement in SCHEMA.split(";"):
        db.execute(statement)
    db["verdicts"].insert_all(
        {"name": n, "label": label, "colour": c, "position": i}
        for i, (n, label, c) in enumerate(DEFAULT_VERDICTS)
    )
    db["correction_types"].insert_all(
        {"name": n, "label": label, "position": i}
        for i, (n, label) in enumerate(DEFAULT_CORRECTION_TYPES)
    )


class DatabaseUnavailable(AppError):
    """The database file cannot be opened, or is busy past the timeout."""

    status = 503


REVISIONS = """
CREATE TABLE revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    number INTEGER NOT NULL CHECK (number >= 1),
    text TEXT NOT NULL,
    raw BLOB,
    media_type TEXT NOT NULL DEFAULT 'text/plain',
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (article_id, number)
);
INSERT INTO revisions (article_id, number, text, created_by, created_at)
    SELECT id, 1, text, created_by, created_at FROM articles;
ALTER TABLE articles ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE articles DROP COLUMN text;
ALTER TABLE annotations ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE annotations ADD COLUMN orphaned INTEGER NOT NULL DEFAULT 0 CHECK (orphaned IN (0, 1));
DROP INDEX annotations_one_per_span;
CREATE UNIQUE INDEX annotations_one_per_span ON annotations (article_id, author_id, kind, revision, start, "end");
CREATE TABLE reanchorings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    annotation_id INTEGER NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
    from_revision INTEGER NOT NULL,
    to_revision INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('exact', 'moved', 'fuzzy', 'orphaned')),
    score REAL NOT NULL,
    old_start INTEGER NOT NULL,
    old_end INTEGER NOT NULL,
    old_exact TEXT NOT NULL,
    new_start INTEGER,
    new_end INTEGER,
    created_at TEXT NOT NULL
)
"""


@migrations()
def m002_revisions(db):
    """Article texts move into numbered revisions (the old text is kept when
    an article is edited); annotations record the revision they are anchored
    to and whether re-anchoring orphaned them; reanchorings log each move."""
    for statement in REVISIONS.split(";"):
        db.execute(statement)


@migrations()
def m003_article_metadata(db):
    """What an imported page says of itself: its author and publication date."""
    db.execute("ALTER TABLE articles ADD COLUMN author TEXT")
    db.execute("ALTER TABLE articles ADD COLUMN published TEXT")


REVIEW = """
ALTER TABLE annotations ADD COLUMN deleted_at TEXT;
DROP INDEX annotations_one_per_span;
CREATE UNIQUE INDEX annotations_one_per_span ON annotations (article_id, author_id, kind, revision, start, "end")
    WHERE deleted_at IS NULL;
CREATE TABLE history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    annotation_id INTEGER NOT NULL REFERENCES annotations(id),
    user_id INTEGER REFERENCES users(id),
    action TEXT NOT NULL CHECK (action IN ('create', 'edit', 'delete', 'restore', 'reanchor', 'review', 'status')),
    before TEXT,
    after TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX history_by_annotation ON history (annotation_id, id)
"""


@migrations()
def m004_soft_delete_and_history(db):
    """Deletes become soft (``deleted_at``) so they can be undone, and every
    change to an annotation is recorded with its before and after."""
    for statement in REVIEW.split(";"):
        db.execute(statement)


REVIEWS = """
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    annotation_id INTEGER NOT NULL REFERENCES annotations(id),
    reviewer_id INTEGER NOT NULL REFERENCES users(id),
    decision TEXT NOT NULL CHECK (decision IN ('agree', 'disagree', 'comment')),
    verdict TEXT REFERENCES verdicts(name),
    correction TEXT,
    comment TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX reviews_by_annotation ON reviews (annotation_id, id);
ALTER TABLE annotations ADD COLUMN status TEXT NOT NULL DEFAULT 'open'
    CHECK (status IN ('open', 'accepted', 'rejected', 'needs-work'));
ALTER TABLE annotations ADD COLUMN status_note TEXT NOT NULL DEFAULT ''
"""


@migrations()
def m005_reviews_and_status(db):
    """Teammates' reviews of an annotation (agree, disagree, comment), and the
    status an editor gives it."""
    for statement in REVIEWS.split(";"):
        db.execute(statement)


@migrations()
def m006_final_verdict(db):
    """The verdict an editor settles on when reviewers disagree."""
    db.execute("ALTER TABLE annotations ADD COLUMN final_verdict TEXT REFERENCES verdicts(name)")


@migrations()
def m007_admin_session_version(db):
    """A counter per user, kept in each session at login: bumping it (a
    password reset, a deactivation) ends every session opened before."""
    db.execute("ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0")


#: Each verdict's place on a numeric 1 (worst) to 5 (best) scale, for
#: schema.org ClaimReview's ratingValue; verdicts off the true-false line have none.
VERDICT_RATINGS = {"true": 5, "mostly-true": 4, "mixed": 3, "mostly-false": 2, "false": 1}


@migrations()
def m008_verdict_ratings(db):
    """A verdict's rating: a number (1 = worst) that publishing formats such as
    ClaimReview need, or NULL for verdicts that are not a degree of truth
    (misleading, unverifiable); a verdict added later has none until given one."""
    db.execute("ALTER TABLE verdicts ADD COLUMN rating INTEGER CHECK (rating IS NULL OR rating >= 1)")
    for name, rating in VERDICT_RATINGS.items():
        db.execute("UPDATE verdicts SET rating = ? WHERE name = ?", [rating, name])


@migrations()
def m009_content_versions(db):
    """What a review judged: an annotation's content_version goes up whenever
    its author edits it (or its words change in a new revision), and each
    review keeps the content_version it saw, so a review of older content is
    known to be stale."""
    db.execute("ALTER TABLE annotations ADD COLUMN content_version INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE reviews ADD COLUMN content_version INTEGER NOT NULL DEFAULT 1")


LOGIN_ATTEMPTS = """
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX login_attempts_by_account ON login_attempts (account, at);
CREATE INDEX login_attempts_by_address ON login_attempts (address, at)
"""


@migrations()
def m010_login_attempts(db):
    """Failed logins (the name tried, casefolded; the client address; Unix
    seconds), kept in the database so that the rate limit holds across
    threads, processes and restarts."""
    for statement in LOGIN_ATTEMPTS.split(";"):
        db.execute(statement)


@migrations()
def m011_client_uuid(db):
    """The id the browser gives a new annotation before sending it, so that a
    retried or double-sent create finds the first one instead of making two.
    Unique across authors; NULL for annotations made without one."""
    db.execute("ALTER TABLE annotations ADD COLUMN client_uuid TEXT")
    db.execute("CREATE UNIQUE INDEX annotations_by_client_uuid ON annotations (client_uuid) "
               "WHERE client_uuid IS NOT NULL")


@migrations()
def m012_list_indexes(db):
    """Counting an annotation's agree and disagree reviews, as every list of
    annotations does per row, reads this index alone instead of each review's
    row (the index on (annotation_id, id) stays: it orders a review thread)."""
    db.execute("CREATE INDEX reviews_by_annotation_decision ON reviews (annotation_id, decision)")


#: ``PRAGMA synchronous`` settings a connection may be given (see ``connect``).
SYNCHRONOUS = ("FULL", "NORMAL")


def connect(path, synchronous="FULL"):
    """Open the database at ``path`` (str or Path) with our pragmas; a Database.

    synchronous: "FULL" (the default) syncs the write-ahead log to disk at
    every commit, so a commit survives a power cut; "NORMAL" syncs it only at
    checkpoints: a commit still survives the app crashing or being killed and
    the file is never corrupted, but the last commits before a power cut or
    an operating system crash may be lost. A commit then costs no fsync (4 ms
    on the benchmark machine's disk, and writers take turns). See
    https://www.sqlite.org/pragma.html#pragma_synchronous.

    Raises DatabaseUnavailable when the file cannot be opened or is not a
    SQLite database; ValueError for another ``synchronous``."""
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}, not {synchronous!r}.")
    owner_only(path)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, check_same_thread=False)
        db = Database(conn)
        db.write_lock = _write_lock(path)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT * 1000}")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA synchronous = {synchronous}")
        db.path, db.file_identity, db.synchronous = path, _file_identity(path), synchronous
        with db.ensure_autocommit_on():
            db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.DatabaseError as e:
        raise DatabaseUnavailable(f"Cannot open the database {path}: {e}. Check ANNOTATOR_DATABASE.")
    return db


def owner_only(path):
    """Create the file at ``path`` readable by its owner alone, if it is new:
    it holds password hashes and unpublished fact-checks. SQLite gives its
    -wal and -shm files the same mode."""
    try:
        os.close(os.open(str(path), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError:
        pass  # it exists already, or cannot be made: sqlite3 says so in its words


#: This process's writers of each database file (by real path) take turns on
#: one of these locks; see ``transaction``.
_write_locks = {}
_write_locks_guard = threading.Lock()


def _write_lock(path):
    with _write_locks_guard:
        return _write_locks.setdefault(os.path.realpath(path), threading.Lock())


@contextmanager
def _writers_turn(db):
    """Wait for this process's other writers to the same file to finish.

    Why: a writer that finds the file locked is left by SQLite's busy handler
    to sleep and poll, up to 100 ms a nap, whatever the moment the lock frees;
    under 20 concurrent saves that made the slowest saves wait hundreds of ms.
    Threads queued on a Python lock wake as soon as it is released. BEGIN
    IMMEDIATE still keeps writers in other processes (commands, a second
    server) apart. A connection not made by ``connect`` takes no turn."""
    lock = getattr(db, "write_lock", None)
    if lock is None:
        yield
        return
    if not lock.acquire(timeout=BUSY_TIMEOUT):
        raise DatabaseUnavailable("The database is busy (another save took too long); nothing was saved. "
                                  "Try again in a moment.")
    try:
        yield
    finally:
        lock.release()


@contextmanager
def transaction(db):
    """One write transaction, committed at the end or rolled back on any error.

    It starts with BEGIN IMMEDIATE: a deferred BEGIN that reads first and
    writes later fails at once with "database is locked" when another writer
    got in between, whereas an immediate one waits up to the busy timeout.
    Writers in this process first queue for their turn (``_writers_turn``).
    Raises DatabaseUnavailable if the database stays locked that long.
    Inside another transaction it is a savepoint of that one, so that an
    error undoes its own writes and the outer transaction decides the rest.
    """
    if db.conn.in_transaction:
        yield from _savepoint(db)
        return
    with _writers_turn(db):
        try:
            db.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise DatabaseUnavailable(f"The database is busy ({e}); nothing was saved. Try again in a moment.")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        db.conn.execute("COMMIT")


def _savepoint(db):
    db.conn.execute("SAVEPOINT inner")
    try:
        yield db
    except BaseException:
        db.conn.execute("ROLLBACK TO inner")
        db.conn.execute("RELEASE inner")
        raise
    db.conn.execute("RELEASE inner")


def insert_row(db, table, row):
    """INSERT ``row`` (dict: column -> value) into ``table``; the new rowid.

    Plain SQL because it runs on every save: sqlite-utils' ``db[table].insert``
    first reads sqlite_master three times and wraps the INSERT in a savepoint.
    Outside a transaction it makes its own, as sqlite-utils would. Raises
    sqlite3.IntegrityError for a broken constraint, the row not written."""
    columns = ", ".join(f'"{column}"' for column in row)
    sql = f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(row))})'
    if db.conn.in_transaction:
        return db.execute(sql, list(row.values())).lastrowid
    with transaction(db):
        return db.execute(sql, list(row.values())).lastrowid


def first_row(db, sql, params=()):
    """The first row of a SELECT as a dict (column -> value), or None.

    A plain cursor: sqlite-utils' ``db.query`` wraps every statement in a
    savepoint, and ``db[table].rows_where`` reads sqlite_master first."""
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    return None if row is None else dict(zip([column[0] for column in cursor.description], row))


#: Database paths this process has already brought up to date.
_migrated = set()


def get_db():
    """The request's (or command's) Database, opened on first use and closed at
    teardown. The first use in a process applies pending migrations, so no
    command can write into a database that lacks its tables.

    With REUSE_DB_CONNECTIONS on (the production server turns it on), a
    connection an earlier request left is taken instead of a new one, and
    teardown keeps it for the next (see ``_reuse``)."""
    if "db" not in g:
        config = current_app.config
        path, synchronous = config["DATABASE"], config["SQLITE_SYNCHRONOUS"]
        g.db_reusable = bool(config.get("REUSE_DB_CONNECTIONS"))
        g.db = (g.db_reusable and _reuse(path, synchronous)) or connect(path, synchronous)
        if path not in _migrated:
            init_db(g.db)
            _migrated.add(path)
    return g.db


def close_db(exception=None):
    db = g.pop("db", None)
    if db is not None and not (g.pop("db_reusable", False) and _keep(db)):
        db.close()


#: Open connections between requests, most recently used last, with what
#: they were opened on: (path, file identity, synchronous, Database).
_idle = []
_idle_guard = threading.Lock()
#: The most connections kept idle, any files together (waitress runs 8 threads).
MAX_IDLE = 32


def _file_identity(path):
    """(device, inode) of the file at ``path``, or None: a restore that puts
    another file in its place changes it, and the old connections are dropped."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _reuse(path, synchronous):
    """An idle connection to the file at ``path`` now, or None.

    Why: opening one takes a file open, four pragmas and a read of the schema
    (0.3 ms of CPU a request on the benchmark machine), and closing the last
    one to a file checkpoints and deletes its write-ahead log."""
    identity, stale, found = _file_identity(path), [], None
    with _idle_guard:
        for i in range(len(_idle) - 1, -1, -1):
            idle_path, idle_identity, idle_synchronous, db = _idle[i]
            if idle_path != path or idle_synchronous != synchronous:
                continue
            del _idle[i]
            if idle_identity == identity:
                found = db
                break
            stale.append(db)
    for db in stale:
        db.close()
    return found


def _keep(db):
    """Keep ``db`` for a later request; False (not kept) if it is still in a
    transaction, which closing it rolls back, as without reuse."""
    if db.conn.in_transaction:
        return False
    with _idle_guard:
        _idle.append((db.path, db.file_identity, db.synchronous, db))
        surplus = _idle[:-MAX_IDLE]
        del _idle[:-MAX_IDLE]
    for *_, old in surplus:
        old.close()
    return True


def init_db(db):
    """Apply pending migrations; safe to run any number of times, never drops data."""
    migrations.apply(db)


def now():
    """The current time as ISO 8601 UTC with a Z, to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@command("init-db")
def init_db_command():
    """Create or upgrade the database. Idempotent: never drops data."""
    init_db(get_db())
    click.echo(f"Database ready: {current_app.config['DATABASE']}")


class RowIdConverter(IntegerConverter):
    """``<id:name>`` in a route: a SQLite row id, 1 to 2**63 - 1; anything else is a 404."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ROW_ID)


def init_app(app):
    """Wire connections, the ``id`` URL converter and init-db into ``app``
    (before any blueprint, whose routes use the converter)."""
    app.url_map.converters["id"] = RowIdConverter
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
