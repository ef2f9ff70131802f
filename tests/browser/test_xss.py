"""XSS: known payloads fed through every input (forms and API), then every
page visited in Chromium; no payload may run, open a dialog, or become markup.

Run twice: under the app's Content-Security-Policy, and with it replaced by
one that allows inline scripts, so that escaping alone is shown to hold too
(the CSP is the second wall, not the only one)."""

import re

import pytest
from playwright.sync_api import expect

from annotator.auth import create_user
from annotator.db import connect
from tests.conftest import PASSWORD, Session, claim

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
    "'><img src=x onerror=alert(1)>",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "{{ 7*7 }}<a href=\"javascript:window.__xss=1\">click</a>",
]
EVERYTHING = "\n".join(PAYLOADS)
#: Usernames hold no spaces, so these payloads do without.
NAMES = ["<script>window.__xss=1</script>", '"><svg/onload=window.__xss=1>', "<img/src=x/onerror=alert(1)>"]
JS_URL = "javascript:window.__xss=1"
ODD_SOURCE = 'https://example.org/"><svg/onload=window.__xss=1>'
TEXT = "Fact-check of a hostile page.\n\n" + "\n\n".join(f"Claim {i}: {p} is said here." for i, p in enumerate(PAYLOADS))

#: Inline scripts and handlers allowed: only escaping stands between a payload and running.
OPEN_CSP = "default-src * 'unsafe-inline' 'unsafe-eval' data:"

#: Every element with an on* attribute, javascript: link, iframe or inline script: markup no page of ours has.
INJECTED_JS = """() => [...document.querySelectorAll('*')].filter((el) =>
    [...el.attributes].some((a) => /^on/i.test(a.name) || (/^(href|src|action|formaction)$/i.test(a.name)
        && /^\\s*javascript:/i.test(a.value))) || el.localName === 'iframe'
    || (el.localName === 'script' && !el.src && el.type !== 'application/json')
).map((el) => el.outerHTML.slice(0, 120))"""


def form_post(session, path, data, expect_status=302):
    token = session.csrf_token(path if not path.endswith(("/deactivate", "/role")) else "/")
    response = session.client.post(path, data={**data, "csrf_token": token})
    assert response.status_code == expect_status, (path, response.status_code, response.get_data(as_text=True)[:400])
    return response


def api(session, method, path, body, expect_status):
    response = session.api(method, path, json=body)
    assert response.status_code == expect_status, (method, path, response.status_code, response.get_data(as_text=True))
    return response.get_json()


def seed(app):
    """Feed every payload through the app's own forms and API; the ids to visit."""
    db = connect(app.config["DATABASE"])
    create_user(db, "ada", PASSWORD, role="admin")
    create_user(db, "erin", PASSWORD, role="editor")
    db.close()
    client = app.test_client
    ada, erin, bob = (Session(client()) for _ in range(3))
    ada.login("ada"), erin.login("erin"), bob.login("bob")

    # Admin inputs: usernames, verdict labels.
    for name in NAMES:
        form_post(ada, "/admin/users", {"username": name, "password": PASSWORD, "role": "reviewer"})
    form_post(ada, "/admin/verdicts", {"name": "xss", "label": PAYLOADS[1], "colour": "#aa3355"})
    form_post(ada, "/admin/verdicts/mixed", {"label": PAYLOADS[0], "colour": "#654321"})

    # An article: title, text; a javascript: source URL is refused outright.
    form_post(erin, "/articles/new", {"title": PAYLOADS[0], "text": TEXT, "url": JS_URL}, expect_status=400)
    form_post(erin, "/articles/new", {"title": PAYLOADS[0] + " " + PAYLOADS[2], "text": TEXT, "url": ODD_SOURCE})
    db = connect(app.config["DATABASE"])
    article_id, text = db.execute(
        "SELECT articles.id, text FROM articles JOIN revisions ON revisions.article_id = articles.id "
        "ORDER BY articles.id DESC LIMIT 1").fetchone()
    db.close()

    # Each hostile user annotates the same words, with payloads in every field.
    hostile = []
    for name in NAMES:
        session = Session(client())
        assert session.login(name).status_code == 302
        hostile.append(session)
    base = f"/api/articles/{article_id}/annotations"
    bad = claim(text, "window.__xss=1", rationale="x", sources=[JS_URL])
    assert "not an http(s) URL" in api(hostile[0], "POST", base, bad, 400)["error"]
    claims = [
        api(session, "POST", base, claim(text, "window.__xss=1", verdict, rationale=EVERYTHING, sources=[ODD_SOURCE]),
            201)["id"]
        for session, verdict in zip(hostile, ("false", "xss", "mixed"))
    ]
    correction = claim(text, "onerror", kind="correction", correction_type="typo", correction=EVERYTHING,
                       rationale=EVERYTHING)
    del correction["verdict"]
    correction_id = api(hostile[0], "POST", base, correction, 201)["id"]
    lone = api(hostile[1], "POST", base, claim(text, "Fact-check", "true", rationale=EVERYTHING), 201)

    # Edits (history), reviews, a status note, a resolved conflict, a delete.
    api(hostile[1], "PATCH", f"/api/annotations/{lone['id']}",
        {"rationale": EVERYTHING + " (edited)", "version": lone["version"]}, 200)
    api(bob, "POST", f"/api/annotations/{claims[0]}/reviews", {"decision": "comment", "comment": EVERYTHING}, 201)
    api(bob, "POST", f"/api/annotations/{claims[1]}/reviews",
        {"decision": "disagree", "verdict": "mixed", "comment": EVERYTHING}, 201)
    api(erin, "POST", f"/api/annotations/{correction_id}/status", {"status": "needs-work", "note": EVERYTHING}, 200)
    api(erin, "POST", f"/api/articles/{article_id}/conflicts/resolve",
        {"claim_ids": claims, "final_verdict": "xss", "note": EVERYTHING}, 200)
    api(hostile[1], "DELETE", f"/api/annotations/{lone['id']}", None, 204)

    db = connect(app.config["DATABASE"])
    user_ids = [db.execute("SELECT id FROM users WHERE username = ?", [n]).fetchone()[0] for n in NAMES]
    db.close()
    return article_id, [*claims, correction_id, lone["id"]], user_ids


def pages(article_id, annotation_ids, user_ids):
    a = f"/articles/{article_id}"
    return [
        "/", a, f"{a}/dashboard", "/dashboard", f"{a}/deleted", "/review", f"{a}/conflicts", f"{a}/corrected",
        f"{a}/edit", f"{a}/import", "/export", "/admin/", "/admin/users", "/admin/verdicts",
        *(f"/annotations/{i}" for i in annotation_ids),
        *(f"/admin/users/{i}/password" for i in user_ids),
    ]


@pytest.mark.parametrize("csp", ["app", "open"])
def test_no_payload_runs_on_any_page(live_server, open_page, csp):
    app = live_server.app
    if csp == "open":
        app.after_request(lambda response: response.headers.__setitem__("Content-Security-Policy", OPEN_CSP)
                          or response)
    article_id, annotation_ids, user_ids = seed(app)

    viewer = open_page("ada")
    page = viewer.page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in pages(article_id, annotation_ids, user_ids):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        if csp == "open":
            assert response.headers["content-security-policy"] == OPEN_CSP
        if path == f"/articles/{article_id}":
            viewer.wait_ready()
            expect(page.locator("h1")).to_contain_text(PAYLOADS[0])  # shown as text
            for button in page.locator("button.reviews").all():
                button.click()
            expect(page.locator(".thread li").first).to_be_visible()
            page.locator("#article-text mark.hl").first.click()
            page.keyboard.press("Escape")
        page.wait_for_load_state("load")
        assert page.evaluate("() => window.__xss") is None, f"a payload ran on {path}"
        assert page.evaluate("() => parent.__xss") is None, f"a payload ran on {path}"
        assert page.evaluate(INJECTED_JS) == [], f"a payload became markup on {path}"
    assert dialogs == []
    # The payloads are there, as text: in the usernames, the title, the comments.
    page.goto(live_server.url + "/admin/users")
    for name in NAMES:
        expect(page.locator("main")).to_contain_text(name)
    page.goto(live_server.url + f"/annotations/{annotation_ids[0]}")
    expect(page.locator("main")).to_contain_text(re.compile(re.escape(PAYLOADS[4])))
