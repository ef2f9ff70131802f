"""The article page against the production server (waitress, in its own
process), through a kill -9 and a restart in the middle of a session."""

import pytest
import requests
from playwright.sync_api import expect

from bench.bench_load import PASSWORD, Server, prepare, stored_ids
from tests.browser.conftest import TIMEOUT_MS, VIEWPORT, ArticlePage


@pytest.fixture
def production(tmp_path):
    server = Server(prepare(tmp_path, reviewers=1)).start()
    yield server
    server.stop()


@pytest.fixture
def reviewer(production, _browser):
    context = _browser.get().new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = ArticlePage(context, production)
    page.login("reviewer1", PASSWORD)
    yield page.open(1)
    context.close()
    assert page.page_errors == []


def test_saving_under_waitress_survives_a_crash_and_restart(production, reviewer):
    reviewer.select_text("no fiends")
    reviewer.fill_claim("false", "Typo in the wire copy.")
    reviewer.save()
    [first] = reviewer.api_annotations()
    expect(reviewer.card(first["id"])).to_be_visible()

    production.kill()  # kill -9 while the page is open
    production.start()  # same port and database, a new process
    assert requests.get(production.url + "/healthz", timeout=10).json() == {"status": "ok", "integrity": "ok"}

    # The same tab, without reloading: the session still holds and the next save lands.
    reviewer.select_text("historic battle")
    reviewer.fill_claim("mixed", "Saved after the restart.")
    reviewer.save()
    saved = reviewer.api_annotations()
    assert sorted(a["exact"] for a in saved) == ["historic battle", "no fiends"]
    reviewer.reload()
    assert sorted(reviewer.card_ids()) == sorted(a["id"] for a in saved)
    stored, integrity = stored_ids(production.database)
    assert stored == {a["id"] for a in saved} and integrity == "ok"
