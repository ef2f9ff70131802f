"""User administration and the verdict scale: admin pages under /admin, and
the same user actions as commands.

Every page and form here is for admins only: anonymous visitors are sent to
log in, reviewers and editors get 403 and change nothing.
"""

import click
from flask import Blueprint, flash, g, redirect, render_template, url_for

from . import scale
from .annotations import verdicts
from .auth import (create_user, get_user, list_users, log_in, login_required, set_active, set_password, set_role,
                   user_named)
from .cli import command
from .db import ROLES, get_db
from .errors import AppError, Forbidden
from .forms import ButtonForm, MoveForm, NewUserForm, PasswordForm, RoleForm, VerdictEditForm, VerdictForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    if g.user["role"] != "admin":
        raise Forbidden("Only admins manage users and the verdict scale.")


@bp.get("/")
def index():
    return redirect(url_for(".users"))


# ---------------------------------------------------------------- users


@bp.route("/users", methods=["GET", "POST"])
def users():
    """The list of users, and the form that adds one."""
    form = NewUserForm()
    status = 200
    if form.validate_on_submit():
        try:
            create_user(get_db(), form.username.data, form.password.data, form.role.data)
        except AppError as e:
            form.form_errors.append(e.message)
            status = e.status
        else:
            flash(f"Added {form.username.data.strip()} ({form.role.data}). Tell them their password in person.", "info")
            return redirect(url_for(".users"))
    elif form.errors:
        status = 400
    return _users_page(form, status)


def _users_page(new_user=None, status=200):
    people = list_users(get_db())
    role_forms = {u["id"]: RoleForm(formdata=None, role=u["role"]) for u in people}
    return render_template("admin_users.html", users=people, role_forms=role_forms, button=ButtonForm(),
                           new_user=new_user or NewUserForm(formdata=None)), status


@bp.post("/users/<id:user_id>/role")
def change_role(user_id):
    user = get_user(get_db(), user_id)
    form = RoleForm()

    def change():
        changed = set_role(get_db(), user["username"], form.role.data)
        return f"{changed['username']} is now {_a(changed['role'])}."

    def back():
        # An admin who made themself an editor may no longer see the list.
        return ".users" if get_user(get_db(), g.user["id"])["role"] == "admin" else "articles.index"

    return _submit(form, change, back, _users_page)


@bp.post("/users/<id:user_id>/deactivate")
def deactivate(user_id):
    user = get_user(get_db(), user_id)

    def change():
        set_active(get_db(), user["username"], False)
        return (f"Deactivated {user['username']}: they cannot log in, and any page they have open is logged out. "
                "Their annotations and reviews stay.")

    return _submit(ButtonForm(), change, ".users", _users_page)


@bp.post("/users/<id:user_id>/activate")
def activate(user_id):
    user = get_user(get_db(), user_id)

    def change():
        set_active(get_db(), user["username"], True)
        return f"Reactivated {user['username']}: they can log in again."

    return _submit(ButtonForm(), change, ".users", _users_page)


@bp.route("/users/<id:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id):
    """The admin types the user's new password twice and tells it to them;
    nothing is generated, so no password passes through a page or a cookie."""
    db = get_db()
    user = get_user(db, user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            changed = set_password(db, user["username"], form.password.data)
        except AppError as e:
            form.password.errors.append(e.message)
        else:
            if changed["id"] == g.user["id"]:
                log_in(changed)  # the admin's own reset ends their other sessions, not this one
            flash(f"New password set for {user['username']}; every session they had open has ended.", "info")
            return redirect(url_for(".users"))
    status = 400 if form.errors else 200
    return render_template("admin_password.html", form=form, user=user), status


# ---------------------------------------------------------------- verdict scale


@bp.route("/verdicts", methods=["GET", "POST"])
def verdict_scale():
    """The verdict scale in order, and the form that adds a verdict."""
    form = VerdictForm()
    status = 200
    if form.validate_on_submit():
        try:
            added = scale.add_verdict(get_db(), form.name.data, form.label.data, form.colour.data,
                                      form.rating.data)
        except AppError as e:
            form.form_errors.append(e.message)
            status = e.status
        else:
            flash(f"Added {added['label']} at the end of the scale; move it where it belongs.", "info")
            return redirect(url_for(".verdict_scale"))
    elif form.errors:
        status = 400
    return _verdicts_page(form, status)


def _verdicts_page(new_verdict=None, status=200, edited=None):
    """The scale page. edited: {name: VerdictEditForm} to show as submitted
    (a refused edit keeps what the admin typed)."""
    db = get_db()
    scale_rows = verdicts(db)
    edit_forms = {v["name"]: VerdictEditForm(formdata=None, label=v["label"], colour=v["colour"],
                                                  rating=v["rating"]) for v in scale_rows}
    edit_forms.update(edited or {})
    return render_template("admin_verdicts.html", verdicts=scale_rows, usage=scale.usage(db), edit_forms=edit_forms,
                           move=MoveForm(formdata=None), button=ButtonForm(),
                           new_verdict=new_verdict or VerdictForm(formdata=None)), status


@bp.post("/verdicts/<name>")
def edit_verdict(name):
    verdict = scale.get_verdict(get_db(), name)
    form = VerdictEditForm()

    def change():
        changed = scale.update_verdict(get_db(), name, form.label.data, form.colour.data, form.rating.data)
        return f"Saved {changed['label']} ({changed['name']})."

    def page(status):
        return _verdicts_page(status=status, edited={verdict["name"]: form})

    return _submit(form, change, ".verdict_scale", page)


@bp.post("/verdicts/<name>/move")
def move_verdict(name):
    scale.get_verdict(get_db(), name)
    form = MoveForm()

    def change():
        scale.move_verdict(get_db(), name, form.direction.data)
        return f"Moved {scale.get_verdict(get_db(), name)['label']} {form.direction.data}."

    return _submit(form, change, ".verdict_scale", _verdicts_page)


@bp.post("/verdicts/<name>/delete")
def delete_verdict(name):
    verdict = scale.get_verdict(get_db(), name)

    def change():
        scale.delete_verdict(get_db(), name)
        return f"Deleted {verdict['label']} from the scale."

    return _submit(ButtonForm(), change, ".verdict_scale", _verdicts_page)


# ---------------------------------------------------------------- shared


def _submit(form, change, back, page):
    """The shape of every button on the two lists. A valid ``form`` runs
    ``change()``, which returns what to flash, then redirects to the endpoint
    ``back`` (or the one ``back()`` names after the change), so a reload sends
    nothing twice. Bad input or a refused change shows the list again with the
    reason and its 4xx status, nothing changed. page(status=...) renders the list."""
    if form.validate_on_submit():
        try:
            flash(change(), "info")
            return redirect(url_for(back() if callable(back) else back))
        except AppError as e:
            message, status = e.message, e.status
    else:
        message, status = _first_error(form), 400
    flash(message, "error")
    return page(status=status)


def _first_error(form):
    for field in form:
        for error in field.errors:
            return f"{field.label.text}: {error}"
    return "The form was incomplete; reload the page and try again."


def _a(role):
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


# ---------------------------------------------------------------- commands


@command("list-users")
def list_users_command():
    """List every user: id, role, whether active, when added, annotations and reviews."""
    header = ("id", "username", "role", "status", "added", "annotations", "reviews")
    rows = [header] + [
        (str(u["id"]), u["username"], u["role"], "active" if u["active"] else "deactivated", u["created_at"][:10],
         str(u["annotations"]), str(u["reviews"]))
        for u in list_users(get_db())
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    numeric = {0, 5, 6}
    for row in rows:
        cells = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        click.echo("  ".join(cells).rstrip())


@command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def set_role_command(username, role):
    """Give a user another role: reviewer, editor or admin."""
    user = set_role(get_db(), username, role)
    click.echo(f"{user['username']} is now {_a(user['role'])}")


@command("deactivate-user")
@click.argument("username")
def deactivate_user_command(username):
    """Stop a user logging in and end their open sessions; their annotations
    and reviews stay."""
    db = get_db()
    if not user_named(db, username)["active"]:
        raise click.ClickException(f"{username} is already deactivated.")
    user = set_active(db, username, False)
    click.echo(f"Deactivated {user['username']}")


@command("activate-user")
@click.argument("username")
def activate_user_command(username):
    """Let a deactivated user log in again."""
    db = get_db()
    if user_named(db, username)["active"]:
        raise click.ClickException(f"{username} is already active.")
    user = set_active(db, username, True)
    click.echo(f"Reactivated {user['username']}")


@command("reset-password")
@click.argument("username")
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True,
              help="Leave out to be asked for it.")
def reset_password_command(username, password):
    """Set a user's new password; every session they have open ends."""
    user = set_password(get_db(), username, password)
    click.echo(f"New password set for {user['username']}; their open sessions have ended.")


def init_app(app):
    app.register_blueprint(bp)
    for cli_command in (list_users_command, set_role_command, deactivate_user_command, activate_user_command,
                        reset_password_command):
        app.cli.add_command(cli_command)
