import re

import pytest

from tests.conftest import claim

SERVER_TIMING = re.compile(r"^app;dur=(\d+(?:\.\d+)?), cpu;dur=(\d+(?:\.\d+)?)$")


def app_duration(response):
    found = SERVER_TIMING.match(response.headers.get("Server-Timing", ""))
    assert found, response.headers.get("Server-Timing")
    return float(found.group(1))


def test_cpu_time_is_part_of_the_apps_time(anonymous):
    found = SERVER_TIMING.match(anonymous.client.get("/login").headers["Server-Timing"])
    assert float(found.group(2)) <= float(found.group(1)) + 0.01  # both rounded to 0.01 ms


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/js/offsets.js", "/no-such-page", "/api/articles"])
def test_every_response_says_how_long_the_app_took(anonymous, path):
    assert app_duration(anonymous.client.get(path)) >= 0


def test_a_saved_annotation_and_a_refused_one_carry_server_timing(alice, app):
    with app.app_context():
        from annotator.articles import get_article
        from annotator.db import get_db

        text = get_article(get_db(), 1)["text"]
    body = claim(text, text.split()[0])
    assert app_duration(alice.api("POST", "/api/articles/1/annotations", body)) >= 0
    refused = alice.api("POST", "/api/articles/1/annotations", body)
    assert refused.status_code == 409
    assert app_duration(refused) >= 0
