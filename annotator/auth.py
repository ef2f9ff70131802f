"""Users, logging in and out, and the guard every other view sits behind."""

import functools
import math
import secrets
import unicodedata
from urllib.parse import urlsplit

import click
from flask import (Blueprint, current_app, flash, g, make_response, redirect, render_template, request, session,
                   url_for)
from werkzeug.security import check_password_hash, generate_password_hash

from . import login_limits
from .cli import command
from .db import ROLES, first_row, get_db, now, transaction
from .errors import LOGGED_OUT, AppError, BadRequest, Conflict, NotFound
from .forms import LoginForm
from .text import find_control

bp = Blueprint("auth", __name__)

#: Roles that accept and reject annotations, resolve conflicts and manage articles.
EDITOR_ROLES = ("editor", "admin")
#: Passwords shorter are too easy to guess; longer ones the login form refuses.
MIN_PASSWORD, MAX_PASSWORD = 8, 200


def is_editor(user):
    """Whether ``user`` (a users row, or None) is an editor or an admin."""
    return user is not None and user["role"] in EDITOR_ROLES


def create_user(db, username, password, role="reviewer"):
    """Insert a user and return its id. Raises BadRequest or Conflict (taken name)."""
    username = unicodedata.normalize("NFC", (username or "").strip())
    if (not username or len(username) > 80 or any(c.isspace() for c in username) or find_control(username)
            or any(unicodedata.category(c) == "Cf" for c in username)):
        raise BadRequest("A username is 1 to 80 characters with no spaces, control or invisible formatting "
                         "characters (such as right-to-left overrides or zero-width spaces).")
    _check_password(password)
    _check_role(role)
    if db["users"].count_where("username = ?", [username]):
        raise Conflict(f"The username {username!r} is taken.")
    with transaction(db):
        return db["users"].insert(
            {
                "username": username,
                "password_hash": generate_password_hash(password),
                "role": role,
                "created_at": now(),
            }
        ).last_pk


def _check_password(password):
    if not password or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise BadRequest(f"A password needs at least {MIN_PASSWORD} characters (and at most {MAX_PASSWORD}).")


def _check_role(role):
    if role not in ROLES:
        raise BadRequest(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")


def get_user(db, user_id):
    """The user row with this id; NotFound if there is none."""
    rows = list(db["users"].rows_where("id = ?", [user_id]))
    if not rows:
        raise NotFound(f"There is no user {user_id}.")
    return rows[0]


def user_named(db, username):
    """The user row with this username (any case); NotFound if there is none."""
    rows = list(db["users"].rows_where("username = ?", [unicodedata.normalize("NFC", (username or "").strip())]))
    if not rows:
        raise NotFound(f"There is no user {username!r}.")
    return rows[0]


def list_users(db):
    """Every user, by username: list of {id, username, role, active (0 or 1),
    created_at, annotations (not deleted), reviews (given)}."""
    return list(db.query("""
        SELECT users.id, users.username, users.role, users.active, users.created_at,
          COALESCE(a.n, 0) AS annotations, COALESCE(r.n, 0) AS reviews
        FROM users
        LEFT JOIN (SELECT author_id, COUNT(*) AS n FROM annotations WHERE deleted_at IS NULL GROUP BY author_id) a
          ON a.author_id = users.id
        LEFT JOIN (SELECT reviewer_id, COUNT(*) AS n FROM reviews GROUP BY reviewer_id) r
          ON r.reviewer_id = users.id
        ORDER BY users.username COLLATE NOCASE
    """))


def set_password(db, username, password):
    """Give ``username`` a new password and end every session they have open
    (on any device). Raises BadRequest for a password of the wrong length,
    NotFound for an unknown user. Returns the user row after."""
    _check_password(password)
    with transaction(db):
        user = user_named(db, username)
        db.execute(
            "UPDATE users SET password_hash = ?, session_version = session_version + 1 WHERE id = ?",
            [generate_password_hash(password), user["id"]],
        )
    return get_user(db, user["id"])


def set_role(db, username, role):
    """Give ``username`` the role ``role`` (one of ROLES); the user row after.

    Raises BadRequest for an unknown role, NotFound for an unknown user, and
    Conflict when the last active admin would stop being one (nobody could
    manage users any more)."""
    _check_role(role)
    with transaction(db):
        user = user_named(db, username)
        if user["role"] == "admin" and role != "admin":
            _keep_an_admin(db, user)
        db.execute("UPDATE users SET role = ? WHERE id = ?", [role, user["id"]])
    return get_user(db, user["id"])


def set_active(db, username, active):
    """Deactivate (``active`` False) or reactivate a user; the user row after.

    A deactivated user cannot log in and their open sessions end at their next
    request; their annotations and reviews stay, under their name. Reactivating
    does not revive those sessions. Raises NotFound for an unknown user and
    Conflict when the last active admin would be deactivated."""
    with transaction(db):
        user = user_named(db, username)
        if bool(user["active"]) == bool(active):
            return user
        if not active and user["role"] == "admin":
            _keep_an_admin(db, user)
        db.execute(
            "UPDATE users SET active = ?, session_version = session_version + ? WHERE id = ?",
            [int(bool(active)), 0 if active else 1, user["id"]],
        )
    return get_user(db, user["id"])


def _keep_an_admin(db, user):
    """Conflict unless an active admin other than ``user`` remains. Call inside
    the transaction that changes ``user``, so two admins demoting each other
    at once cannot both succeed."""
    others = db.execute(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1 AND id <> ?", [user["id"]]
    ).fetchone()[0]
    if user["active"] and not others:
        raise Conflict(
            f"{user['username']} is the last active admin; make someone else an admin first, "
            "so that somebody can still manage users."
        )


def authenticate(db, username, password, include_inactive=False):
    """The active user row for these credentials, or None; with
    include_inactive, a deactivated one's too (to tell them so).

    An unknown username costs one password check too (against a hash of
    nothing), so the answer's timing does not tell which names exist."""
    name = unicodedata.normalize("NFC", username.strip())
    rows = list(db["users"].rows_where("username = ?" + ("" if include_inactive else " AND active = 1"), [name]))
    if not rows:
        check_password_hash(_dummy_hash(), password)
        return None
    if check_password_hash(rows[0]["password_hash"], password):
        return rows[0]
    return None


@functools.cache
def _dummy_hash():
    """A hash made with the same (default) method as real ones, so checking
    against it takes as long."""
    return generate_password_hash(secrets.token_hex(16))


def log_in(user):
    """Start a session for ``user`` (a row). It lasts PERMANENT_SESSION_LIFETIME
    after the last request, until logout, or until a password reset or
    deactivation bumps the user's ``session_version``."""
    session.clear()
    session.permanent = True
    session["user_id"] = user["id"]
    session["session_version"] = user["session_version"]


@bp.before_app_request
def load_logged_in_user():
    """``g.user``: the session's user row, or None when nobody is logged in, the
    user was deactivated, or their sessions were ended since this one began."""
    user_id = session.get("user_id")
    g.user = None
    if user_id is not None and request.endpoint != "static":
        # Sessions begun before session_version existed count as version 0, its default.
        g.user = first_row(get_db(), "SELECT * FROM users WHERE id = ? AND active = 1 AND session_version = ?",
                           [user_id, session.get("session_version", 0)])


def login_required(view):
    """Send anonymous visitors to the login page (401 JSON under /api/)."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            if request.path.startswith("/api/"):
                raise AppError(LOGGED_OUT, 401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(**kwargs)

    return wrapped


def _safe_next(target):
    """Only follow a ``next`` that stays on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if target.startswith("/login"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if g.user is not None and request.method == "GET":
        return redirect(url_for("articles.index"))
    form = LoginForm()
    if form.validate_on_submit():
        db, limits, address = get_db(), login_limits.limits_of(current_app.config), request.remote_addr or ""
        wait, attempt = login_limits.reserve(db, form.username.data, address, limits)
        if wait:
            return _too_many_logins(form, wait)
        user = authenticate(db, form.username.data, form.password.data, include_inactive=True)
        if user and user["active"]:
            login_limits.forgive(db, form.username.data)
            log_in(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("articles.index"))
        if user is not None:  # the right password of a deactivated account: no failure
            login_limits.release(db, attempt)
        # Only someone who knows the password learns that the account exists.
        flash("This account is deactivated; ask an admin to reactivate it." if user
              else "Wrong username or password.", "error")
    status = 401 if request.method == "POST" else 200
    return render_template("login.html", form=form), status


def _too_many_logins(form, wait):
    """429 with Retry-After (seconds) and the login form, saying how long to wait."""
    minutes = math.ceil(wait / 60)
    flash(f"Too many failed logins. Wait {minutes} minute{'s' if minutes != 1 else ''}, then try again "
          "(or ask an admin to set you a new password).", "error")
    response = make_response(render_template("login.html", form=form), 429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    # The cookie is signed, not stored: a copy of it would stay valid after
    # clearing it here, so the user's sessions everywhere are ended instead.
    if g.user is not None:
        db = get_db()
        with transaction(db):
            db.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?", [g.user["id"]])
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@command("create-user")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Leave out to be asked for it.")
@click.option("--role", type=click.Choice(ROLES), default="reviewer", show_default=True)
def create_user_command(username, password, role):
    """Create a user who can log in."""
    user_id = create_user(get_db(), username, password, role)
    click.echo(f"Created user {username} ({role}), id {user_id}")


def init_app(app):
    app.register_blueprint(bp)
    app.context_processor(lambda: {"is_editor": is_editor(g.get("user"))})
    app.cli.add_command(create_user_command)
