"""Importing an article from an uploaded file or a web address.

Pure functions, no Flask: bytes (or a URL) in, an ``ImportedArticle`` whose
``text`` is already canonical (``annotator.text.canonicalize``) out, or
``ImportFailed`` with a message a newsroom person can act on. Nothing is ever
half-returned: either every field is ready or the import fails.

Three kinds of source, chosen by file extension (``import_bytes``) or by the
HTTP Content-Type (``import_url``):

- plain text (``.txt``, ``text/plain``): the text as it is;
- HTML (``.html``, ``.htm``, ``text/html``): the article body, title, author,
  date and canonical URL as found by trafilatura (boilerplate, navigation and
  reader comments left out);
- Markdown (``.md``, ``.markdown``, ``text/markdown``): the text without the
  Markdown syntax (see ``markdown_text``).

Decoding follows the WHATWG rules browsers use, simplified: a byte order mark
wins (UTF-8, UTF-16 LE/BE), then the declared charset (HTTP Content-Type, or
``<meta charset>`` / ``http-equiv`` in the first 4 KB of an HTML page), else
UTF-8. Labels for Latin-1 and ASCII mean windows-1252, as in browsers; labels
Python does not know are ignored.
"""

import codecs
import datetime
import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from email.message import Message
from pathlib import PurePath
from urllib.parse import urljoin, urlsplit

# requests, urllib3, trafilatura, lxml, markdown_it and bleach (in .sanitize)
# are imported in the functions that use them: together they take about half
# a second to load, which every start of the app and of each command (an
# export, say) would pay otherwise.

from .errors import BadRequest
from .text import canonicalize
from .urls import is_http_url

#: Largest file accepted by ``import_bytes``, in bytes (``import_url`` has its own ``max_bytes``).
MAX_FILE_BYTES = 5_000_000

#: File extension -> media type.
EXTENSIONS = {
    ".txt": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
}

_ALLOWED = ", ".join(EXTENSIONS)
_SAVE_AS = "Save the article as plain text (.txt), a web page (.html) or Markdown (.md) and try again."

#: HTTP Content-Type -> media type.
_CONTENT_TYPES = {
    "text/plain": "text/plain",
    "text/html": "text/html",
    "application/xhtml+xml": "text/html",
    "text/markdown": "text/markdown",
    "text/x-markdown": "text/markdown",
}

#: The beginnings of common binary files people upload by mistake.
_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (a Word, OpenDocument or Pages file is one)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Codecs Python has that are no character set a file or page can declare.
_NOT_CHARSETS = {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "utf-7", "mbcs", "oem"}

_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.IGNORECASE)

#: Control characters no text file has (tab, newline and carriage return are text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_SURROGATE = re.compile(r"[\ud800-\udfff]")

#: Spaces that are text in HTML (unlike ASCII whitespace, which collapses) but
#: that trafilatura turns into plain spaces; see ``_protect_spaces``.
_TEXT_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")

#: Stand-ins for those spaces while trafilatura works: CJK Extension B
#: ideographs, printable letters that NFC and whitespace trimming leave alone.
_STAND_IN_POOL = range(0x20000, 0x2A6DF)

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?\r?\n---[ \t]*(\r?\n|\Z)", re.DOTALL)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_USER_AGENT = "FactcheckAnnotator/0.1 (article import)"
_ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,text/markdown;q=0.8,*/*;q=0.1"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ImportedArticle:
    """An article read from a file or a web page, ready for ``create_article``.

    text: the canonical text (``annotator.text.canonicalize`` applied),
      paragraphs separated by ``"\\n\\n"``, never empty; every offset counts in it.
    raw: the bytes exactly as received: the file's contents, or the HTTP body
      after any Content-Encoding (gzip, ...) is undone.
    title: the page's or Markdown file's title (whitespace collapsed), or None
      when none was found; always None for plain text (the caller decides).
    url: the canonical URL the page declares (``<link rel="canonical">``,
      ``og:url``), else the final URL fetched after redirects; None for a file
      that declares none. Always an http(s) URL when set.
    author: as the page declares it, or None.
    published: the publication date the page declares, ISO ``"YYYY-MM-DD"``, or None.
    media_type: ``"text/plain"``, ``"text/html"`` or ``"text/markdown"``.

    No string here holds a lone surrogate.
    """

    text: str
    raw: bytes
    title: str | None
    url: str | None
    author: str | None
    published: str | None
    media_type: str


class ImportFailed(BadRequest):
    """The file or page cannot be imported; ``message`` says why and what to do (HTTP 400)."""


def import_bytes(data, filename, declared_charset=None):
    """Import an uploaded file and return an ``ImportedArticle``.

    data: the file's bytes, at most ``MAX_FILE_BYTES``. filename: its name; the
    extension picks the kind (``EXTENSIONS``: .txt plain text, .html/.htm HTML,
    .md/.markdown Markdown), case-insensitive. declared_charset: a charset the
    upload declared (e.g. ``"windows-1252"``), or None; a byte order mark
    overrides it, and it overrides an HTML page's ``<meta charset>``.

    Raises ImportFailed for another extension, a file over the size limit, a
    binary file (NUL or control bytes, or a PDF, image, Word file...), bytes
    that do not decode (the message gives the byte position), or no text.
    """
    media_type = EXTENSIONS.get(PurePath(filename or "").suffix.lower())
    if media_type is None:
        raise ImportFailed(f"“{filename}” cannot be imported: only {_ALLOWED} files can. {_SAVE_AS}")
    return _import(data, media_type, declared_charset, None, MAX_FILE_BYTES, "file")


def import_url(url, *, timeout=10, max_bytes=5_000_000, max_redirects=5, allow_private=False):
    """Fetch a web page (or text file) server side and return an ``ImportedArticle``.

    url: an http(s) URL (``annotator.urls.is_http_url``). timeout: seconds; the
    limit for connecting and for each wait for data, and for the whole fetch,
    redirects included (a read that stalls after the deadline is cut off at
    most ``timeout`` seconds later). max_bytes: the largest body accepted,
    after any Content-Encoding is undone. max_redirects: redirects followed
    at most; each target must be http(s) too. allow_private: fetch from
    loopback, private, link-local and other internal addresses too (tests);
    off by default, so an import cannot reach servers inside the newsroom's
    network or a cloud metadata service (server-side request forgery).

    The Content-Type picks the kind: text/html or application/xhtml+xml is
    HTML, text/markdown is Markdown, text/plain is plain text (Markdown when
    the path ends in .md or .markdown); with no Content-Type, a body that
    starts like HTML is HTML, else plain text. Its charset is the declared one.

    Raises ImportFailed for a URL that is not http(s), a site that cannot be
    found or reached, a timeout, an HTTP error status (the message names it),
    too many redirects or a redirect loop, a redirect to another scheme, any
    other content type (images, PDF...), an empty or oversized body, and
    everything ``import_bytes`` refuses.
    """
    if not is_http_url(url):
        raise ImportFailed(
            f"“{url}” is not a web address. Give the full address of the article, starting with http:// or https://."
        )
    data, final_url, media_type, charset = _fetch(url, timeout, max_bytes, max_redirects, allow_private)
    return _import(data, media_type, charset, final_url, max_bytes, "page")


# Reading bytes as text


def _import(data, media_type, declared_charset, url, max_bytes, what):
    """The one path every import takes: check, decode, extract, canonicalize."""
    where = f"The {what}"
    if len(data) > max_bytes:
        raise ImportFailed(
            f"{where} is larger than {max_bytes / 1_000_000:g} MB, too large to import. "
            "Save only the article text as a .txt file and upload that."
        )
    if not data.strip():
        raise ImportFailed(f"{where} is empty.")
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            raise ImportFailed(f"{where} is {kind}, not a text file. {_SAVE_AS}")
    text = _decode(data, declared_charset, media_type == "text/html", where)

    if media_type == "text/html":
        from .sanitize import plain_text

        body, title, found_url, author, published = _html_article(text)
        # A page's <title> and meta tags may hold markup ("<b>Hi</b>"); we keep plain text.
        title, author = plain_text(title), plain_text(author)
        url = found_url or url
    else:
        control = _CONTROL.search(text)
        if control:
            line = text.count("\n", 0, control.start()) + 1
            raise ImportFailed(
                f"{where} is not a text file: it contains the control character U+{ord(control.group()):04X} "
                f"on line {line}. {_SAVE_AS}"
            )
        if media_type == "text/markdown":
            body, title = markdown_text(text)
        else:
            body, title = text, None
        author = published = None

    body = canonicalize(_no_surrogates(body))
    if not body.strip():
        if media_type == "text/html":
            raise ImportFailed(
                f"No article text was found in the {what}. "
                "If the article is there, copy its text into a .txt file and upload that."
            )
        raise ImportFailed(f"{where} has no text.")
    return ImportedArticle(
        text=body,
        raw=bytes(data),
        title=_one_line(title),
        url=_no_surrogates(url) if url and is_http_url(url) else None,
        author=_one_line(author),
        published=published if published and _ISO_DATE.fullmatch(published) else None,
        media_type=media_type,
    )


def _decode(data, declared_charset, is_html, where):
    """Return ``data`` decoded: BOM, else declared charset, else ``<meta>`` (HTML), else UTF-8."""
    skipped = 0  # bytes of byte order mark, for error positions in the original
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            data, skipped = data[len(bom):], len(bom)
            break
    else:
        if b"\x00" in data:
            raise ImportFailed(f"{where} is not a text file (it contains NUL bytes). {_SAVE_AS}")
        encoding = _charset(declared_charset)
        if encoding is None and is_html:
            meta = _META_CHARSET.search(data, 0, 4096)
            encoding = _charset(meta and meta.group(1).decode("ascii"))
            if encoding and encoding.startswith("utf-16"):
                encoding = "utf-8"  # a page read as ASCII cannot be UTF-16: browsers do the same
        encoding = encoding or "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        position = skipped + e.start
        line = data.count(b"\n", 0, e.start) + 1
        name = "UTF-8" if encoding == "utf-8" else encoding
        raise ImportFailed(
            f"{where} is not {name} text: the byte 0x{data[e.start]:02X} at byte {position} (line {line}) "
            f"cannot be read as {name}. Save it as UTF-8 and try again."
        )
    if "\x00" in text:
        raise ImportFailed(f"{where} is not a text file (it contains NUL characters). {_SAVE_AS}")
    return text


def _charset(label):
    """The Python codec for a charset label, or None when the label is unknown."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    if info.name in ("iso8859-1", "ascii"):
        return "cp1252"  # WHATWG Encoding: these labels mean windows-1252
    return info.name


def _no_surrogates(s):
    return _SURROGATE.sub("\ufffd", s) if s else s


def _one_line(s):
    s = " ".join(_no_surrogates(s or "").split())
    return s or None


# HTML


def _html_article(source):
    """Return (text, title, url, author, date) of the article in an HTML page.

    trafilatura finds the article; its default (balanced) mode runs its own
    fallbacks (readability, jusText, a retry favouring recall). When that
    yields nothing, or only the whole page's text dumped by trafilatura's last
    resort (``baseline``: menus and footers included, which happens on pages
    whose article is short or missing), the precision mode decides, and no
    text there means no article.
    """
    import trafilatura
    tree = trafilatura.load_html(source)
    if tree is None:  # trafilatura takes a lone fragment ("<p>x</p>") for not-HTML
        tree = trafilatura.load_html(f"<html><body>{source}</body></html>")
    if tree is None:
        raise ImportFailed("The page does not look like HTML. Save it as a .txt file and try again.")
    restore = _protect_spaces(tree, source)

    doc = _extract(tree, favor_precision=False)
    text = _body_text(doc.body) if doc is not None and doc.body is not None else ""
    if not text.strip() or _words(text) == _words(_body_text(trafilatura.baseline(tree)[0])):
        doc = _extract(tree, favor_precision=True)
        text = _body_text(doc.body) if doc is not None and doc.body is not None else ""
    if doc is None:
        return "", None, None, None, None
    url = restore(doc.url) if doc.url and is_http_url(doc.url) else None
    return _paragraphs(restore(text)), restore(doc.title), url, restore(doc.author), doc.date


def _extract(tree, favor_precision):
    import trafilatura
    # Only dates the page declares in its markup: extensive_search would guess
    # one from any date in the text ("on March 3, 2023 the law...").
    dates = {"original_date": True, "extensive_search": False, "max_date": datetime.date.today().isoformat()}
    return trafilatura.bare_extraction(
        tree,
        favor_precision=favor_precision,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        date_extraction_params=dates,
    )


def _protect_spaces(tree, source):
    """Swap the spaces that are text for stand-ins; return the function that swaps them back.

    trafilatura collapses every Unicode space to " " (``str.split``), but a
    non-breaking or thin space is part of the text we annotate. Each one
    present is replaced, in the tree's text, by an ideograph found nowhere in
    the page, which trafilatura keeps as it is.
    """
    found = set()
    for node in tree.iter():
        for part in (node.text, node.tail):
            if part and isinstance(part, str):
                found.update(_TEXT_SPACES.findall(part))
    if not found:
        return lambda s: s
    present = set(source)
    for node in tree.iter():
        present.update(node.text or "", node.tail or "", *(v for v in node.attrib.values()))
    free = (chr(c) for c in _STAND_IN_POOL if chr(c) not in present)
    to_stand_in = {space: next(free) for space in sorted(found)}
    back = str.maketrans({v: k for k, v in to_stand_in.items()})
    forth = str.maketrans(to_stand_in)
    for node in tree.iter():
        if isinstance(node.text, str) and node.text:
            node.text = node.text.translate(forth)
        if node.tail:
            node.tail = node.tail.translate(forth)
    return lambda s: s.translate(back) if s else s


#: trafilatura's output elements that start a paragraph, or a line.
_PARAGRAPH_TAGS = frozenset({"p", "head", "list", "quote", "table", "div", "graphic"})
_LINE_TAGS = frozenset({"item", "row"})


def _body_text(body):
    """Plain text of trafilatura's body tree: paragraphs "\\n\\n", list items and rows "\\n", cells "\\t".

    trafilatura's own txt output is not used: it unescapes HTML entities a
    second time ("&amp;amp;" in the page becomes "&"), drops invisible
    characters (zero-width joiners, soft hyphens) and joins paragraphs with
    one newline.
    """
    parts = []  # text, or 1 (line break) / 2 (paragraph break)

    def walk(node, top):
        if node.tag == "lb":
            parts.append(1)
        else:
            if node.tag == "cell" and node.getprevious() is not None:
                parts.append("\t")
            brk = 2 if top or node.tag in _PARAGRAPH_TAGS else 1 if node.tag in _LINE_TAGS else 0
            parts.append(brk)
            parts.append(node.text or "")
            for child in node:
                walk(child, False)
            parts.append(brk)
        parts.append(node.tail or "")

    if body is None:
        return ""
    parts.append(body.text or "")
    for child in body:
        walk(child, True)

    out, pending = [], 0
    for part in parts:
        if isinstance(part, int):
            pending = max(pending, part)
        elif part and not (pending and part.isspace()):
            if pending and out:
                out[-1] = out[-1].rstrip(" ")
                out.append("\n" * pending)
                part = part.lstrip(" ")
            out.append(part)
            pending = 0
    return "".join(out)


def _paragraphs(text):
    """Each paragraph stripped of surrounding whitespace; whitespace-only ones dropped."""
    return "\n\n".join(p.strip() for p in text.split("\n\n") if p.strip())


def _words(text):
    return " ".join(text.split())


# Markdown


def markdown_text(source):
    """Return (text, title) of a Markdown document: what a reader of the rendered page sees.

    CommonMark (markdown-it-py). Kept: the words of headings, paragraphs,
    emphasis, link texts (not their URLs), inline code and code blocks (without
    backticks or fences), the text of raw HTML blocks. List items keep their
    marker ("- ", "* ", "1. "), one per line, nested ones indented two spaces
    a level. Dropped: "#" and setext heading marks, "*" and "_" emphasis
    marks, images (alt text included), horizontal rules, block quote ">"
    marks, inline HTML tags, backslash escapes (the escaped character stays).
    Lines of one paragraph join with a space, as when rendered; a hard break
    (two trailing spaces or "\\") stays a newline. Blocks are separated by
    "\\n\\n". title: the text of the first heading, or None. A YAML front
    matter block ("---" lines around it, at the very start), as CMS exports
    write, is metadata and is dropped.
    """
    from markdown_it import MarkdownIt
    source = _FRONT_MATTER.sub("", source, count=1)
    blocks, title = [], None
    lists = []  # per open list: the width of its current item's marker
    marker = None  # the marker of a list item whose first line is still to come
    in_heading = False
    for token in MarkdownIt("commonmark").parse(source):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            if not lists:
                blocks.append([])
            lists.append(0)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            marker = f"{token.info}{token.markup} "
        elif kind in ("heading_open", "heading_close"):
            in_heading = kind == "heading_open"
        elif kind in ("inline", "code_block", "fence", "html_block"):
            if kind == "inline":
                text = _inline_text(token.children or [])
            elif kind == "html_block":
                text = _html_block_text(token.content)
            else:
                text = token.content.rstrip("\n")
            if in_heading and title is None:
                title = text or None
            if not text:
                continue
            if not lists:
                blocks.append([text])
                continue
            indent = "  " * (len(lists) - 1)
            if marker is not None:
                lists[-1] = len(marker)
                first, rest = indent + marker, indent + " " * len(marker)
                marker = None
            else:
                first = rest = indent + " " * lists[-1]
            lines = text.split("\n")
            blocks[-1].append("\n".join([first + lines[0]] + [rest + line for line in lines[1:]]))
    return "\n\n".join("\n".join(lines) for lines in blocks if lines), title


def _html_block_text(content):
    from lxml import etree
    from lxml import html as lxml_html
    try:
        return lxml_html.fragment_fromstring(content, create_parent="div").text_content().strip()
    except (ValueError, etree.ParserError):  # nothing lxml can parse: a comment, a bare <?php ?>
        return ""


def _inline_text(children):
    """The words of a paragraph or heading; images (and their alt text) and HTML tags left out."""
    out = []
    for child in children:
        if child.type in ("text", "code_inline"):
            text = child.content
            if out and out[-1].endswith(" ") and text.startswith(" "):
                text = text[1:]  # the spaces around a dropped image
            out.append(text)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
    return "".join(out).strip()


# Fetching


def _fetch(url, timeout, max_bytes, max_redirects, allow_private):
    """GET ``url`` following up to ``max_redirects`` http(s) redirects by hand.

    Returns (body bytes, final URL, media type, declared charset or None).
    """
    import requests
    deadline = time.monotonic() + timeout
    seen = {url}
    with requests.Session() as session:
        session.max_redirects = max_redirects
        session.headers.update({"User-Agent": _USER_AGENT, "Accept": _ACCEPT})
        for _ in range(max_redirects + 1):
            if not allow_private:
                _refuse_internal(url)
            response = _get(session, url, deadline, timeout)
            with response:
                if not response.is_redirect:
                    return _read(response, url, deadline, timeout, max_bytes)
                target = requests.utils.requote_uri(urljoin(url, session.get_redirect_target(response)))
            if not is_http_url(target):
                raise ImportFailed(
                    f"{_host(url)} sent us on to “{target[:200]}”, which is not a web (http or https) address, "
                    "so it was not followed. Open the page in your browser, save it and upload the file instead."
                )
            if target in seen:
                raise ImportFailed(
                    f"{_host(url)} redirects in a loop, so the page cannot be fetched. Check the address in your browser."
                )
            seen.add(target)
            url = target
    raise ImportFailed(
        f"The address redirects more than {max_redirects} times, so the page was not fetched. "
        "Open it in your browser and import the address it ends up at."
    )


def _refuse_internal(url):
    """ImportFailed if ``url``'s host resolves to an address that is not public.

    Checked before every hop. (A host that changes its DNS answer between this
    check and the request could still slip through; a proxy that enforces the
    rule is the complete fix.)"""
    import urllib3
    if "\\" in url:
        # Parsers disagree on "http://10.0.0.1\\@example.com/": ours would check
        # example.com while the request goes to 10.0.0.1.
        raise ImportFailed("A web address with a backslash in it cannot be imported; give a plain http(s) address.")
    # Check the host we parse and the one the request library will connect to.
    for host in {urlsplit(url).hostname, (urllib3.util.parse_url(url).host or "").strip("[]")}:
        _refuse_private_host(host)


def _refuse_private_host(host):
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError):
        return  # the request itself reports the failure in words
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise ImportFailed(
                f"{host} is an address inside a private network ({ip}); only public web pages can be imported. "
                "Save the page and upload the file instead."
            )


def _get(session, url, deadline, timeout):
    import requests
    import urllib3
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _timed_out(url, timeout)
    try:
        return session.get(url, stream=True, allow_redirects=False, timeout=(remaining, remaining))
    except requests.Timeout:
        raise _timed_out(url, timeout)
    except requests.exceptions.SSLError:
        raise ImportFailed(
            f"The secure connection to {_host(url)} failed (its certificate is not valid). "
            "Check the address, or save the page from your browser and upload the file."
        )
    except requests.ConnectionError as e:
        reason = getattr(e.args[0], "reason", None) if e.args else None
        if isinstance(reason, urllib3.exceptions.NameResolutionError):
            raise ImportFailed(f"The site {_host(url)} could not be found. Check the address for typos.")
        raise ImportFailed(
            f"Could not connect to {_host(url)}: the site is down or the address is wrong. "
            "Check the address, or try again later."
        )
    except requests.RequestException as e:
        raise ImportFailed(f"Could not fetch {url[:200]}: {e.__class__.__name__}. Check the address.")


def _read(response, url, deadline, timeout, max_bytes):
    import urllib3
    status = response.status_code
    if not 200 <= status < 300:
        raise ImportFailed(_status_message(status, response.reason, url))
    header = response.headers.get("Content-Type")
    if header:
        message = Message()
        message["Content-Type"] = header
        content_type, charset = message.get_content_type(), message.get_param("charset")
        media_type = _CONTENT_TYPES.get(content_type)
        if media_type is None:
            raise ImportFailed(_content_type_message(content_type))
        if media_type == "text/plain" and urlsplit(url).path.lower().endswith((".md", ".markdown")):
            media_type = "text/markdown"
    else:
        media_type, charset = None, None
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise _too_large(max_bytes)

    chunks, size = [], 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise _timed_out(url, timeout)
            chunk = response.raw.read1(_CHUNK, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            chunks.append(chunk)
    except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
        raise _timed_out(url, timeout)
    except (urllib3.exceptions.HTTPError, OSError):
        raise ImportFailed(f"The connection to {_host(url)} broke off while the page was downloading. Try again.")
    data = b"".join(chunks)
    if not data.strip():
        raise ImportFailed(f"The page at {url[:200]} is empty.")
    if media_type is None:
        start = data[:1024].lstrip().lower()
        media_type = "text/html" if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) else "text/plain"
    if isinstance(charset, tuple):  # RFC 2231 form
        charset = charset[2]
    return data, url, media_type, charset


def _host(url):
    return urlsplit(url).hostname or url[:200]


def _timed_out(url, timeout):
    return ImportFailed(
        f"{_host(url)} did not send the page within {timeout:g} seconds. Try again later, "
        "or open the page in your browser, save it and upload the file."
    )


def _too_large(max_bytes):
    return ImportFailed(
        f"The page is larger than {max_bytes / 1_000_000:g} MB, too large to import. "
        "Copy the article text into a .txt file and upload that."
    )


def _status_message(status, reason, url):
    said = f"HTTP {status}{' ' + reason if reason else ''}"
    if status in (401, 403):
        return (f"{_host(url)} refused to give us the page ({said}): it may need a login or block automatic downloads. "
                "Open it in your browser, save it (File › Save Page As) and upload the file instead.")
    if status in (404, 410):
        return f"There is no page at {url[:200]} ({said}). Check the address."
    if status == 429:
        return (f"{_host(url)} is limiting downloads ({said}). "
                "Try again in a few minutes, or save the page from your browser and upload the file.")
    if status >= 500:
        return (f"{_host(url)} had an error ({said}). "
                "Try again later, or save the page from your browser and upload the file.")
    if status >= 400:
        return f"{_host(url)} refused the request ({said}). Check the address."
    return f"{_host(url)} answered {said} instead of the page. Check the address in your browser."


def _content_type_message(content_type):
    if content_type == "application/pdf":
        kind = "a PDF document"
    elif content_type.startswith("image/"):
        kind = f"an image ({content_type})"
    else:
        kind = f"a file of type {content_type}"
    return (f"The address gives {kind}, not a web page or text. "
            "Import the address of the article's web page, or copy the text into a .txt file and upload that.")
