"""Importing articles from .txt, .html and .md files and from web addresses.

The web tests talk only to a server of their own on 127.0.0.1.
"""

import functools
import gzip
import http.server
import socket
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import importing
from annotator.errors import BadRequest
from annotator.importing import MAX_FILE_BYTES, ImportFailed, import_bytes, markdown_text
from annotator.text import canonicalize

# The test server listens on 127.0.0.1, which imports refuse unless allowed.
import_url = functools.partial(importing.import_url, allow_private=True)

PARAGRAPHS = [
    "Council approves new budget",
    "The city council voted 7\u20132 on Thursday to approve a budget of $4.2\u00a0million for the coming year, "
    "the largest in its history.",
    "Supporters said the money would fund road repairs & new street lighting in the northern districts, "
    "which residents have requested for a decade.",
    "\u201cThis is a good day for the city,\u201d said councillor Ana Ruiz \U0001f44d after the vote.",
    "Opponents argued that the plan relies on optimistic tax forecasts and could force cuts to libraries "
    "next year if revenue falls short.",
]

NEWS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Council approves new budget | Daily Ledger</title>
<meta name="author" content="Maria Gonzalez">
<meta property="article:published_time" content="2024-03-15T09:30:00Z">
<link rel="canonical" href="https://news.example.com/2024/03/15/council-budget">
</head>
<body>
<header><nav><ul>
  <li><a href="/">Home</a></li><li><a href="/politics">Politics</a></li>
  <li><a href="/subscribe">Subscribe now for unlimited access</a></li>
</ul></nav></header>
<main>
<article>
<h1>Council approves new budget</h1>
<p class="byline">By Maria Gonzalez</p>
<p>The city council voted 7&ndash;2 on Thursday to approve a budget of $4.2&nbsp;million for the coming year,
   the largest in its history.</p>
<p>Supporters said the money would fund road repairs &amp; new street lighting in the northern districts,
   which residents have requested for a decade.</p>
<p>&ldquo;This is a good day for the city,&rdquo; said councillor Ana Ruiz &#x1F44D; after the vote.</p>
<p>Opponents argued that the plan relies on optimistic tax forecasts and could force cuts to libraries
   next year if revenue falls short.</p>
</article>
</main>
<aside><h2>Most read</h2><ul><li><a href="/a">Storm closes schools across region</a></li></ul></aside>
<footer><p>&copy; 2024 Daily Ledger. All rights reserved. Privacy policy. Cookie settings.</p></footer>
</body>
</html>
"""

BOILERPLATE = ["Home", "Politics", "Subscribe", "Most read", "Storm closes", "All rights reserved", "Cookie"]

LONG_PARAGRAPH = "The council met on Tuesday to discuss the budget and related matters at some length. " * 4


def page(body, head="<title>Page</title>", charset="utf-8"):
    return f'<!DOCTYPE html><html><head><meta charset="{charset}">{head}</head><body>{body}</body></html>'


def failure(call, *args, **kwargs):
    """The message of the ImportFailed that call(*args, **kwargs) raises."""
    with pytest.raises(ImportFailed) as caught:
        call(*args, **kwargs)
    assert isinstance(caught.value, BadRequest) and caught.value.status == 400
    return caught.value.message


# Plain text


@pytest.mark.parametrize("data, text", [
    ("Caf\u00e9 \U0001f44d\n\nSecond paragraph.\n".encode("utf-8"), "Caf\u00e9 \U0001f44d\n\nSecond paragraph."),
    ("\ufeffWith a byte order mark".encode("utf-8"), "With a byte order mark"),
    (b"Windows\r\nline ends\r\n\r\n\r\nnext", "Windows\nline ends\n\nnext"),
    ("\ufeffNotepad's UTF-16 \U0001f44d".encode("utf-16-le"), "Notepad's UTF-16 \U0001f44d"),
    ("non\u00a0breaking\u2009thin".encode("utf-8"), "non\u00a0breaking\u2009thin"),
    ("cafe\u0301".encode("utf-8"), "caf\u00e9"),  # NFC, as canonicalize does
])
def test_plain_text_decodes_and_canonicalizes(data, text):
    article = import_bytes(data, "piece.txt")
    assert article.text == text
    assert article.raw == data
    assert (article.title, article.url, article.author, article.published) == (None, None, None, None)
    assert article.media_type == "text/plain"


def test_plain_text_in_a_declared_charset():
    data = "\u201cCaf\u00e9\u201d".encode("cp1252")
    assert import_bytes(data, "piece.txt", declared_charset="windows-1252").text == "\u201cCaf\u00e9\u201d"
    # As in browsers, an ISO-8859-1 label means windows-1252 (where 0x93 is a curly quote).
    assert import_bytes(data, "piece.txt", declared_charset="iso-8859-1").text == "\u201cCaf\u00e9\u201d"


@pytest.mark.parametrize("data, filename, message", [
    (b"caf\xe9 au lait", "latin1.txt", "not UTF-8 text: the byte 0xE9 at byte 3 (line 1)"),
    (b"ok\nline two \xff", "bad.txt", "at byte 12 (line 2)"),
    (b"text\x00with NUL", "nul.txt", "not a text file (it contains NUL bytes)"),
    (b"text\x01\x02", "ctl.txt", "control character U+0001 on line 1"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "report.txt", "is a PDF document, not a text file"),
    (b"PK\x03\x04\x14\x00", "story.txt", "a ZIP archive (a Word"),
    (b"", "empty.txt", "is empty"),
    (b" \r\n\t\n", "blank.txt", "is empty"),
    (b"\xef\xbb\xbf", "bom-only.txt", "has no text"),
    (b"text", "story.docx", "only .txt, .html, .htm, .md, .markdown files can"),
    (b"text", "README", "only .txt"),
    (b"text", "", "only .txt"),
])
def test_plain_text_refused(data, filename, message):
    assert message in failure(import_bytes, data, filename)


def test_over_the_size_limit_is_refused():
    data = b"a" * (MAX_FILE_BYTES + 1)
    assert "larger than 5 MB" in failure(import_bytes, data, "big.txt")
    assert import_bytes(b"a" * MAX_FILE_BYTES, "big.txt").text == "a" * MAX_FILE_BYTES


def test_extension_is_case_insensitive():
    assert import_bytes(b"Loud", "SHOUT.TXT").text == "Loud"


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08"
                             "\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f"),
               min_size=1).filter(lambda s: canonicalize(s).strip()))
def test_plain_text_is_exactly_the_canonical_text(text):
    assert import_bytes(text.encode("utf-8"), "any.txt").text == canonicalize(text)


# HTML


def test_news_page_gives_article_paragraphs_and_metadata():
    article = import_bytes(NEWS_PAGE.encode("utf-8"), "council.html")
    assert "\n\n".join(PARAGRAPHS) in article.text
    for words in BOILERPLATE:
        assert words not in article.text
    assert article.title == "Council approves new budget"
    assert article.author == "Maria Gonzalez"
    assert article.published == "2024-03-15"
    assert article.url == "https://news.example.com/2024/03/15/council-budget"
    assert article.media_type == "text/html"
    assert article.raw == NEWS_PAGE.encode("utf-8")
    assert article.text == canonicalize(article.text)


def test_entities_become_the_characters_they_stand_for():
    body = (f"<article><p>{LONG_PARAGRAPH}</p>"
            "<p>A&nbsp;B &amp; C &#x1F44D; &lt;tag&gt; &amp;amp; &#8217; caf&eacute;</p></article>")
    text = import_bytes(page(body).encode(), "e.html").text
    # &amp;amp; is the text "&amp;", not "&" (trafilatura's txt output unescapes twice).
    assert text.endswith("A\u00a0B & C \U0001f44d <tag> &amp; \u2019 caf\u00e9")


def test_spaces_and_invisible_characters_are_kept():
    special = ("nbsp\u00a0thin\u2009narrow\u202fideographic\u3000end, "
               "zwj \U0001f469\u200d\u2695\ufe0f, zwnj \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645, soft\u00adhyphen")
    body = f"<article><p>{LONG_PARAGRAPH}</p><p>{special}</p><p>&nbsp;</p><p>Last.&nbsp;</p></article>"
    text = import_bytes(page(body).encode(), "s.html").text
    assert text == f"{LONG_PARAGRAPH.strip()}\n\n{special}\n\nLast."


def test_stand_ins_for_spaces_never_clash_with_the_page():
    # The importer hides U+00A0 from trafilatura behind a character absent
    # from the page; a page using the first candidates must not lose them.
    rare = "\U00020000\U00020001"
    body = f"<article><p>{LONG_PARAGRAPH}</p><p>Rare {rare} and\u00a0space.</p></article>"
    head = '<title>T</title><meta name="author" content="Ana \U00020002 Ruiz">'
    article = import_bytes(page(body, head).encode(), "r.html")
    assert article.text.endswith(f"Rare {rare} and\u00a0space.")
    assert article.author == "Ana \U00020002 Ruiz"


def test_structure_paragraphs_lines_and_cells():
    body = (f"<article><h2>Sub head</h2><p>{LONG_PARAGRAPH}</p>"
            "<p>First line<br>second line</p>"
            "<ul><li>Item one</li><li>Item <b>two</b></li></ul>"
            "<blockquote><p>A quoted paragraph.</p></blockquote>"
            "<table><tr><td>Cell A</td><td>Cell B</td></tr><tr><td>1</td><td>2</td></tr></table></article>")
    text = import_bytes(page(body).encode(), "s.html").text
    assert text == (f"Sub head\n\n{LONG_PARAGRAPH.strip()}\n\nFirst line\nsecond line\n\nItem one\nItem two\n\n"
                    "A quoted paragraph.\n\nCell A\tCell B\n1\t2")


@pytest.mark.parametrize("declared, meta", [
    (None, '<meta charset="windows-1252">'),
    (None, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'),
    (None, '<meta charset="iso-8859-1">'),  # means windows-1252, as in browsers
    ("windows-1252", '<meta charset="utf-8">'),  # the HTTP charset wins over <meta>
])
def test_declared_charset_decodes_curly_quotes(declared, meta):
    html = (f"<!DOCTYPE html><html><head>{meta}<title>Quotes</title></head><body><article>"
            f"<p>\u201cWe will win,\u201d the mayor said \u2014 caf\u00e9 owners agreed. {LONG_PARAGRAPH}</p>"
            "</article></body></html>")
    article = import_bytes(html.encode("cp1252"), "quotes.html", declared_charset=declared)
    assert article.text.startswith("\u201cWe will win,\u201d the mayor said \u2014 caf\u00e9 owners agreed.")


def test_undeclared_non_utf8_page_is_refused_with_position():
    html = page(f"<p>caf\u00e9 {LONG_PARAGRAPH}</p>", charset="utf-8").encode("cp1252")
    message = failure(import_bytes, html, "p.html")
    assert f"byte 0xE9 at byte {html.index(b'caf') + 3}" in message


@pytest.mark.parametrize("html", [
    page('<header><nav><a href="/">Home</a> <a href="/politics">Politics</a></nav></header><main></main>'
         "<footer><p>&copy; 2024 Daily Ledger. All rights reserved.</p></footer>"),
    page("<script>var story = 'not text';</script><img src='photo.jpg'>"),
    page(""),
])
def test_page_without_article_text_is_refused(html):
    assert "No article text was found" in failure(import_bytes, html.encode(), "index.html")


def test_short_article_comes_without_the_menu():
    # trafilatura dumps the whole page (menu and footer included) when the
    # article is under 250 characters; the importer must not take that.
    html = page('<nav><a href="/">Home</a> <a href="/politics">Politics</a></nav>'
                "<article><h1>Mayor resigns</h1><p>The mayor resigned on Tuesday, officials said.</p>"
                "<p>More details to follow.</p></article><footer>&copy; 2024 Daily Ledger</footer>")
    text = import_bytes(html.encode(), "brief.html").text
    assert text.endswith("The mayor resigned on Tuesday, officials said.\n\nMore details to follow.")
    assert "Home" not in text and "Daily Ledger" not in text


def test_page_fields_never_hold_lone_surrogates():
    head = ('<title>T &#xD800; x</title><script type="application/ld+json">'
            '{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "H \\ud800", '
            '"author": {"@type": "Person", "name": "Ana \\ud800 Ruiz"}}</script>')
    article = import_bytes(page(f"<article><p>Lone &#xD800; here. {LONG_PARAGRAPH}</p></article>", head).encode(), "s.html")
    for value in (article.text, article.title, article.author):
        assert value and not any("\ud800" <= c <= "\udfff" for c in value)


def test_date_is_only_taken_from_the_markup():
    body = f"<article><p>The law passed on March 3, 2023. {LONG_PARAGRAPH}</p></article>"
    assert import_bytes(page(body).encode(), "d.html").published is None


def test_canonical_url_must_be_http():
    head = '<title>T</title><link rel="canonical" href="javascript:alert(1)">'
    assert import_bytes(page(f"<article><p>{LONG_PARAGRAPH}</p></article>", head).encode(), "c.html").url is None


# Markdown


@pytest.mark.parametrize("source, text, title", [
    ("# The *big* story\n\nSome **bold**, _emphasis_ and a [link](https://example.org).\n",
     "The big story\n\nSome bold, emphasis and a link.", "The big story"),
    ("Intro line\nwraps here.  \nHard break.\n\n## Second heading\n\nText.",
     "Intro line wraps here.\nHard break.\n\nSecond heading\n\nText.", "Second heading"),
    ("Photo: ![a cat](cat.png) here.\n\n---\n\n> Quoted *words*.\n",
     "Photo: here.\n\nQuoted words.", None),
    ("- one\n- two\n  - nested\n\n1. first\n2. second\n",
     "- one\n- two\n  - nested\n\n1. first\n2. second", None),
    ("Code `x = 1` inline.\n\n```python\ndef f():\n    return 1\n```\n",
     "Code x = 1 inline.\n\ndef f():\n    return 1", None),
    ("Title\n=====\n\nA \\*literal\\* star, &amp; an entity, caf\u00e9\u00a0\U0001f44d.",
     "Title\n\nA *literal* star, & an entity, caf\u00e9\u00a0\U0001f44d.", "Title"),
    ("<div>Raw <b>HTML</b> block</div>\n\nText with <span>inline</span> tags.",
     "Raw HTML block\n\nText with inline tags.", None),
])
def test_markdown_syntax_is_stripped(source, text, title):
    article = import_bytes(source.encode("utf-8"), "story.md")
    assert (article.text, article.title, article.media_type) == (text, title, "text/markdown")
    assert markdown_text(source) == (text, title)


def test_markdown_extension_and_refusals():
    assert import_bytes(b"# Head\n\nBody", "x.markdown").title == "Head"
    assert "has no text" in failure(import_bytes, b"![only](an-image.png)\n\n---\n", "x.md")
    assert "not UTF-8" in failure(import_bytes, b"caf\xe9", "x.md")


# Web addresses


ARTICLE_HTML = page(f"<article><h1>Fetched story</h1><p>{LONG_PARAGRAPH}</p></article>",
                    "<title>Fetched story</title>").encode()
CANONICAL_HTML = page(f"<article><p>{LONG_PARAGRAPH}</p></article>",
                      '<title>C</title><link rel="canonical" href="https://news.example.com/canonical">').encode()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Handler(http.server.BaseHTTPRequestHandler):
    """Routes of the test site; ``release`` ends the slow ones when the tests are done."""

    release = threading.Event()

    def do_GET(self):
        path = self.path
        if path == "/article":
            self.reply(200, "text/html; charset=utf-8", ARTICLE_HTML)
        elif path == "/canonical":
            self.reply(200, "text/html", CANONICAL_HTML)
        elif path == "/cp1252.txt":
            self.reply(200, "text/plain; charset=windows-1252", "\u201cQuoted\u201d text".encode("cp1252"))
        elif path == "/notes.md":
            self.reply(200, "text/plain", b"# Notes\n\nSome *notes*.")
        elif path == "/no-type":
            self.reply(200, None, ARTICLE_HTML)
        elif path == "/gzip":
            self.reply(200, "text/html", gzip.compress(ARTICLE_HTML), [("Content-Encoding", "gzip")])
        elif path == "/missing":
            self.reply(404, "text/html", b"<h1>Not here</h1>")
        elif path == "/forbidden":
            self.reply(403, "text/html", b"<h1>No</h1>")
        elif path == "/broken":
            self.reply(500, "text/html", b"<h1>Oops</h1>")
        elif path == "/r1":
            self.redirect(302, "/r2")
        elif path == "/r2":
            self.redirect(301, f"http://127.0.0.1:{self.server.server_port}/article")
        elif path == "/loop":
            self.redirect(302, "/loop")
        elif path.startswith("/chain/"):
            n = int(path.rsplit("/", 1)[1])
            self.redirect(307, f"/chain/{n + 1}")
        elif path == "/to-ftp":
            self.redirect(302, "ftp://127.0.0.1/story.html")
        elif path == "/to-file":
            self.redirect(301, "file:///etc/passwd")
        elif path == "/image.png":
            self.reply(200, "image/png", PNG)
        elif path == "/report.pdf":
            self.reply(200, "application/pdf", b"%PDF-1.7\n")
        elif path == "/empty":
            self.reply(200, "text/html", b"")
        elif path == "/huge":
            self.reply(200, "text/html", b"<p>" + b"x" * 20_000 + b"</p>")
        elif path == "/huge-unannounced":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<p>" + b"x" * 20_000 + b"</p>")  # no Content-Length: ends when we close
        elif path == "/slow":
            self.release.wait(5)
            self.reply(200, "text/html", ARTICLE_HTML)
        elif path == "/stalls":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(ARTICLE_HTML)))
            self.end_headers()
            self.wfile.write(ARTICLE_HTML[:100])
            self.wfile.flush()
            self.release.wait(5)
        else:
            self.reply(404, "text/plain", b"unknown test route")

    def reply(self, status, content_type, body, headers=()):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, status, location):
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up (timeout tests) leaves a broken pipe behind


@pytest.fixture(scope="module")
def site():
    """The base URL of the test site on 127.0.0.1."""
    server = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    Handler.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_fetches_an_article(site):
    article = import_url(f"{site}/article")
    assert article.text == f"Fetched story\n\n{LONG_PARAGRAPH.strip()}"
    assert article.title == "Fetched story"
    assert article.url == f"{site}/article"
    assert article.raw == ARTICLE_HTML
    assert article.media_type == "text/html"


def test_two_redirects_are_followed_and_the_final_url_kept(site):
    article = import_url(f"{site}/r1")
    assert article.url == f"{site}/article"
    assert article.text.startswith("Fetched story")


@pytest.mark.parametrize("path, url, text, media_type", [
    ("/canonical", "https://news.example.com/canonical", LONG_PARAGRAPH.strip(), "text/html"),
    ("/cp1252.txt", "{site}/cp1252.txt", "\u201cQuoted\u201d text", "text/plain"),
    ("/notes.md", "{site}/notes.md", "Notes\n\nSome notes.", "text/markdown"),
    ("/no-type", "{site}/no-type", f"Fetched story\n\n{LONG_PARAGRAPH.strip()}", "text/html"),
    ("/gzip", "{site}/gzip", f"Fetched story\n\n{LONG_PARAGRAPH.strip()}", "text/html"),
])
def test_fetched_kinds(site, path, url, text, media_type):
    article = import_url(site + path)
    assert (article.url, article.text, article.media_type) == (url.format(site=site), text, media_type)


def test_gzip_body_is_kept_decoded(site):
    assert import_url(f"{site}/gzip").raw == ARTICLE_HTML


@pytest.mark.parametrize("path, message", [
    ("/missing", "(HTTP 404 Not Found). Check the address."),
    ("/forbidden", "HTTP 403 Forbidden"),
    ("/broken", "had an error (HTTP 500 Internal Server Error). Try again later"),
    ("/loop", "redirects in a loop"),
    ("/chain/0", "redirects more than 5 times"),
    ("/to-ftp", "“ftp://127.0.0.1/story.html”, which is not a web (http or https) address"),
    ("/to-file", "“file:///etc/passwd”, which is not a web"),
    ("/image.png", "gives an image (image/png), not a web page or text"),
    ("/report.pdf", "gives a PDF document"),
    ("/empty", "is empty"),
])
def test_fetch_refused(site, path, message):
    assert message in failure(import_url, site + path)


@pytest.mark.parametrize("path", ["/huge", "/huge-unannounced"])
def test_body_over_max_bytes_is_refused(site, path):
    assert "larger than 0.01 MB" in failure(import_url, site + path, max_bytes=10_000)
    assert import_url(site + path, max_bytes=30_000).text == "x" * 20_000


@pytest.mark.parametrize("path", ["/slow", "/stalls"])
def test_slow_site_times_out(site, path):
    started = time.monotonic()
    assert "did not send the page within 0.3 seconds" in failure(import_url, site + path, timeout=0.3)
    assert time.monotonic() - started < 2


def test_closed_port_is_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert "Could not connect to 127.0.0.1" in failure(import_url, f"http://127.0.0.1:{port}/article")


def test_unknown_site_is_named(monkeypatch):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    assert "The site no-such-site.example could not be found" in failure(import_url, "https://no-such-site.example/a")


@pytest.mark.parametrize("url", ["ftp://example.org/a.html", "file:///etc/passwd", "example.org/story", "", "http://"])
def test_only_http_addresses_are_fetched(url):
    assert "is not a web address" in failure(import_url, url)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "[::1]", "192.168.0.10"])
def test_internal_addresses_are_refused_by_default(address):
    with pytest.raises(ImportFailed, match="inside a private network"):
        importing.import_url(f"http://{address}/latest/meta-data/")


def test_a_redirect_into_the_private_network_is_refused(site, monkeypatch):
    """Every hop is checked, not just the first."""
    checked = []
    monkeypatch.setattr(importing, "_refuse_internal", lambda url: checked.append(url))
    importing.import_url(f"{site}/r1")
    assert len(checked) == 3  # /r1, /r2, /article


def test_markdown_front_matter_is_metadata_not_text():
    """Regression: a CMS export's YAML front matter became the title and first paragraph."""
    text, title = markdown_text("---\ntitle: Front matter title\nauthor: Jane\n---\n# Real title\n\nBody text.")
    assert (text, title) == ("Real title\n\nBody text.", "Real title")
    assert markdown_text("Intro.\n\n---\n\nAfter a rule.")[0] == "Intro.\n\nAfter a rule."


@pytest.mark.parametrize("trick", ["http://127.0.0.1:{port}\\@example.com/", "http://127.0.0.1:{port}\\\\@example.com/x"])
def test_a_backslash_cannot_smuggle_an_internal_address(page_server, trick):
    """Fault: urlsplit checked example.com while requests connected to 127.0.0.1 (SSRF)."""
    port = page_server.split(":")[2].split("/")[0]
    message = failure(importing.import_url, trick.format(port=port), allow_private=False)
    assert "backslash" in message
