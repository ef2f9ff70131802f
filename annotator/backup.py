"""Backups and restores of the database, and the commands that make them.

``backup`` copies the live database with SQLite's online backup API, so the
app keeps serving (WAL lets readers and the copy go on while others write);
``restore`` puts a backup in its place, and must run with the server stopped.
"""

import os
import sqlite3
from pathlib import Path

import click
from flask import current_app

from .cli import command
from .db import BUSY_TIMEOUT, owner_only
from .errors import AppError, BadRequest

#: Pages copied per step; between steps writers get the lock, so a long copy
#: never stalls the app for more than a step's worth of work.
PAGES_PER_STEP = 1024


def backup(source, target):
    """Copy the database at ``source`` to ``target`` (paths) while it may be in
    use; returns target's size in bytes.

    The copy is written beside ``target`` under a temporary name, checked
    with ``PRAGMA integrity_check``, flushed to disk and then renamed over
    ``target``, so ``target`` is always either the old file or a whole, sound
    new one. Raises BadRequest if target's folder does not exist, AppError if
    the copy fails its check (the old target is then left as it was).
    """
    source, target = Path(source), Path(target).resolve()
    if target.is_dir():
        raise BadRequest(f"{target} is a folder; give the backup's file name, e.g. {target / 'annotator.sqlite3'}.")
    if not target.parent.is_dir():
        raise BadRequest(f"The folder {target.parent} does not exist.")
    if target == source.resolve():
        raise BadRequest("The backup cannot overwrite the database itself.")
    draft = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        live = sqlite3.connect(source, timeout=BUSY_TIMEOUT)
        owner_only(draft)
        copy = sqlite3.connect(draft)
        try:
            live.backup(copy, pages=PAGES_PER_STEP)
            # The copy is self-contained: no -wal file beside it to lose.
            copy.execute("PRAGMA journal_mode = DELETE")
            problem = _integrity_problem(copy)
        finally:
            copy.close()
            live.close()
        if problem:
            raise AppError(f"The copy failed its integrity check ({problem}); {target} was not changed.")
        with open(draft, "rb") as f:
            os.fsync(f.fileno())
        os.replace(draft, target)
        _fsync_folder(target.parent)
    except sqlite3.Error as e:
        raise AppError(f"The backup failed: {e}; {target} was not changed.")
    finally:
        draft.unlink(missing_ok=True)
    return target.stat().st_size


def restore(backup_path, database):
    """Replace the database at ``database`` with the backup at ``backup_path``
    (paths); returns where the old database was kept (``<db>.before-restore``,
    or ``<db>.before-restore.1`` and so on if that exists), or None if there
    was none. Run it with the server stopped: a running app
    keeps its open files and would go on writing to the old database.

    Raises BadRequest, changing nothing, unless the backup is a sound SQLite
    database of this app (it has the migrations table).
    """
    backup_path, database = Path(backup_path), Path(database)
    if database.exists() and backup_path.exists() and backup_path.samefile(database):
        raise BadRequest(f"{backup_path} is the database itself; restore a backup of it.")
    check_backup(backup_path)
    draft = database.with_name(f".{database.name}.{os.getpid()}.restoring")
    kept = _free_name(database.with_name(database.name + ".before-restore"))
    try:
        # Through the backup API rather than a file copy, so whatever journal
        # mode the backup file was left in, the result is one whole database.
        owner_only(draft)
        source, copy = _read_only(backup_path), sqlite3.connect(draft)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        if database.exists():
            # A checkpoint folds the -wal file into the database, so the kept copy is whole on its own.
            old = sqlite3.connect(database)
            old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            old.close()
            os.replace(database, kept)
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)  # belong to the old file
        os.replace(draft, database)
        _fsync_folder(database.parent)
    finally:
        draft.unlink(missing_ok=True)
    return kept if kept.exists() else None


def _free_name(path):
    """``path``, or ``path.1``, ``path.2``... the first that does not exist
    (so a second restore does not throw away the copy the first one kept)."""
    candidate, n = path, 0
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate


def check_backup(path):
    """BadRequest unless ``path`` is a sound SQLite database of this app."""
    path = Path(path)
    if not path.is_file():
        raise BadRequest(f"There is no file {path}.")
    try:
        conn = _read_only(path)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            problem = _integrity_problem(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise BadRequest(f"{path} is not a SQLite database ({e}).")
    if not {"_sqlite_migrations", "annotations"} <= tables:
        raise BadRequest(f"{path} is a SQLite database, but not one of Factcheck Annotator's (no migrations table).")
    if problem:
        raise BadRequest(f"{path} is damaged ({problem}); restore another backup.")


def _read_only(path):
    """A connection that cannot change the file at ``path`` (nor create one)."""
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def _integrity_problem(conn):
    """None if ``PRAGMA integrity_check`` finds nothing, else its first finding."""
    result = conn.execute("PRAGMA integrity_check(1)").fetchone()[0]
    return None if result == "ok" else result


def _fsync_folder(folder):
    """Make a rename in ``folder`` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path):
    """Copy the database to PATH while the app keeps serving."""
    size = backup(current_app.config["DATABASE"], path)
    click.echo(f"Backed up to {Path(path).resolve()} ({size:,} bytes)")


@command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.confirmation_option(prompt="Replace the database with this backup? Stop the server first.")
def restore_command(path):
    """Replace the database with the backup at PATH. Stop the server first."""
    database = current_app.config["DATABASE"]
    kept = restore(path, database)
    click.echo(f"Restored {database} from {Path(path).resolve()}")
    if kept:
        click.echo(f"The previous database is kept as {kept}")


def init_app(app):
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
