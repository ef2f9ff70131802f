"""The one place that uses bleach (no longer maintained; nh3 is its successor).

We store and show plain text, escaped by Jinja under a strict CSP, so our
safety does not rest on this module: it only turns the bits of HTML that
imported pages put into metadata (a title, an author) into the text a reader
would see. Swap bleach for nh3 here and nowhere else.
"""

import html
import re

import bleach

# bleach keeps the text inside stripped tags; for these that text is code, not words.
_CODE_ELEMENTS = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)


def plain_text(value):
    """``value`` (str or None) with every HTML tag and comment removed and
    entities decoded: ``"<b>Hi</b> &amp; bye"`` -> ``"Hi & bye"``. None stays None.

    The result is text to escape when shown, never markup to trust."""
    if value is None:
        return None
    cleaned = bleach.clean(_CODE_ELEMENTS.sub("", value), tags=[], strip=True, strip_comments=True)
    return html.unescape(cleaned)
