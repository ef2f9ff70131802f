import pytest

from annotator.auth import authenticate, create_user
from annotator.errors import LOGGED_OUT, BadRequest, Conflict
from tests.conftest import PASSWORD


def test_login_form_has_csrf_and_fields(anonymous):
    html = anonymous.client.get("/login").get_data(as_text=True)
    for name in ("username", "password", "csrf_token"):
        assert f'name="{name}"' in html


def test_login_redirects_away_from_login(anonymous):
    response = anonymous.login("alice")
    assert response.status_code == 302
    assert not response.headers["Location"].startswith("/login")
    assert anonymous.client.get("/").status_code == 200


def test_wrong_password_is_refused(anonymous):
    response = anonymous.login("alice", "wrong password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert anonymous.client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(anonymous):
    response = anonymous.client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code in (400, 401)
    assert anonymous.client.get("/").status_code == 302


@pytest.mark.parametrize("path", ["/", "/articles/new", "/articles/1", "/export.csv", "/articles/1/export.csv"])
def test_pages_need_login(anonymous, path):
    response = anonymous.client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/articles/1"), ("GET", "/api/articles/1/annotations"),
    ("POST", "/api/articles/1/annotations"), ("PATCH", "/api/annotations/1"), ("DELETE", "/api/annotations/1"),
])
def test_api_needs_login_and_answers_json(anonymous, method, path):
    response = anonymous.api(method, path, json={})
    assert response.status_code == 401
    assert response.get_json()["error"] == LOGGED_OUT


def test_next_only_redirects_within_the_site(anonymous):
    token = anonymous.csrf_token()
    data = {"username": "alice", "password": PASSWORD, "csrf_token": token}
    response = anonymous.client.post("/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/"
    anonymous.client.post("/logout", data={"csrf_token": anonymous.csrf_token("/")})
    response = anonymous.client.post("/login?next=/articles/1", data={**data, "csrf_token": anonymous.csrf_token()})
    assert response.headers["Location"] == "/articles/1"


def test_logout_ends_the_session(alice):
    response = alice.client.post("/logout", data={"csrf_token": alice.csrf_token("/")})
    assert response.status_code == 302
    assert alice.client.get("/").status_code == 302


def test_passwords_are_hashed(db):
    row = next(db["users"].rows_where("username = 'alice'"))
    assert PASSWORD not in row["password_hash"] and row["password_hash"].startswith(("scrypt:", "pbkdf2:"))
    assert authenticate(db, "alice", PASSWORD)["id"] == row["id"]
    assert authenticate(db, "alice", PASSWORD + "x") is None


def test_create_user_rejects_taken_names_and_short_passwords(db):
    with pytest.raises(Conflict):
        create_user(db, "ALICE", PASSWORD)
    with pytest.raises(BadRequest, match="8 characters"):
        create_user(db, "carol", "short")
    with pytest.raises(BadRequest, match="role"):
        create_user(db, "carol", PASSWORD, role="king")
    assert db["users"].count == 2


def test_login_page_sends_a_logged_in_user_on(alice):
    response = alice.client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_deactivated_user_is_logged_out(alice, db):
    db.execute("UPDATE users SET active = 0 WHERE username = 'alice'")
    db.conn.commit()
    assert alice.client.get("/").status_code == 302
    assert alice.api("GET", "/api/articles/1").status_code == 401


def test_write_after_logout_elsewhere_says_logged_out(alice, db):
    """Regression: a save after logging out in another tab said only 'CSRF tokens do not match'."""
    token = alice.csrf_token("/")
    alice.client.post("/logout", data={"csrf_token": token})
    response = alice.api("POST", "/api/articles/1/annotations", json={}, token=token)
    assert response.status_code == 401
    assert response.get_json() == {"error": LOGGED_OUT, "code": "logged_out"}


def test_stale_csrf_token_after_new_login_can_be_refreshed(alice):
    old = alice.csrf_token("/")
    alice.client.post("/logout", data={"csrf_token": old})
    alice.login("alice")
    response = alice.api("DELETE", "/api/annotations/1", token=old)
    assert response.status_code == 400 and response.get_json()["code"] == "csrf"
    fresh = alice.client.get("/api/session").get_json()
    assert fresh["username"] == "alice"
    assert alice.api("DELETE", "/api/annotations/1", token=fresh["csrf_token"]).status_code == 404
