"""Dashboards: the figures per article and for the team, and their SVG charts."""

import re
import xml.etree.ElementTree as ET

import pytest

from annotator import agreement
from annotator.articles import get_article
from annotator.dashboard import ALPHA_READINGS, KAPPA_READINGS, article_stats, reading, team_stats
from tests.conftest import EMOJI_TEXT, claim


def correction(text, quote, correction_type, replacement):
    start = text.index(quote)
    return {"kind": "correction", "start": start, "end": start + len(quote), "exact": quote,
            "correction_type": correction_type, "correction": replacement}


@pytest.fixture
def scene(alice, bob, editor, db):
    """Article 1: six live annotations by alice and bob, three spans both judged,
    reviews, an editor's statuses, and a deleted claim; article 2: one claim."""
    text = get_article(db, 1)["text"]

    def post(session, body, article_id=1):
        response = session.api("POST", f"/api/articles/{article_id}/annotations", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def review(session, annotation_id, body):
        assert session.api("POST", f"/api/annotations/{annotation_id}/reviews", json=body).status_code == 201

    def status(annotation_id, value):
        assert editor.api("POST", f"/api/annotations/{annotation_id}/status", json={"status": value}).status_code == 200

    ids = {
        "a1": post(alice, claim(text, "Nicolas Maduro", "false")),
        "b1": post(bob, claim(text, "Nicolas Maduro", "false")),
        "a2": post(alice, claim(text, "72 hours", "true")),
        "b2": post(bob, claim(text, "Caracas", "misleading")),
        "a3": post(alice, correction(text, "no fiends", "typo", "no friends")),
        "b3": post(bob, correction(text, "it’s only", "grammar", "its only")),
        "gone": post(alice, claim(text, "Twitter", "unverifiable")),
        "emoji": post(alice, claim(EMOJI_TEXT, "Fact", "true"), article_id=2),
    }
    review(bob, ids["a2"], {"decision": "disagree", "verdict": "mixed", "comment": "Some staff had longer."})
    review(alice, ids["b2"], {"decision": "agree"})
    review(editor, ids["a3"], {"decision": "comment", "comment": "Is it a typo or a quote?"})
    review(bob, ids["gone"], {"decision": "agree"})
    status(ids["a1"], "accepted")
    status(ids["b1"], "rejected")
    status(ids["a3"], "needs-work")
    assert alice.api("DELETE", f"/api/annotations/{ids['gone']}").status_code == 204
    return ids


def counts(rows):
    return {row["name"]: row["count"] for row in rows if row["count"]}


def test_article_stats_count_live_annotations_reviews_and_statuses(scene, db):
    stats = article_stats(db, 1)
    assert stats["progress"] == {
        "annotations": 6, "claims": 4, "corrections": 2, "reviewed": 2,  # a comment is no review of the verdict
        "accepted": 1, "rejected": 1, "needs-work": 1, "open": 3, "orphaned": 0,
        "pct": {"reviewed": 33, "accepted": 17, "rejected": 17, "needs-work": 17, "open": 50},
    }
    assert stats["deleted"] == 1
    assert counts(stats["correction_types"]) == {"typo": 1, "grammar": 1}
    assert stats["annotators"] == [  # bob's review of the deleted claim does not count
        {"username": "alice", "annotations": 3, "accepted": 1, "reviews": 1},
        {"username": "bob", "annotations": 3, "accepted": 0, "reviews": 1},
        {"username": "erin", "annotations": 0, "accepted": 0, "reviews": 1},
    ]


def test_verdicts_come_in_the_scales_order_with_its_colours(scene, db):
    rows = article_stats(db, 1)["verdicts"]
    assert [(r["name"], r["colour"]) for r in rows] == [
        (v["name"], v["colour"]) for v in db.query("SELECT * FROM verdicts ORDER BY position")]
    assert counts(rows) == {"true": 1, "false": 2, "misleading": 1}
    assert {r["name"]: r["pct"] for r in rows if r["count"]} == {"true": 25, "false": 50, "misleading": 25}


def test_agreement_is_the_agreement_modules_with_readings(scene, db):
    panel = article_stats(db, 1)["agreement"]
    figures = agreement.agreement(db, 1)
    assert panel["items"] == figures["items"] == 3
    assert [a["value"] for a in panel["alpha"]] == [figures["krippendorff_alpha_nominal"],
                                                    figures["krippendorff_alpha_ordinal"]]
    for alpha in panel["alpha"]:
        assert alpha["reading"] == reading(alpha["value"], ALPHA_READINGS)
    # alice and bob: (false, false), (true, mixed), (misleading, misleading): kappa = 4/7
    [pair] = panel["kappa"]
    assert (pair["a"], pair["b"], pair["items"], pair["kappa"], pair["reading"]) == (
        "alice", "bob", 3, round(4 / 7, 4), "moderate")


def test_an_article_without_annotations_has_zeros_and_no_agreement(db):
    stats = article_stats(db, 2)
    assert stats["progress"]["annotations"] == 0
    assert set(stats["progress"]["pct"].values()) == {None}
    assert counts(stats["verdicts"]) == {} and all(r["pct"] is None for r in stats["verdicts"])
    assert stats["annotators"] == []
    assert stats["agreement"] == {"items": 0, "alpha": [
        {"level": "nominal", "value": None, "reading": None}, {"level": "ordinal", "value": None, "reading": None}],
        "kappa": []}


def test_team_stats_cover_every_article_and_list_them_newest_first(scene, db):
    stats = team_stats(db)
    assert stats["progress"]["annotations"] == 7 and stats["progress"]["claims"] == 5
    assert counts(stats["verdicts"])["true"] == 2
    assert [(a["id"], a["annotations"], a["reviewed"], a["accepted"], a["reviewed_pct"], a["accepted_pct"])
            for a in stats["articles"]] == [(2, 1, 0, 0, 0, 0), (1, 6, 2, 1, 33, 17)]


@pytest.mark.parametrize("value, expected", [
    (0.8, "reliable"), (0.95, "reliable"), (0.7999, "tentative"), (0.667, "tentative"), (0.6669, "low"),
    (-0.2, "low"), (None, None),
])
def test_alpha_readings_follow_krippendorff(value, expected):
    assert reading(value, ALPHA_READINGS) == expected


@pytest.mark.parametrize("value, expected", [
    (-0.1, "poor"), (0.0, "slight"), (0.2, "slight"), (0.21, "fair"), (0.41, "moderate"), (0.6, "moderate"),
    (0.61, "substantial"), (0.8, "substantial"), (0.81, "almost perfect"), (1.0, "almost perfect"),
])
def test_kappa_readings_follow_landis_and_koch(value, expected):
    assert reading(value, KAPPA_READINGS) == expected


def svgs(html):
    """Every inline SVG of a page, parsed as XML (so a malformed one fails)."""
    return [ET.fromstring(match) for match in re.findall(r"<svg\b.*?</svg>", html, re.S)]


def chart(html, name):
    """The one SVG whose id or one of whose classes is ``name``."""
    [found] = [svg for svg in svgs(html) if name == svg.get("id") or name in svg.get("class", "").split()]
    return found


def test_article_dashboard_draws_named_charts_with_the_figures(scene, bob):
    response = bob.client.get("/articles/1/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    drawn = svgs(html)
    assert len(drawn) >= 4
    for svg in drawn:
        assert svg.get("role") == "img" and svg.get("aria-label"), ET.tostring(svg)[:120]
        assert svg.find("title") is not None and svg.find("title").text.strip()

    progress = chart(html, "progress-chart")
    assert progress.get("aria-label") == (
        "Progress: 6 annotations: 1 accepted, 1 rejected, 1 needs work, 3 open; 2 reviewed (33%)")
    segments = {g.get("data-status"): g for g in progress.iter("g") if g.get("data-status")}
    assert {s: g.get("data-count") for s, g in segments.items()} == {
        "accepted": "1", "rejected": "1", "needs-work": "1", "open": "3"}
    assert segments["open"].find("rect").get("width") == "50.0%"

    verdicts = chart(html, "verdict-chart")
    assert "True 1, Mostly true 0, Mixed 0, Mostly false 0, False 2, Misleading 1" in verdicts.get("aria-label")
    bars = {g.get("data-name"): g for g in verdicts.iter("g")}
    fill = {name: g.find("rect[@class='bar-fill']") for name, g in bars.items()}
    assert float(fill["false"].get("width")) == 2 * float(fill["true"].get("width")) > 0
    assert fill["false"].get("fill") == "#c62828" and fill["mixed"] is None
    assert bars["false"].find("title").text == "False: 2 of 4 claims (50%)"
    assert "".join(bars["false"].find("text[@class='bar-value']").itertext()) == "2 50%"

    assert "Accepted <strong>1</strong>" in html and "Open <strong>3</strong>" in html
    assert re.search(r'>alice</span> <span class="pair-with">· <span [^>]*>bob</span></span></span></td>'
                     r'<td class="num">3</td>\s*<td class="num">0\.57</td>\s*<td>moderate', html)
    corrections = chart(html, "correction-chart")
    assert "Correction types (2 corrections): Typo 1, Spelling 0, Grammar 1" in corrections.get("aria-label")
    assert 'href="/articles/1/deleted">Deleted annotations (1)' in html


def test_an_empty_dashboard_says_there_is_nothing_yet(alice):
    html = alice.client.get("/articles/2/dashboard").get_data(as_text=True)
    assert "No annotations yet" in html
    assert "Not enough overlapping judgements yet" in html
    assert chart(html, "progress-chart").get("aria-label").startswith("Progress: 0 annotations")
    assert not [svg for svg in svgs(html) if "alpha-scale" in svg.get("class")]


def test_team_dashboard_lists_articles_linking_to_their_dashboards(scene, alice):
    response = alice.client.get("/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Team dashboard" in html
    assert chart(html, "progress-chart").get("aria-label").startswith("Progress: 7 annotations")
    rows = re.findall(r'<a class="article-link" href="(/articles/\d+/dashboard)">([^<]+)</a>', html)
    assert rows == [("/articles/2/dashboard", "Emoji"),
                    ("/articles/1/dashboard", "Venezuela cuts diplomatic ties with US after Guaido recognized")]
    assert 'aria-label="Reviewed 33%"' in html and "33% <span class=\"muted\">(2)</span>" in html


@pytest.mark.parametrize("path", ["/dashboard", "/articles/1/dashboard"])
def test_anonymous_visitors_are_sent_to_log_in(anonymous, path):
    response = anonymous.client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_missing_article_has_no_dashboard(alice):
    response = alice.client.get("/articles/99/dashboard")
    assert response.status_code == 404 and "There is no article 99" in response.get_data(as_text=True)
