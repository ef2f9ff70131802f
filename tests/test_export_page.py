"""The export page: a form that sends a person to the right download."""

import pytest

from annotator.export import FORMATS
from annotator.forms import EXPORT_FORMATS
from tests.export_data import seed


@pytest.fixture
def rich(db):
    return seed(db)


def test_the_page_offers_every_format_and_preselects_an_article(alice, rich):
    assert [name for name, _, _ in EXPORT_FORMATS] == list(FORMATS)
    response = alice.client.get("/export?article=2")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in FORMATS:
        assert f'value="{name}"' in html
    assert '<option selected value="2">Emoji</option>' in html
    assert 'name="bom" type="checkbox" value="y" checked' in html or 'checked id="bom"' in html


@pytest.mark.parametrize("query, location", [
    ("format=csv&article=&bom=y", "/export.csv?bom=1"),
    ("format=csv&article=1", "/articles/1/export.csv"),
    ("format=reviews&article=2&bom=y", "/articles/2/export-reviews.csv?bom=1"),
    ("format=jsonl&article=&author=bob&kind=claim&bom=y", "/export.jsonl?author=bob&kind=claim"),  # no BOM in JSON
    ("format=w3c&article=1&verdict=false&status=accepted", "/articles/1/export.jsonld?verdict=false&status=accepted"),
    ("format=claimreview&article=&since=2026-01-01&until=2026-12-31",
     "/export.claimreview.json?since=2026-01-01&until=2026-12-31"),
])
def test_sending_the_form_redirects_to_the_download(alice, rich, query, location):
    response = alice.client.get(f"/export?{query}")
    assert response.status_code == 302
    assert response.headers["Location"] == location
    assert alice.client.get(location).status_code == 200


@pytest.mark.parametrize("query, message", [
    ("format=xml", "Not a valid choice"),
    ("format=w3c&article=99", "Not a valid choice"),
    ("format=w3c&author=mallory", "Not a valid choice"),
    ("format=w3c&since=2026-05-02&until=2026-05-01", "This day is before the first one"),
    ("format=w3c&since=soon", "Not a valid date value"),
])
def test_a_bad_choice_is_shown_on_the_page(alice, rich, query, message):
    response = alice.client.get(f"/export?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_login_required(anonymous):
    response = anonymous.client.get("/export?format=csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
