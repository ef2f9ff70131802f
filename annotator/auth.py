"""Users, logging in and out, and the guard every other view sits behind."""

import functools
from urllib.parse import urlsplit

import click
from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from .cli import command
from .db import get_db, now, transaction
from .errors import LOGGED_OUT, AppError, BadRequest, Conflict
from .forms import LoginForm
from .text import find_control

bp = Blueprint("auth", __name__)

ROLES = ("reviewer", "editor", "admin")
#: Roles that accept and reject annotations, resolve conflicts and manage articles.
EDITOR_ROLES = ("editor", "admin")


def is_editor(user):
    """Whether ``user`` (a users row, or None) is an editor or an admin."""
    return user is not None and user["role"] in EDITOR_ROLES


def create_user(db, username, password, role="reviewer"):
    """Insert a user and return its id. Raises BadRequest or Conflict (taken name)."""
    username = (username or "").strip()
    if not username or len(username) > 80 or any(c.isspace() for c in username) or find_control(username):
        raise BadRequest("A username is 1 to 80 characters with no spaces or control characters.")
    if not password or len(password) < 8:
        raise BadRequest("A password needs at least 8 characters.")
    if role not in ROLES:
        raise BadRequest(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
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


def set_password(db, username, password):
    with transaction(db):
        db.execute(
            "UPDATE users SET password_hash = ? WHERE username = ?",
            [generate_password_hash(password), username],
        )


def authenticate(db, username, password):
    """The active user row for these credentials, or None."""
    rows = list(db["users"].rows_where("username = ? AND active = 1", [username.strip()]))
    if rows and check_password_hash(rows[0]["password_hash"], password):
        return rows[0]
    return None


@bp.before_app_request
def load_logged_in_user():
    user_id = session.get("user_id")
    g.user = None
    if user_id is not None and request.endpoint != "static":
        rows = list(get_db()["users"].rows_where("id = ? AND active = 1", [user_id]))
        g.user = rows[0] if rows else None


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
        user = authenticate(get_db(), form.username.data, form.password.data)
        if user:
            session.clear()
            session["user_id"] = user["id"]
            return redirect(_safe_next(request.args.get("next")) or url_for("articles.index"))
        flash("Wrong username or password.", "error")
    status = 401 if request.method == "POST" else 200
    return render_template("login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
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
