"""The article text and spans in it: canonical form and W3C selectors.

Pure functions, no Flask. Every offset here is a Unicode code point offset
into the canonical text (Python ``str`` indexing), end exclusive, as the W3C
TextPositionSelector counts them (Web Annotation Data Model, section 4.2.5).
"""

import re
import unicodedata

#: Characters of context kept on each side of a quote (TextQuoteSelector).
CONTEXT_CHARS = 32

_BLANK_LINES = re.compile(r"\n{3,}")
# C0 controls but tab and newline, DEL, and the C1 controls: never text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)


class AnchorError(ValueError):
    """A span that does not fit the text it claims to point into."""


def canonicalize(text):
    """Return ``text`` in the canonical form every offset counts in.

    text: str. Result: Unicode NFC; ``\\r\\n`` and ``\\r`` become ``\\n``;
    spaces and tabs at line ends trimmed; three or more newlines (a run of
    blank lines) become one paragraph break ``\\n\\n``; blank lines and byte
    order marks before the first text, and blank lines after the last, are
    removed. Non-breaking and other Unicode spaces are text and are kept.
    Idempotent: canonicalize(canonicalize(x)) == canonicalize(x).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_SPACE.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text)
    # Byte order marks go wherever they stand among the leading blank lines
    # (a second one, or one after a blank line), else a second pass would
    # find one at the start and drop it: the form would not be stable.
    return text.lstrip("\ufeff\n").rstrip("\n")


def find_control(text):
    """(offset, character) of the first control character in ``text`` that is
    not tab or newline, or None. Offsets are code points."""
    found = _CONTROL.search(text)
    return (found.start(), found.group()) if found else None


def check_span(text, start, end, exact):
    """Raise AnchorError unless ``text[start:end] == exact`` is a non-empty span.

    text: the canonical article text. start, end: code point offsets, end
    exclusive, 0 <= start < end <= len(text). exact: the quoted text the client
    saw between them.
    """
    if not 0 <= start < end <= len(text):
        raise AnchorError(
            f"The span [{start}, {end}) is empty or outside the article, "
            f"whose text is {len(text)} characters long."
        )
    found = text[start:end]
    if found != exact:
        raise AnchorError(
            f"The quote does not match the article text at [{start}, {end}): "
            f"expected {_short(exact)!r}, the article has {_short(found)!r} there. "
            "Offsets count Unicode code points; reload the article and select again."
        )


def quote_selector(text, start, end, context=CONTEXT_CHARS):
    """Return the W3C TextQuoteSelector for ``text[start:end]``.

    Result: ``{"type": "TextQuoteSelector", "exact", "prefix", "suffix"}`` with
    up to ``context`` code points of prefix and suffix (fewer at the ends of
    the text). See Web Annotation Data Model, section 4.2.4.
    """
    return {
        "type": "TextQuoteSelector",
        "exact": text[start:end],
        "prefix": text[max(0, start - context):start],
        "suffix": text[end:end + context],
    }


def position_selector(start, end):
    """Return the W3C TextPositionSelector (section 4.2.5) for [start, end)."""
    return {"type": "TextPositionSelector", "start": start, "end": end}


def _short(s, limit=60):
    return s if len(s) <= limit else s[:limit] + "…"
