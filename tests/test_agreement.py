"""Agreement statistics, checked against published worked examples (issue 4)."""

import pytest

from annotator.agreement import cohen_kappa, krippendorff_alpha
from annotator.articles import get_article
from tests.conftest import claim


def test_cohen_kappa_worked_example():
    """Wikipedia, "Cohen's kappa", worked example: 50 proposals, 20 yes-yes, 5 yes-no,
    10 no-yes, 15 no-no: p_o = 0.7, p_e = 0.5, kappa = 0.4."""
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert cohen_kappa([]) is None
    assert cohen_kappa([("true", "true")] * 3) is None  # no variation: undefined


def test_krippendorff_alpha_worked_example():
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
    4 observers, 12 units, values 1..5 with gaps. Published: nominal 0.743, ordinal 0.815."""
    n = None
    rows = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert krippendorff_alpha(rows, "nominal") == pytest.approx(0.743, abs=0.0005)
    assert krippendorff_alpha(rows, "ordinal") == pytest.approx(0.815, abs=0.0005)
    assert krippendorff_alpha([[1, 1], [1, 1]], "nominal") is None


def test_article_agreement_from_claims_and_reviews(alice, bob, editor, db):
    erin = editor
    text = get_article(db, 1)["text"]
    post = lambda session, quote, verdict: session.api(  # noqa: E731
        "POST", "/api/articles/1/annotations", json=claim(text, quote, verdict)).get_json()["id"]
    # item 1: alice and bob both claim it, the same verdict; erin disagrees with alice's
    first = post(alice, "gave 72 hours", "true")
    post(bob, "gave 72 hours", "true")
    erin.api("POST", f"/api/annotations/{first}/reviews", json={"decision": "disagree", "verdict": "mostly-true",
                                                               "comment": "The deadline was reported as 72 hours."})
    # item 2: bob agrees with alice's claim
    second = post(alice, "Brazil", "false")
    bob.api("POST", f"/api/annotations/{second}/reviews", json={"decision": "agree"})
    # item 3: judged by alice alone: not an item
    post(alice, "Mexico", "mixed")

    figures = alice.api("GET", "/api/articles/1/agreement").get_json()
    assert figures["items"] == 2
    kappas = {(k["a"], k["b"]): (k["kappa"], k["items"]) for k in figures["cohen_kappa"]}
    assert kappas[("alice", "bob")] == (1.0, 2)
    assert kappas[("alice", "erin")] == (0.0, 1)  # one item, judged differently: p_o = p_e = 0
    # alpha from the same matrix built by hand: rows alice, bob, erin; items 1 and 2; values are the
    # scale positions (true 0, mostly-true 1, false 4)
    by_hand = [[0, 4], [0, 4], [1, None]]
    assert figures["krippendorff_alpha_nominal"] == pytest.approx(krippendorff_alpha(by_hand, "nominal"), abs=1e-4)
    assert figures["krippendorff_alpha_ordinal"] == pytest.approx(krippendorff_alpha(by_hand, "ordinal"), abs=1e-4)
    assert alice.api("GET", "/api/agreement").get_json()["items"] == 2
    assert alice.api("GET", "/api/articles/2/agreement").get_json() == {
        "items": 0, "krippendorff_alpha_nominal": None, "krippendorff_alpha_ordinal": None, "cohen_kappa": []}
    assert alice.api("GET", "/api/articles/99/agreement").status_code == 404
