"""User administration and the verdict scale: pages, guards and commands."""

import html
import re

import pytest

from annotator import agreement, scale
from annotator.articles import get_article
from annotator.auth import authenticate, create_user, set_active, set_role
from annotator.errors import Conflict
from tests.conftest import PASSWORD, Session, claim

NEW_PASSWORD = "a much newer secret"


def post(session, path, data=None):
    """A form POST with the session's CSRF token, as the page's forms send it."""
    return session.client.post(path, data={**(data or {}), "csrf_token": session.csrf_token("/")})


def user(db, username):
    return next(db["users"].rows_where("username = ?", [username]))


def snapshot(db):
    """Everything an admin action could change."""
    return list(db["users"].rows), list(db.query("SELECT * FROM verdicts ORDER BY position"))


def flashes(response, category="error"):
    found = re.findall(rf'class="flash flash-{category}" role="status">([^<]*)<', response.get_data(as_text=True))
    return [html.unescape(f) for f in found]


def form_errors(response):
    found = re.findall(r'class="(?:form|field)-error" role="alert">([^<]*)<', response.get_data(as_text=True))
    return [html.unescape(f) for f in found]


def logged_in(session):
    return session.client.get("/").status_code == 200


# (method, path, form data): every admin route, with input that would change something.
ROUTES = [
    ("GET", "/admin/", None),
    ("GET", "/admin/users", None),
    ("POST", "/admin/users", {"username": "mallory", "password": PASSWORD, "role": "admin"}),
    ("POST", "/admin/users/2/role", {"role": "admin"}),
    ("POST", "/admin/users/2/deactivate", {}),
    ("POST", "/admin/users/2/activate", {}),
    ("GET", "/admin/users/2/password", None),
    ("POST", "/admin/users/2/password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    ("GET", "/admin/verdicts", None),
    ("POST", "/admin/verdicts", {"name": "half-true", "label": "Half true", "colour": "#123456"}),
    ("POST", "/admin/verdicts/true", {"label": "Correct", "colour": "#000000"}),
    ("POST", "/admin/verdicts/true/move", {"direction": "down"}),
    ("POST", "/admin/verdicts/unverifiable/delete", {}),
]


def send(session, method, path, data):
    return session.client.get(path) if method == "GET" else post(session, path, data)


@pytest.mark.parametrize("method, path, data", ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(anonymous, db, method, path, data):
    before = snapshot(db)
    response = send(anonymous, method, path, data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/admin")
    assert snapshot(db) == before


@pytest.mark.parametrize("who", ["alice", "erin"])
@pytest.mark.parametrize("method, path, data", ROUTES)
def test_reviewers_and_editors_get_403_and_change_nothing(app, db, editor, who, method, path, data):
    session = Session(app.test_client())
    session.login(who)
    before = snapshot(db)
    response = send(session, method, path, data)
    assert response.status_code == 403
    assert "Only admins manage users" in response.get_data(as_text=True)
    assert snapshot(db) == before


def test_users_page_lists_roles_states_and_counts(admin, alice, bob, db):
    text = get_article(db, 1)["text"]
    created = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro"))
    assert created.status_code == 201
    assert bob.api("POST", f"/api/annotations/{created.get_json()['id']}/reviews",
                   json={"decision": "agree"}).status_code == 201
    set_active(db, "bob", False)
    page = admin.client.get("/admin/users").get_data(as_text=True)
    rows = {m[0]: m[1] for m in re.findall(r'<tr id="user-(\d+)" class="[^"]*">(.*?)</tr>', page, re.S)}
    alice_row, bob_row = rows[str(user(db, "alice")["id"])], rows[str(user(db, "bob")["id"])]
    assert "Active" in alice_row and '<option selected value="reviewer">' in alice_row
    assert re.findall(r'<td class="num">(\d+)</td>', alice_row) == ["1", "0"]
    assert "Deactivated" in bob_row and "Reactivate" in bob_row
    assert re.findall(r'<td class="num">(\d+)</td>', bob_row) == ["0", "1"]
    assert '>ada</span> <span class="muted">(you)</span>' in page


def test_admin_creates_a_user_who_can_log_in(admin, app, db):
    response = post(admin, "/admin/users", {"username": " carol ", "password": PASSWORD, "role": "editor"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    assert "Added carol (editor)" in admin.client.get("/admin/users").get_data(as_text=True)
    assert user(db, "carol")["role"] == "editor"
    carol = Session(app.test_client())
    carol.login("carol")
    assert logged_in(carol)


@pytest.mark.parametrize("data, status, message", [
    ({"username": "ALICE", "password": PASSWORD, "role": "reviewer"}, 409, "The username 'ALICE' is taken."),
    ({"username": "carol", "password": "short", "role": "reviewer"}, 400, "at least 8 characters"),
    ({"username": "car ol", "password": PASSWORD, "role": "reviewer"}, 400, "no spaces"),
    ({"username": "carol", "password": PASSWORD, "role": "king"}, 400, "Unknown role 'king'"),
    ({"username": "", "password": PASSWORD, "role": "reviewer"}, 400, "Give the new user a username."),
    ({"username": "carol", "password": "", "role": "reviewer"}, 400, "Give the new user a password."),
    ({"username": "carol", "password": "x" * 201, "role": "reviewer"}, 400, "at most 200"),
])
def test_bad_new_users_are_form_errors_and_nothing_is_written(admin, db, data, status, message):
    before = snapshot(db)
    response = post(admin, "/admin/users", data)
    assert response.status_code == status
    assert any(message in error for error in form_errors(response)), form_errors(response)
    assert f'value="{data["username"]}"' in response.get_data(as_text=True)  # what was typed stays
    assert snapshot(db) == before


def test_admin_changes_a_role_and_it_takes_effect_at_once(admin, alice, db):
    alice_id = user(db, "alice")["id"]
    response = post(admin, f"/admin/users/{alice_id}/role", {"role": "editor"})
    assert response.status_code == 302
    assert "alice is now an editor." in admin.client.get("/admin/users").get_data(as_text=True)
    assert user(db, "alice")["role"] == "editor"
    # Her open session acts as an editor from her next request: she may now set a status.
    text = get_article(db, 1)["text"]
    created = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    assert alice.api("POST", f"/api/annotations/{created['id']}/status", json={"status": "accepted"}).status_code == 200


def test_an_unknown_role_is_refused_with_a_message(admin, db):
    before = snapshot(db)
    response = post(admin, f"/admin/users/{user(db, 'alice')['id']}/role", {"role": "king"})
    assert response.status_code == 400
    assert flashes(response) == ["Unknown role 'king'; use one of reviewer, editor, admin."]
    assert snapshot(db) == before


@pytest.mark.parametrize("path", ["/role", "/deactivate", "/activate", "/password"])
def test_unknown_users_are_404(admin, path):
    assert post(admin, "/admin/users/999" + path, {"role": "editor"}).status_code == 404
    assert admin.client.get("/admin/users/99999999999999999999/password").status_code == 404


def test_the_last_active_admin_cannot_demote_or_deactivate_themself(admin, db):
    ada = user(db, "ada")
    before = snapshot(db)
    for path, data in ((f"/admin/users/{ada['id']}/role", {"role": "editor"}),
                       (f"/admin/users/{ada['id']}/deactivate", {})):
        response = post(admin, path, data)
        assert response.status_code == 409
        assert flashes(response) == ["ada is the last active admin; make someone else an admin first, "
                                     "so that somebody can still manage users."]
    assert snapshot(db) == before
    assert logged_in(admin)

    # A second admin makes it possible; a deactivated one would not have.
    create_user(db, "grace", PASSWORD, role="admin")
    set_active(db, "grace", False)
    assert post(admin, f"/admin/users/{ada['id']}/role", {"role": "editor"}).status_code == 409
    set_active(db, "grace", True)
    response = post(admin, f"/admin/users/{ada['id']}/role", {"role": "editor"})
    assert response.status_code == 302 and response.headers["Location"] == "/"  # the list is no longer hers
    assert user(db, "ada")["role"] == "editor"
    assert admin.client.get("/admin/users").status_code == 403  # no longer an admin
    with pytest.raises(Conflict, match="grace is the last active admin"):
        set_role(db, "grace", "reviewer")


def test_deactivation_ends_open_sessions_and_keeps_the_work(admin, alice, bob, app, db):
    text = get_article(db, 1)["text"]
    created = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro")).get_json()
    assert logged_in(alice)
    response = post(admin, f"/admin/users/{user(db, 'alice')['id']}/deactivate")
    assert response.status_code == 302
    assert "Deactivated alice" in admin.client.get("/admin/users").get_data(as_text=True)

    assert alice.client.get("/").headers["Location"].startswith("/login")
    assert alice.api("GET", "/api/articles/1").status_code == 401
    assert authenticate(db, "alice", PASSWORD) is None
    assert Session(app.test_client()).login("alice").status_code == 401
    # Her annotation is still there, under her name.
    [kept] = bob.api("GET", "/api/articles/1/annotations").get_json()
    assert (kept["id"], kept["author"]) == (created["id"], "alice")

    # Reactivated, she logs in afresh; the session open before stays ended.
    assert post(admin, f"/admin/users/{user(db, 'alice')['id']}/activate").status_code == 302
    assert user(db, "alice")["active"] == 1
    assert not logged_in(alice)
    alice.login("alice")
    assert logged_in(alice)


def test_password_reset_logs_the_user_out_everywhere_and_the_new_password_works(admin, alice, app, db):
    alice_id = user(db, "alice")["id"]
    form = admin.client.get(f"/admin/users/{alice_id}/password").get_data(as_text=True)
    assert "Reset alice's password" in re.sub(r"<[^>]+>", "", form)  # the name sits in an isolating span
    response = post(admin, f"/admin/users/{alice_id}/password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    assert not logged_in(alice)
    assert authenticate(db, "alice", PASSWORD) is None
    fresh = Session(app.test_client())
    assert fresh.login("alice", NEW_PASSWORD).status_code == 302
    assert logged_in(fresh)
    assert logged_in(admin)


def test_an_admin_resetting_their_own_password_stays_logged_in_here_only(admin, app, db):
    elsewhere = Session(app.test_client())
    elsewhere.login("ada")
    ada_id = user(db, "ada")["id"]
    assert post(admin, f"/admin/users/{ada_id}/password",
                {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert logged_in(admin)
    assert not logged_in(elsewhere)


@pytest.mark.parametrize("data, message", [
    ({"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"}, "The two passwords differ; type them again."),
    ({"password": "short", "confirm": "short"}, "A password needs at least 8 characters (and at most 200)."),
    ({"password": "", "confirm": ""}, "Type the new password."),
])
def test_bad_password_resets_change_nothing(admin, alice, db, data, message):
    before = snapshot(db)
    response = post(admin, f"/admin/users/{user(db, 'alice')['id']}/password", data)
    assert response.status_code == 400
    assert message in form_errors(response)
    assert snapshot(db) == before
    assert logged_in(alice)


def test_sessions_from_before_the_session_version_still_work(alice):
    """Regression guard for the upgrade: sessions made before m007 carry no session_version."""
    with alice.client.session_transaction() as session:
        del session["session_version"]
    assert logged_in(alice)


# ---------------------------------------------------------------- verdict scale


def names(db):
    return [v["name"] for v in db.query("SELECT name FROM verdicts ORDER BY position")]


def test_admin_adds_a_verdict_that_claims_can_use(admin, alice, db):
    response = post(admin, "/admin/verdicts", {"name": "half-true", "label": "Half true", "colour": "#ABCDEF"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/verdicts"
    assert names(db)[-1] == "half-true"
    assert scale.get_verdict(db, "half-true")["colour"] == "#abcdef"
    text = get_article(db, 1)["text"]
    response = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "half-true"))
    assert response.status_code == 201
    assert '"label": "Half true"' in alice.client.get("/articles/1").get_data(as_text=True)


@pytest.mark.parametrize("data, status, message", [
    ({"name": "Half True", "label": "Half true", "colour": "#123456"}, 400, "lower-case letters"),
    ({"name": "half--true", "label": "Half true", "colour": "#123456"}, 400, "single hyphens"),
    ({"name": "h" * 41, "label": "Half true", "colour": "#123456"}, 400, "1 to 40"),
    ({"name": "half-true", "label": "Half true", "colour": "red"}, 400, "#rrggbb"),
    ({"name": "half-true", "label": "x" * 61, "colour": "#123456"}, 400, "1 to 60 characters"),
    ({"name": "half-true", "label": "Bad\x07", "colour": "#123456"}, 400, "without control"),
    ({"name": "half-true", "label": "Evil\u202e", "colour": "#123456"}, 400, "invisible formatting"),
    ({"name": "", "label": "Half true", "colour": "#123456"}, 400, "Give the verdict a name"),
    ({"name": "false", "label": "Wrong", "colour": "#123456"}, 409, "already has a verdict named 'false'"),
    ({"name": "wrong", "label": "FALSE", "colour": "#123456"}, 409, "already has the label"),
])
def test_bad_verdicts_are_form_errors_and_nothing_is_written(admin, db, data, status, message):
    before = snapshot(db)
    response = post(admin, "/admin/verdicts", data)
    assert response.status_code == status
    assert any(message in error for error in form_errors(response)), form_errors(response)
    assert snapshot(db) == before


def test_admin_relabels_and_recolours_a_verdict_but_not_its_name(admin, alice, db):
    response = post(admin, "/admin/verdicts/mixed", {"label": "Half true", "colour": "#00FF00", "name": "half",
                                                     "rating": "3"})
    assert response.status_code == 302
    assert dict(scale.get_verdict(db, "mixed")) == {"name": "mixed", "label": "Half true", "colour": "#00ff00",
                                                    "position": 2, "rating": 3}
    assert '"label": "Half true"' in alice.client.get("/articles/1").get_data(as_text=True)


@pytest.mark.parametrize("data, status, message", [
    ({"label": "", "colour": "#123456"}, 400, "Label: A verdict needs a label."),
    ({"label": "Fine", "colour": "#12345"}, 400, "A colour is written #rrggbb, such as #2e7d32."),
    ({"label": "true", "colour": "#123456"}, 409, "The verdict 'true' already has the label"),
])
def test_bad_verdict_edits_change_nothing_and_keep_what_was_typed(admin, db, data, status, message):
    before = snapshot(db)
    response = post(admin, "/admin/verdicts/mixed", data)
    assert response.status_code == status
    assert any(message in f for f in flashes(response)), flashes(response)
    assert snapshot(db) == before
    assert re.search(f'id="label-mixed"[^>]* value="{data["label"]}"', response.get_data(as_text=True))


def test_unknown_verdicts_are_404(admin):
    for path in ("/admin/verdicts/nope", "/admin/verdicts/nope/move", "/admin/verdicts/nope/delete"):
        assert post(admin, path, {"label": "X", "colour": "#000000", "direction": "up"}).status_code == 404


def test_admin_reorders_the_scale(admin, db):
    assert post(admin, "/admin/verdicts/mixed/move", {"direction": "up"}).status_code == 302
    assert names(db)[:3] == ["true", "mixed", "mostly-true"]
    assert post(admin, "/admin/verdicts/true/move", {"direction": "down"}).status_code == 302
    assert names(db)[:3] == ["mixed", "true", "mostly-true"]
    before = snapshot(db)
    response = post(admin, "/admin/verdicts/mixed/move", {"direction": "up"})
    assert response.status_code == 400 and flashes(response) == ["Mixed is already first on the scale."]
    response = post(admin, "/admin/verdicts/unverifiable/move", {"direction": "down"})
    assert response.status_code == 400 and flashes(response) == ["Unverifiable is already last on the scale."]
    response = post(admin, "/admin/verdicts/true/move", {"direction": "sideways"})
    assert response.status_code == 400 and flashes(response) == ['direction must be "up" or "down".']
    assert snapshot(db) == before


def test_the_order_of_the_scale_is_what_ordinal_agreement_measures(alice, bob, db):
    text = get_article(db, 1)["text"]
    judged = [("Maduro", "true", "mostly-true"), ("Guaido", "true", "unverifiable"),
              ("72 hours", "false", "false"), ("Trump", "mostly-false", "false")]
    for quote, a, b in judged:
        assert alice.api("POST", "/api/articles/1/annotations", json=claim(text, quote, a)).status_code == 201
        assert bob.api("POST", "/api/articles/1/annotations", json=claim(text, quote, b)).status_code == 201
    before = agreement.agreement(db, 1)
    for _ in range(5):  # unverifiable, from last, to right after true
        scale.move_verdict(db, "unverifiable", "up")
    after = agreement.agreement(db, 1)
    assert after["krippendorff_alpha_nominal"] == before["krippendorff_alpha_nominal"]
    assert after["krippendorff_alpha_ordinal"] > before["krippendorff_alpha_ordinal"]


def test_only_unused_verdicts_can_be_deleted(admin, alice, bob, editor, db):
    text = get_article(db, 1)["text"]
    assert 'action="/admin/verdicts/misleading/delete"' in admin.client.get("/admin/verdicts").get_data(as_text=True)
    assert post(admin, "/admin/verdicts/misleading/delete").status_code == 302
    assert "misleading" not in names(db)

    # Used as a verdict (even on a deleted claim), in a disagreeing review, or as a final verdict.
    gone = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "mixed")).get_json()
    alice.api("DELETE", f"/api/annotations/{gone['id']}")
    kept = alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Guaido", "true")).get_json()
    bob.api("POST", f"/api/annotations/{kept['id']}/reviews",
            json={"decision": "disagree", "verdict": "mostly-true", "comment": "Partly."})
    editor.api("POST", f"/api/annotations/{kept['id']}/status", json={"status": "accepted", "final_verdict": "false"})
    page = admin.client.get("/admin/verdicts").get_data(as_text=True)
    before = snapshot(db)
    for name, label, used in (("mixed", "Mixed", "1 annotation, 0 reviews"),
                              ("mostly-true", "Mostly true", "0 annotations, 1 review"),
                              ("false", "False", "1 annotation, 0 reviews")):
        assert f'action="/admin/verdicts/{name}/delete"' not in page
        response = post(admin, f"/admin/verdicts/{name}/delete")
        assert response.status_code == 409
        assert flashes(response) == [f"{label} is in use ({used}), so it cannot be deleted. Change its label instead."]
    assert snapshot(db) == before
    assert 'action="/admin/verdicts/unverifiable/delete"' in page


def test_the_scale_keeps_one_verdict(db):
    for name in ["mostly-true", "mixed", "mostly-false", "false", "misleading", "unverifiable"]:
        scale.delete_verdict(db, name)
    with pytest.raises(Conflict, match="at least one verdict"):
        scale.delete_verdict(db, "true")


# ---------------------------------------------------------------- commands


def test_list_users(runner, alice, db):
    text = get_article(db, 1)["text"]
    alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro"))
    set_active(db, "bob", False)
    result = runner.invoke(args=["list-users"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["id", "username", "role", "status", "added", "annotations", "reviews"]
    assert lines[1].split()[1:4] + lines[1].split()[5:] == ["alice", "reviewer", "active", "1", "0"]
    assert lines[2].split()[1:4] + lines[2].split()[5:] == ["bob", "reviewer", "deactivated", "0", "0"]


def test_set_role_command(runner, db):
    result = runner.invoke(args=["set-role", "ALICE", "admin"])
    assert result.exit_code == 0 and result.output == "alice is now an admin\n"
    assert user(db, "alice")["role"] == "admin"
    result = runner.invoke(args=["set-role", "alice", "king"])
    assert result.exit_code == 2 and "'king' is not one of" in result.output
    result = runner.invoke(args=["set-role", "nobody", "editor"])
    assert result.exit_code == 1 and "Error: There is no user 'nobody'." in result.output
    result = runner.invoke(args=["set-role", "alice", "reviewer"])
    assert result.exit_code == 1 and "alice is the last active admin" in result.output
    assert user(db, "alice")["role"] == "admin"


def test_deactivate_and_activate_commands(runner, alice, db):
    result = runner.invoke(args=["deactivate-user", "alice"])
    assert result.exit_code == 0 and result.output == "Deactivated alice\n"
    assert not logged_in(alice)
    result = runner.invoke(args=["deactivate-user", "alice"])
    assert result.exit_code == 1 and "alice is already deactivated." in result.output
    assert runner.invoke(args=["activate-user", "alice"]).output == "Reactivated alice\n"
    result = runner.invoke(args=["activate-user", "alice"])
    assert result.exit_code == 1 and "alice is already active." in result.output
    assert runner.invoke(args=["deactivate-user", "nobody"]).exit_code == 1
    assert user(db, "alice")["active"] == 1


def test_reset_password_command(runner, alice, db):
    result = runner.invoke(args=["reset-password", "alice"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "New password set for alice; their open sessions have ended." in result.output
    assert not logged_in(alice)
    assert authenticate(db, "alice", NEW_PASSWORD)
    result = runner.invoke(args=["reset-password", "alice"], input=f"{PASSWORD}\n{PASSWORD}x\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0 and "do not match" in result.output
    assert authenticate(db, "alice", PASSWORD)
    before = snapshot(db)
    result = runner.invoke(args=["reset-password", "alice", "--password", "short"])
    assert result.exit_code == 1 and "at least 8 characters" in result.output
    result = runner.invoke(args=["reset-password", "nobody", "--password", NEW_PASSWORD])
    assert result.exit_code == 1 and "There is no user 'nobody'." in result.output
    assert snapshot(db) == before


@pytest.mark.parametrize("rating", ["0", "101", "three", "2.5"])
def test_a_bad_rating_is_refused_and_changes_nothing(admin, db, rating):
    before = dict(scale.get_verdict(db, "mixed"))
    response = post(admin, "/admin/verdicts/mixed", {"label": "Half true", "colour": "#00ff00", "rating": rating})
    assert response.status_code == 400
    assert dict(scale.get_verdict(db, "mixed")) == before


def test_a_new_verdicts_rating_reaches_claimreview(admin, alice, db):
    response = post(admin, "/admin/verdicts", {"name": "half-true", "label": "Half true", "colour": "#123456",
                                                "rating": "3"})
    assert response.status_code == 302
    text = db.execute("SELECT text FROM revisions WHERE article_id = 1").fetchone()[0]
    assert alice.api("POST", "/api/articles/1/annotations", json=claim(text, "Maduro", "half-true")).status_code == 201
    [review] = alice.client.get("/articles/1/export.claimreview.json?status=open").get_json()
    assert review["reviewRating"]["ratingValue"] == 3 and review["reviewRating"]["alternateName"] == "Half true"
