"""The schema.org ClaimReview export, and the verdict scale's ratings behind it."""

import json

import pytest

from annotator.annotations import verdicts
from annotator.claimreview import rating_scale
from tests.export_data import seed

BASE = "http://localhost"


@pytest.fixture
def rich(db):
    ids = seed(db)
    db.execute("UPDATE annotations SET created_at = '2026-01-02T03:04:05Z'")
    db.execute("UPDATE history SET created_at = '2026-02-03T04:05:06Z' WHERE action = 'status'")
    db.conn.commit()
    return ids


def reviews(session, path=None):
    """{url: ClaimReview} of ``path``; by default of every claim, accepted
    (the export's default) and open ones together."""
    if path is None:
        return {**reviews(session, "/export.claimreview.json"), **reviews(session, "/export.claimreview.json?status=open")}
    response = session.client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {r["url"]: r for r in json.loads(response.get_data(as_text=True))}


def test_only_accepted_claims_are_published_unless_asked(alice, rich):
    assert list(reviews(alice, "/export.claimreview.json")) == [f"{BASE}/annotations/{rich['claim']}"]
    assert f"{BASE}/annotations/{rich['misleading']}" in reviews(alice, "/export.claimreview.json?status=open")


def test_the_scale_has_ratings_from_the_migration(db):
    ratings = {v["name"]: v["rating"] for v in verdicts(db)}
    assert ratings == {"true": 5, "mostly-true": 4, "mixed": 3, "mostly-false": 2, "false": 1,
                       "misleading": None, "unverifiable": None}
    assert rating_scale(verdicts(db)) == (5, 1)
    assert rating_scale([{"rating": None}]) == (None, None)


def test_an_accepted_claim_with_a_final_verdict(alice, rich):
    review = reviews(alice)[f"{BASE}/annotations/{rich['claim']}"]
    assert review == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{BASE}/annotations/{rich['claim']}",
        "claimReviewed": "Maduro",
        # alice said false; the editor settled on mostly false
        "reviewRating": {"@type": "Rating", "alternateName": "Mostly false", "ratingValue": 2,
                         "bestRating": 5, "worstRating": 1},
        "itemReviewed": {"@type": "Claim", "appearance": {
            "@type": "NewsArticle", "url": "https://example.org/venezuela",
            "headline": "Venezuela cuts diplomatic ties with US after Guaido recognized"}},
        "author": {"@type": "Organization", "name": "Factcheck Annotator", "url": BASE},
        "datePublished": "2026-02-03T04:05:06Z",  # when the editor accepted it
    }


def test_a_verdict_without_a_rating_gives_only_its_name(alice, rich):
    review = reviews(alice)[f"{BASE}/annotations/{rich['misleading']}"]
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Misleading"}
    assert review["datePublished"] == "2026-01-02T03:04:05Z"  # not accepted: when it was made


def test_an_article_with_a_byline(alice, rich):
    review = reviews(alice)[f"{BASE}/annotations/{rich['kept']}"]
    assert review["itemReviewed"]["appearance"] == {
        "@type": "NewsArticle", "url": "https://example.org/café/roads?q=ü", "headline": "Roads",
        "author": {"@type": "Person", "name": "Lee Chan"}, "datePublished": "2026-11-02"}
    assert review["reviewRating"]["alternateName"] == "True" and review["reviewRating"]["ratingValue"] == 5


def test_every_current_claim_and_nothing_else(alice, rich):
    exported = reviews(alice)
    claims = ("claim", "misleading", "emoji_claim", "orphan", "kept")
    assert sorted(exported) == sorted(f"{BASE}/annotations/{rich[name]}" for name in claims)
    for review in exported.values():
        assert review["claimReviewed"] and review["reviewRating"]["alternateName"]


def test_filters_narrow_it(alice, rich):
    assert list(reviews(alice, "/export.claimreview.json?status=accepted")) == [f"{BASE}/annotations/{rich['claim']}"]
    assert reviews(alice, "/articles/2/export.claimreview.json?status=open").keys() == {
        f"{BASE}/annotations/{rich['emoji_claim']}"}
    response = alice.client.get("/export.claimreview.json?kind=correction")
    assert json.loads(response.get_data(as_text=True)) == []


def test_settings_name_the_publisher_and_the_scale_sets_the_range(app, alice, rich, db):
    app.config.update(PUBLIC_URL="https://factcheck.example.org", CLAIMREVIEW_AUTHOR_NAME="Example Checks",
                      CLAIMREVIEW_AUTHOR_URL="https://checks.example.org/about")
    db.execute("UPDATE verdicts SET rating = 10 WHERE name = 'true'")
    db.conn.commit()
    review = reviews(alice)[f"https://factcheck.example.org/annotations/{rich['kept']}"]
    assert review["author"] == {"@type": "Organization", "name": "Example Checks",
                                "url": "https://checks.example.org/about"}
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "True", "ratingValue": 10,
                                      "bestRating": 10, "worstRating": 1}


def test_download_headers_and_streaming(alice, rich):
    response = alice.client.get("/articles/1/export.claimreview.json")
    assert response.is_streamed
    assert response.headers["Content-Type"] == "application/ld+json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="article-1-annotations.claimreview.json"'
    assert response.get_data(as_text=True).startswith('[\n{"@context": "https://schema.org", "@type": "ClaimReview"')


def test_no_claims_is_an_empty_array(alice):
    response = alice.client.get("/export.claimreview.json")
    assert response.get_data(as_text=True) == "[]\n"


def test_login_required(anonymous):
    response = anonymous.client.get("/export.claimreview.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
