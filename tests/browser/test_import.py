"""Adding articles in the page: an uploaded web page and a web address."""

from playwright.sync_api import expect

from tests.conftest import ARTICLE_PAGE


def test_upload_an_html_page_then_annotate_it(live_server, open_page, tmp_path):
    alice = open_page("alice")
    path = tmp_path / "story.html"
    path.write_bytes(ARTICLE_PAGE)
    alice.page.goto(live_server.url + "/articles/new")
    alice.page.set_input_files("input[name=file]", str(path))
    alice.page.click("main form button[type=submit]")
    expect(alice.page.locator("h1")).to_have_text("Port strike ends")
    alice.wait_ready()
    text = alice.text_content()
    assert text.startswith("Dock workers ended") and "Menu" not in text and "Subscribe" not in text
    alice.article_id = int(alice.page.url.rsplit("/", 1)[1])
    alice.select_text("6% rise")
    alice.fill_claim("true")
    alice.save()
    [saved] = alice.api_annotations()
    assert (saved["start"], saved["exact"]) == (text.index("6% rise"), "6% rise")


def test_import_from_a_web_address_in_the_form(live_server, open_page, page_server):
    live_server.app.config["IMPORT_ALLOW_PRIVATE"] = True  # the page is served on 127.0.0.1
    alice = open_page("alice")
    alice.page.goto(live_server.url + "/articles/new")
    alice.page.fill("input[name=fetch]", page_server)
    alice.page.click("main form button[type=submit]")
    expect(alice.page.locator("h1")).to_have_text("Port strike ends")
    expect(alice.page.locator(".reader-head .meta")).to_contain_text("Lee Chan")


def test_a_refused_address_keeps_the_form(live_server, open_page):
    alice = open_page("alice")
    alice.page.goto(live_server.url + "/articles/new")
    alice.page.fill("input[name=title]", "Kept title")
    alice.page.fill("input[name=fetch]", "http://169.254.169.254/latest/meta-data/")
    alice.page.click("main form button[type=submit]")
    expect(alice.page.locator(".field-error")).to_contain_text("inside a private network")
    expect(alice.page.locator("input[name=title]")).to_have_value("Kept title")
