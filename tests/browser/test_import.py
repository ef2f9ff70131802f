"""Adding articles in the page (an editor's job): an uploaded web page and a web address."""

from playwright.sync_api import expect

from tests.conftest import ARTICLE_PAGE


def test_upload_an_html_page_then_annotate_it(live_server, open_page, tmp_path):
    live_server.add_user("erin", "editor")
    erin = open_page("erin")
    path = tmp_path / "story.html"
    path.write_bytes(ARTICLE_PAGE)
    erin.page.goto(live_server.url + "/articles/new")
    erin.page.set_input_files("input[name=file]", str(path))
    erin.page.click("main form button[type=submit]")
    expect(erin.page.locator("h1")).to_have_text("Port strike ends")
    erin.wait_ready()
    text = erin.text_content()
    assert text.startswith("Dock workers ended") and "Menu" not in text and "Subscribe" not in text
    erin.article_id = int(erin.page.url.rsplit("/", 1)[1])
    erin.select_text("6% rise")
    erin.fill_claim("true")
    erin.save()
    [saved] = erin.api_annotations()
    assert (saved["start"], saved["exact"]) == (text.index("6% rise"), "6% rise")


def test_import_from_a_web_address_in_the_form(live_server, open_page, page_server):
    live_server.app.config["IMPORT_ALLOW_PRIVATE"] = True  # the page is served on 127.0.0.1
    live_server.add_user("erin", "editor")
    erin = open_page("erin")
    erin.page.goto(live_server.url + "/articles/new")
    erin.page.fill("input[name=fetch]", page_server)
    erin.page.click("main form button[type=submit]")
    expect(erin.page.locator("h1")).to_have_text("Port strike ends")
    expect(erin.page.locator(".reader-head .meta")).to_contain_text("Lee Chan")


def test_a_refused_address_keeps_the_form(live_server, open_page):
    live_server.add_user("erin", "editor")
    erin = open_page("erin")
    erin.page.goto(live_server.url + "/articles/new")
    erin.page.fill("input[name=title]", "Kept title")
    erin.page.fill("input[name=fetch]", "http://169.254.169.254/latest/meta-data/")
    erin.page.click("main form button[type=submit]")
    expect(erin.page.locator(".field-error")).to_contain_text("inside a private network")
    expect(erin.page.locator("input[name=title]")).to_have_value("Kept title")
