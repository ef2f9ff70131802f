"""The W3C Web Annotation export: every annotation and reply it writes meets
every MUST of the W3C test suite's schemas, and says what we stored."""

import inspect
import json
from pathlib import Path

import pytest

from annotator import w3c
from annotator.export import iter_w3c
from tests import w3c_schemas
from tests.conftest import EMOJI_TEXT
from tests.export_data import seed

MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
BASE = "http://localhost"  # the test client's address


@pytest.fixture
def rich(db):
    return seed(db)


def collection(session, path="/export.jsonld"):
    response = session.client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))


def items(session, path="/export.jsonld"):
    return collection(session, path)["first"]["items"]


def by_id(found):
    return {item["id"]: item for item in found}


def test_every_exported_annotation_and_reply_meets_every_must(alice, rich):
    exported = collection(alice)
    assert w3c_schemas.failures(exported, w3c_schemas.COLLECTION_MUSTS) == []
    assert w3c_schemas.failures(exported, w3c_schemas.PAGE_MUSTS) == []
    found = exported["first"]["items"]
    for item in found:
        assert w3c_schemas.failures(item) == [], item
    replies = [i for i in found if isinstance(i["target"], str)]
    assert len(found) - len(replies) == 7 and len(replies) == 4  # the deleted annotation is left out
    assert exported["total"] == len(found) == 11
    assert {i["motivation"] for i in found} == {"assessing", "editing", "replying"}


def test_a_claim_carries_verdict_rationale_and_sources(alice, rich):
    item = by_id(items(alice))[f"{BASE}/annotations/{rich['claim']}"]
    assert item["motivation"] == "assessing"
    assert item["creator"] == {"id": f"{BASE}/users/alice", "type": "Person", "name": "alice", "nickname": "alice"}
    assert item["body"] == [
        {"type": "TextualBody", "purpose": "assessing", "value": "False", "format": "text/plain"},
        {"type": "SpecificResource", "purpose": "classifying", "source": f"{BASE}/verdicts/false"},
        {"type": "TextualBody", "purpose": "commenting", "value": "He said so on TV.", "format": "text/plain"},
        {"type": "SpecificResource", "purpose": "linking", "source": "https://example.com/a"},
        {"type": "SpecificResource", "purpose": "linking", "source": "https://example.com/b?x=1&y=2"},
    ]
    assert item["target"] == {"source": "https://example.org/venezuela", "selector": [
        {"type": "TextQuoteSelector", "exact": "Maduro", "prefix": "President Nicolas ",
         "suffix": " of Venezuela announced his coun"},
        {"type": "TextPositionSelector", "start": 18, "end": 24},
    ]}


def test_a_correction_carries_its_replacement_and_type(alice, rich):
    found = by_id(items(alice))
    typo = found[f"{BASE}/annotations/{rich['typo']}"]
    assert typo["motivation"] == "editing"
    assert typo["body"] == [
        {"type": "TextualBody", "purpose": "editing", "value": "The", "format": "text/plain"},
        {"type": "SpecificResource", "purpose": "classifying", "source": f"{BASE}/correction-types/typo"},
    ]
    deletion = found[f"{BASE}/annotations/{rich['deletion']}"]
    assert deletion["body"][0]["value"] == ""  # a deletion asks for nothing in place of the words
    assert deletion["target"]["source"] == f"{BASE}/articles/2"  # no published URL: our page


def test_reviews_are_replies_to_their_annotation(alice, rich):
    found = by_id(items(alice))
    claim, typo = f"{BASE}/annotations/{rich['claim']}", f"{BASE}/annotations/{rich['typo']}"
    agree = found[f"{claim}/reviews/{rich['agree']}"]
    assert (agree["motivation"], agree["target"], agree["creator"]["name"]) == ("assessing", claim, "bob")
    assert agree["body"] == [  # an agreement names the verdict agreed with
        {"type": "TextualBody", "purpose": "assessing", "value": "agree", "format": "text/plain"},
        {"type": "SpecificResource", "purpose": "classifying", "source": f"{BASE}/verdicts/false"},
    ]
    disagree = found[f"{claim}/reviews/{rich['disagree']}"]
    assert disagree["body"] == [
        {"type": "TextualBody", "purpose": "assessing", "value": "disagree", "format": "text/plain"},
        {"type": "SpecificResource", "purpose": "classifying", "source": f"{BASE}/verdicts/mostly-false"},
        {"type": "TextualBody", "purpose": "commenting", "value": "Only partly: see the transcript.",
         "format": "text/plain"},
    ]
    comment = found[f"{typo}/reviews/{rich['comment']}"]
    assert comment["motivation"] == "replying" and comment["target"] == typo
    assert comment["body"] == [{"type": "TextualBody", "purpose": "replying", "value": "Style guide? 👍",
                                "format": "text/plain"}]
    counter = found[f"{typo}/reviews/{rich['counter']}"]
    assert [(b["purpose"], b.get("value")) for b in counter["body"]] == [
        ("assessing", "disagree"), ("editing", "THE"), ("commenting", "Headline case.")]
    # each reply comes right after the annotation it answers
    order = [i["id"] for i in items(alice)]
    assert order.index(f"{claim}/reviews/{rich['agree']}") == order.index(claim) + 1


def test_positions_count_code_points(alice, rich):
    """A UTF-16 offset (what a browser counts) would put "café" 1 unit further, past the 👍."""
    found = [i for i in items(alice, "/articles/2/export.jsonld") if not isinstance(i["target"], str)]
    assert len(found) == 2
    for item in found:
        quote, position = item["target"]["selector"]
        assert EMOJI_TEXT[position["start"]:position["end"]] == quote["exact"]
    cafe = by_id(found)[f"{BASE}/annotations/{rich['emoji_claim']}"]["target"]["selector"][1]
    assert cafe["start"] == EMOJI_TEXT.index("café") == 18
    assert len(EMOJI_TEXT[:18].encode("utf-16-le")) // 2 == 19


def test_an_orphan_keeps_the_words_it_had_and_iris_are_ascii(alice, rich, db):
    assert db["annotations"].get(rich["orphan"])["orphaned"] == 1
    found = by_id(items(alice, f"/articles/{rich['roads_article']}/export.jsonld"))
    orphan = found[f"{BASE}/annotations/{rich['orphan']}"]
    quote, position = orphan["target"]["selector"]
    assert (quote["exact"], position["start"], position["end"]) == ("80%", 15, 18)  # in revision 1
    assert w3c_schemas.failures(orphan) == []
    # the article's URL is an IRI (café, ü); the export writes it as a URI
    assert orphan["target"]["source"] == "https://example.org/caf%C3%A9/roads?q=%C3%BC"
    kept = found[f"{BASE}/annotations/{rich['kept']}"]["target"]["selector"][0]
    assert (kept["exact"], kept["prefix"], kept["suffix"]) == ("40%", "Critics said the figure was ", ".")


def test_words_at_the_start_say_so_with_an_empty_prefix():
    row = {"id": 7, "article_id": 3, "article_url": None, "kind": "claim", "start": 0, "end": 4, "exact": "Fact",
           "prefix": "", "suffix": " 👍 check", "verdict": "true", "rationale": "", "sources": "[]",
           "author": "alice", "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z"}
    annotation = w3c.to_web_annotation(row, "https://x.example")
    assert annotation["target"]["selector"][0] == {"type": "TextQuoteSelector", "exact": "Fact", "prefix": "",
                                                   "suffix": " 👍 check"}
    assert annotation["body"][0]["value"] == "true"  # no label given: the verdict's name
    assert w3c_schemas.failures(annotation) == []


def test_download_is_streamed_with_the_annotation_profile(alice, rich):
    response = alice.client.get("/articles/1/export.jsonld")
    assert response.is_streamed
    assert response.headers["Content-Type"] == MEDIA_TYPE
    assert response.headers["Content-Disposition"] == 'attachment; filename="article-1-annotations.jsonld"'
    head = json.loads(response.get_data(as_text=True))
    assert (head["id"], head["type"], head["total"]) == (f"{BASE}/articles/1/export.jsonld", "AnnotationCollection", 7)
    assert head["label"] == "Annotations on “Venezuela cuts diplomatic ties with US after Guaido recognized”"


def test_export_is_a_generator_that_writes_one_item_a_line(app, rich, db):
    chunks = iter_w3c(db, 1, base_url="https://factcheck.example.org")
    assert inspect.isgenerator(chunks)
    first = next(chunks)
    assert first.endswith('"items": [\n') and '"total": 7' in first
    rest = list(chunks)
    assert len(rest) == 3 + 4 + 1  # a chunk per annotation (3) or reply (4), then the closing
    assert json.loads(first + "".join(rest))["first"]["items"][0]["id"] == "https://factcheck.example.org/annotations/1"


def test_an_empty_collection_has_no_page(alice, rich):
    exported = collection(alice, "/export.jsonld?author=erin")
    assert exported["total"] == 0 and "first" not in exported
    assert exported["id"] == f"{BASE}/export.jsonld?author=erin"
    assert w3c_schemas.failures(exported, w3c_schemas.COLLECTION_MUSTS) == []


def test_filters_apply_and_bad_ones_are_400(alice, rich):
    found = items(alice, "/export.jsonld?kind=correction")
    assert {i["motivation"] for i in found} == {"editing", "replying", "assessing"}
    assert all(i["motivation"] == "editing" for i in found if not isinstance(i["target"], str))
    response = alice.client.get("/export.jsonld?kind=rumour")
    assert response.status_code == 400 and "Unknown kind" in response.get_data(as_text=True)


def test_public_url_setting_starts_every_iri(app, alice, rich):
    app.config["PUBLIC_URL"] = "https://factcheck.example.org/"
    exported = collection(alice)
    assert exported["id"] == "https://factcheck.example.org/export.jsonld"
    assert exported["first"]["items"][0]["id"] == "https://factcheck.example.org/annotations/1"


def test_login_required_and_missing_article(anonymous, alice):
    response = anonymous.client.get("/export.jsonld")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert alice.client.get("/articles/99/export.jsonld").status_code == 404


def test_as_uri_percent_encodes_what_a_uri_cannot_hold():
    assert w3c.as_uri("https://example.org/café?q=ü#x") == "https://example.org/caf%C3%A9?q=%C3%BC#x"
    assert w3c.as_uri("https://example.org/a|b%zz%41") == "https://example.org/a%7Cb%25zz%41"
    assert w3c.user_iri("https://x.example", "ann/é#1") == "https://x.example/users/ann%2F%C3%A9%231"


# ---------------------------------------------------------------- the checker itself


GOOD = {
    "@context": "http://www.w3.org/ns/anno.jsonld", "id": "https://x.example/annotations/1", "type": "Annotation",
    "body": {"type": "TextualBody", "value": "hi"},
    "target": {"source": "https://x.example/a", "selector": {"type": "TextPositionSelector", "start": 0, "end": 2}},
}


@pytest.mark.parametrize("change, assertion", [
    ({"target": None}, "3.1-targetKeyFound"),
    ({"target": {"source": "https://x.example/a", "selector": {"type": "TextPositionSelector", "start": "0", "end": 2}}},
     "4.2-TextDataPositionSelectorValid"),
    ({"id": "not a uri"}, "3.1-annotationIdValidated"),
    ({"created": "yesterday"}, "3.3.1-annotationCreatedValidated"),
    ({"bodyValue": "both"}, "3.2.5-notBodyBodyValue"),
])
def test_the_checker_reports_a_broken_annotation(change, assertion):
    assert w3c_schemas.failures(GOOD) == []
    broken = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    failed = w3c_schemas.failures(broken)
    assert failed and any(assertion in f for f in failed), failed


def test_the_checker_agrees_with_the_suites_samples():
    samples = w3c_schemas.SUITE / "tools" / "samples"
    # The suite's own schema rejects its Composite-of-strings samples (11-13).
    for path in sorted((samples / "correct").glob("anno*.json")):
        expected = Path(path).stem in ("anno11", "anno12", "anno13")
        assert bool(w3c_schemas.failures(json.loads(path.read_text()))) == expected, path.name
    wrong = 0
    for path in sorted((samples / "incorrect").glob("anno*.json")):
        try:
            sample = json.loads(path.read_text())
        except ValueError:
            continue  # several are not JSON at all
        assert w3c_schemas.failures(sample), path.name
        wrong += 1
    assert wrong >= 20


def test_a_public_url_with_non_ascii_letters_still_gives_valid_iris(app, alice, rich):
    """Fault: under https://faktencheck.münchen.de annotation ids and targets stayed raw IRIs."""
    app.config["PUBLIC_URL"] = "https://faktencheck.münchen.de"
    found = items(alice)
    for item in found:
        assert w3c_schemas.failures(item) == [], item["id"]
        assert item["id"].isascii() and (isinstance(item["target"], dict) or item["target"].isascii())
    [review] = alice.client.get("/export.claimreview.json").get_json()
    assert review["url"].startswith("https://faktencheck.xn--mnchen-3ya.de/annotations/")
