"""Whatever an editor sends to the JSON API, the answer is never a 500.

Hypothesis makes arbitrary JSON bodies (free-form, and objects of the API's
own field names with wrong or odd values), raw bytes that claim to be JSON,
path ids and query strings, for every route under /api/.
"""

import urllib.parse
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator import create_app
from annotator.articles import create_article, get_article
from annotator.auth import create_user
from annotator.db import DEFAULT_VERDICTS, get_db, init_db
from annotator.demo import DEMO_TITLE, demo_text
from tests.conftest import PASSWORD, EMOJI_TEXT, Session, claim

MAX_EXAMPLES = 50

scalars = (st.none() | st.booleans() | st.integers() | st.integers(-3, 3000) | st.floats()
           | st.text(max_size=30) | st.sampled_from(["", "\ud800", "\x00", "claim", "true", "1", "-1", "💥" * 3]))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
ids = st.integers(-2, 12) | json_values
#: The API's own field names, each with values that are sometimes right and often not.
fields = {
    "kind": st.sampled_from(["claim", "correction"]) | json_values,
    "start": st.integers(-2, 600) | json_values,
    "end": st.integers(-2, 600) | json_values,
    "exact": st.sampled_from(["Maduro", "Venezuela", ""]) | json_values,
    "verdict": st.sampled_from([name for name, _, _ in DEFAULT_VERDICTS]) | json_values,
    "final_verdict": st.sampled_from([name for name, _, _ in DEFAULT_VERDICTS]) | json_values,
    "correction_type": st.sampled_from(["typo", "fact"]) | json_values,
    "correction": json_values,
    "rationale": json_values,
    "sources": st.lists(st.sampled_from(["https://example.org/a", "javascript:alert(1)", "", "http://"])) | json_values,
    "version": st.integers(-1, 4) | json_values,
    "revision": st.integers(0, 3) | json_values,
    "base_revision": st.integers(0, 3) | json_values,
    "client_uuid": st.uuids().map(str) | json_values,
    "text": st.text(max_size=200) | json_values,
    "decision": st.sampled_from(["agree", "disagree", "comment"]) | json_values,
    "comment": json_values,
    "status": st.sampled_from(["open", "accepted", "rejected", "needs-work"]) | json_values,
    "note": json_values,
    "claim_ids": st.lists(ids, max_size=4) | json_values,
    "versions": st.dictionaries(st.text(max_size=3), ids, max_size=3) | json_values,
}
bodies = st.one_of(
    st.tuples(st.just("json"), json_values),
    st.tuples(st.just("json"), st.fixed_dictionaries({}, optional=fields)),
    st.tuples(st.just("raw"), st.binary(max_size=200) | st.sampled_from([b"{", b'{"a": NaN}', b"[" * 5000, b"\xff\xfe"])),
    st.tuples(st.just("none"), st.none()),
)
path_ids = st.integers(1, 8) | st.integers(-5, 2**70) | st.text(max_size=12)
queries = st.dictionaries(st.sampled_from(["article", "author", "kind", "verdict", "status", "page", "q"])
                          | st.text(max_size=8), st.text(max_size=20) | st.integers().map(str), max_size=4)


@pytest.fixture(scope="module")
def editor_api(tmp_path_factory):
    """An editor's session on an app with two articles, annotations by
    several people (one deleted), reviews: real rows for the ids to hit."""
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "fuzz"})
    with app.app_context():
        db = get_db()
        init_db(db)
        for name in ("alice", "bob"):
            create_user(db, name, PASSWORD)
        create_user(db, "erin", PASSWORD, role="editor")
        create_article(db, DEMO_TITLE, demo_text())
        create_article(db, "Emoji", EMOJI_TEXT)
        text = get_article(db, 1)["text"]
    sessions = {}
    for name in ("alice", "bob", "erin"):
        sessions[name] = Session(app.test_client())
        sessions[name].login(name)
    for name, word in (("alice", "Maduro"), ("erin", "Venezuela"), ("erin", "Brazil"), ("bob", "Guaido")):
        body = claim(text, word, client_uuid=str(uuid.uuid4()))
        assert sessions[name].api("POST", "/api/articles/1/annotations", json=body).status_code == 201
    sessions["bob"].api("POST", "/api/annotations/1/reviews", json={"decision": "agree"})
    sessions["alice"].api("DELETE", "/api/annotations/1")
    erin = sessions["erin"]
    return erin, erin.csrf_token("/")


API_ROUTES = sorted(
    (rule.rule, method)
    for rule in create_app({"TESTING": True, "DATABASE": ":memory:", "SECRET_KEY": "x"}).url_map.iter_rules()
    if rule.rule.startswith("/api/")
    for method in rule.methods - {"HEAD", "OPTIONS"}
)


def test_every_api_route_is_fuzzed():
    assert len(API_ROUTES) >= 19


@pytest.mark.parametrize("rule, method", API_ROUTES)
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_input_gives_a_500(editor_api, rule, method, data):
    session, token = editor_api
    path = rule
    for argument in ("article_id", "annotation_id"):
        if f"<id:{argument}>" in path:
            value = data.draw(path_ids, label=argument)
            path = path.replace(f"<id:{argument}>", urllib.parse.quote(str(value), safe=""))
    query = data.draw(queries, label="query")
    kind, body = data.draw(bodies, label="body")
    options = {"method": method, "query_string": query, "headers": {"X-CSRFToken": token}}
    if kind == "json":
        options["json"] = body
    elif kind == "raw":
        options.update(data=body, content_type="application/json")
    response = session.client.open(path, **options)
    assert response.status_code < 500, (method, path, query, body, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        assert "error" in response.get_json()  # a message to act on, as JSON
