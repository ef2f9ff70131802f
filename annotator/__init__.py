"""Factcheck Annotator: highlight claims and errors in news articles, give
verdicts and corrections, review teammates' work, export CSV.

Run ``flask --app annotator demo`` for a server with the demo article loaded.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def resource_folder(name):
    """templates/ or static/: inside the package when installed from a wheel,
    else at the top of the source tree."""
    package = Path(__file__).resolve().parent
    installed = package / name
    return str(installed if installed.is_dir() else package.parent / name)


def create_app(test_config=None):
    """The Flask app. Settings, later ones winning: defaults, ``instance/config.py``
    (skipped when ``test_config`` is given), ``ANNOTATOR_*`` environment
    variables (``ANNOTATOR_DATABASE``, ``ANNOTATOR_SECRET_KEY``, ...), test_config.
    """
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=resource_folder("templates"),
        static_folder=resource_folder("static"),
    )
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "annotator.sqlite3"),
        MAX_CONTENT_LENGTH=6 * 1024 * 1024,  # above the importer's 5 MB, so its message shows
        MAX_FORM_MEMORY_SIZE=4 * 1024 * 1024,  # a pasted article may be as long as an uploaded one
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=False,  # turn on when served over HTTPS only
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),  # since the last request; or seconds
        # Failed logins allowed per username, and per client address, within the window (seconds).
        LOGIN_LIMIT_PER_ACCOUNT=5,
        LOGIN_LIMIT_PER_ADDRESS=20,
        LOGIN_LIMIT_WINDOW=15 * 60,
        WTF_CSRF_TIME_LIMIT=None,
        # True lets URL imports reach loopback and private addresses; the
        # environment may say ANNOTATOR_IMPORT_ALLOW_PRIVATE or, as the
        # security issue names it, ANNOTATOR_ALLOW_PRIVATE_URLS: either turns it on.
        IMPORT_ALLOW_PRIVATE=False,
        # Where the site is published, e.g. "https://factcheck.example.org": the
        # start of the IRIs in the W3C and ClaimReview exports. Unset, a page's
        # export uses the address it was asked at, a command http://localhost:5000.
        PUBLIC_URL=None,
        # Who publishes our fact-checks, the author of every ClaimReview; the
        # URL defaults to PUBLIC_URL.
        CLAIMREVIEW_AUTHOR_NAME="Factcheck Annotator",
        CLAIMREVIEW_AUTHOR_URL=None,
        # "FULL": every save is on disk before it is answered, even across a
        # power cut; "NORMAL": faster saves under load, and a crash of the app
        # loses nothing, but a power cut may lose the last seconds of saves
        # (see db.connect).
        SQLITE_SYNCHRONOUS="FULL",
        # Keep database connections open from one request to the next; None
        # lets `flask serve` (waitress) turn it on, other servers and tests off.
        REUSE_DB_CONNECTIONS=None,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("ANNOTATOR")
    if test_config is not None:
        app.config.from_mapping(test_config)
    # from_prefixed_env keeps "no", "off" or "False" as (true) strings.
    app.config["SESSION_COOKIE_SECURE"] = _flag(app.config["SESSION_COOKIE_SECURE"])
    app.config["IMPORT_ALLOW_PRIVATE"] = app.config["ALLOW_PRIVATE_URLS"] = (
        _flag(app.config["IMPORT_ALLOW_PRIVATE"]) or _flag(app.config.get("ALLOW_PRIVATE_URLS", False)))
    app.config["SQLITE_SYNCHRONOUS"] = _synchronous(app.config["SQLITE_SYNCHRONOUS"])
    if app.config["REUSE_DB_CONNECTIONS"] is not None:
        app.config["REUSE_DB_CONNECTIONS"] = _flag(app.config["REUSE_DB_CONNECTIONS"])
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))

    app.after_request(_security_headers)

    from . import (admin, annotation_import, api, articles, auth, backup, conflicts, dashboard, db, demo, errors,
                   export, health, history, preview, queue, serve, timing)

    db.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    csrf.init_app(app)  # after auth, so an error page still knows who is logged in
    articles.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(queue.bp)
    export.init_app(app)
    app.register_blueprint(conflicts.bp)
    app.register_blueprint(preview.bp)
    demo.init_app(app)
    admin.init_app(app)
    annotation_import.init_app(app)
    health.init_app(app)
    backup.init_app(app)
    serve.init_app(app)
    timing.init_app(app)
    return app


def _flag(value):
    """A setting's truth: booleans as they are, strings as true/yes/on/1."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _synchronous(value):
    """SQLITE_SYNCHRONOUS in upper case; ValueError at start-up for a value
    ``db.connect`` does not take, rather than at the first request."""
    from .db import SYNCHRONOUS

    setting = str(value).strip().upper()
    if setting not in SYNCHRONOUS:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS)}, not {value!r}.")
    return setting


def _instance_secret_key(instance):
    """A random key kept in ``instance/secret_key`` (mode 600), made on first use."""
    path = instance / "secret_key"
    if not path.exists():
        # Write then link, so two processes starting at once agree on one key.
        draft = instance / f"secret_key.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
