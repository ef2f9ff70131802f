"""Tricky article texts, shared by tests/test_tricky_texts.py (the server side)
and tests/browser/test_tricky_texts.py (a real mouse in Chromium).

Each case is a raw input as it would arrive (a str as pasted, or bytes as an
uploaded .txt file: decoded as UTF-8 with the BOM dropped, like
``annotator.importing.import_bytes``), the words a user selects in the
canonical text (``annotator.text.canonicalize``) and, written out by hand, the
Unicode CODE POINT offsets [start, end) of those words in the canonical text.
The browser counts UTF-16 units instead; it differs by one per astral character
(emoji, flags' halves, 𝔘, 𠮷) before the offset.

Plain data and tiny helpers only; no tests here.
"""

from dataclasses import dataclass

from annotator.importing import import_bytes
from annotator.text import canonicalize


@dataclass(frozen=True)
class Case:
    name: str
    raw: "str | bytes"
    #: The words selected: a substring of the canonical text.
    selected: str
    #: Expected code point offsets of `selected` in the canonical text.
    start: int
    end: int
    #: Which occurrence of `selected` (0 = the first).
    occurrence: int = 0
    #: (selected, start, end) the mouse selects instead, when `selected` itself
    #: cannot be selected by a drag; `why` says why.
    mouse: "tuple[str, int, int] | None" = None
    why: str = ""


def _long_paragraph():
    """One paragraph of 20,584 code points (20,652 UTF-16 units): "Start. ", the
    3,400 words w0000..w3399 with a 🙂 after every 50th (68 of them), then the
    words to select: "Start. " 7 + 17,000 + 68 + 3,467 spaces = 20,542, then
    " and here is the " (17) puts "final claim" at 20,559."""
    words = []
    for i in range(3400):
        words.append(f"w{i:04d}")
        if i % 50 == 49:
            words.append("🙂")
    return "Start. " + " ".join(words) + " and here is the final claim near the end."


ZWSP, ZWJ, LRM = "\u200b", "\u200d", "\u200e"
NBSP, NNBSP = "\u00a0", "\u202f"
FAMILY = "👩\u200d👩\u200d👧"  # 5 code points, 8 UTF-16 units, one grapheme

CASES = [
    # 👍 (U+1F44D) is 1 code point; 👍🏽 is 2 (thumbs + skin tone U+1F3FD).
    Case("emoji-and-skin-tone-before", "Readers 👍 liked it; readers 👍🏽 liked it more.",
         "liked it", 31, 39, occurrence=1),
    # 🇻🇪 is two regional indicators: 2 code points, 4 UTF-16 units.
    Case("flag-inside", "Officials 👍 in Caracas 🇻🇪 reported growth.",
         "Caracas 🇻🇪 reported", 15, 34),
    Case("zwj-family-before-and-inside", f"Family {FAMILY} first, then the {FAMILY} family again.",
         f"the {FAMILY} family", 25, 41),
    # 𝔄 U+1D504 and 𝔘 U+1D518, MATHEMATICAL FRAKTUR CAPITAL A and U.
    Case("math-fraktur-inside", "Fraktur 𝔄 and the letter 𝔘 is astral.",
         "letter 𝔘 is", 18, 29),
    # NFD input (e + U+0301 COMBINING ACUTE ACCENT): canonical text is NFC, so
    # each é counts 1.
    Case("nfd-combining-marks", "Cafe\u0301 owners re\u0301sume\u0301 the de\u0301bat.",
         "r\u00e9sum\u00e9 the d\u00e9bat", 12, 28),
    # 𠮷 U+20BB7 is an astral (CJK Extension B) ideograph.
    Case("cjk", "𠮷野家报道：中文新闻很多。English after.",
         "中文新闻", 6, 10),
    Case("arabic-rtl", "قال الوزير إن الاقتصاد ينمو بسرعة",
         "الاقتصاد ينمو", 14, 27),
    Case("hebrew-rtl", "הממשלה הודיעה היום על תקציב חדש",
         "הודיעה היום", 7, 18),
    Case("mixed-ltr-rtl-inside", "The sign 👍 read שלום עולם in Hebrew and said مرحبا بكم to all.",
         "read שלום עולם in Hebrew", 11, 35),
    Case("mixed-ltr-into-rtl", "The sign 👍 read שלום עולם in Hebrew and said مرحبا بكم to all.",
         "said مرحبا بكم", 40, 54),
    # Zero-width space before, zero-width joiner and left-to-right mark inside.
    Case("zero-width-inside", f"Zero{ZWSP}width join{ZWJ}er and le{LRM}ft mark.",
         f"width join{ZWJ}er and le{LRM}ft", 5, 28),
    Case("zero-width-at-edge", f"Zero{ZWSP}width join{ZWJ}er and le{LRM}ft mark.",
         f"{ZWSP}width", 4, 10,
         mouse=(f"Zero{ZWSP}width", 0, 10),
         why="U+200B has no width on screen: a drag cannot start on it, and a press at the "
             "boundary of 'o' and 'w' may land on either side of it, so the mouse selects "
             "it together with its visible neighbours."),
    # The tab after "Editor" ends a line, so it is trimmed.
    Case("tabs", "Name:\tAlice\tRole:\tEditor\t\nNext", "Alice\tRole:", 6, 17),
    Case("nbsp-and-narrow-nbsp", f"Price:{NBSP}100{NNBSP}€ per{NBSP}unit, 👍 per{NBSP}unit.",
         f"100{NNBSP}€ per{NBSP}unit", 7, 21),
    # From HTML "Tom&nbsp;&amp;&nbsp;Jerry wrote &lt;b&gt;…": already decoded.
    Case("html-entities-decoded", f'Tom{NBSP}&{NBSP}Jerry wrote <b>not bold</b>: "R&D" costs <5% & rising.',
         'Jerry wrote <b>not bold</b>: "R&D"', 6, 40),
    Case("crlf-bytes", b"First line\r\nSecond line\r\n\r\nThird \xf0\x9f\x91\x8d paragraph\r\nends here.\r\n",
         "paragraph\nends", 32, 46),
    Case("utf8-bom-bytes", b"\xef\xbb\xbfBOM at the start, caf\xc3\xa9 after.",
         "caf\u00e9 after", 18, 28),
    # Five newlines, then lines holding only a space or a tab: one paragraph break each.
    Case("blank-line-runs", "One.\n\n\n\n\nTwo 👍.\n \n\t\n\n\nThree here.",
         "Three here", 14, 24),
    Case("long-paragraph", _long_paragraph(), "final claim", 20559, 20570),
    Case("across-paragraph-break", "End of the first 👍 paragraph.\n\nStart of the second one.",
         "paragraph.\n\nStart", 19, 36),
]

IDS = [case.name for case in CASES]


def decoded(raw):
    """The text as the app receives it: bytes read like an uploaded file."""
    return import_bytes(raw, "case.txt").text if isinstance(raw, bytes) else raw


def canonical(case):
    """The case's canonical article text."""
    return canonicalize(decoded(case.raw))


def find(text, needle, occurrence=0):
    """Code point [start, end) of the `occurrence`-th `needle` in `text`."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def astral_count(s):
    """Characters outside the Basic Multilingual Plane (two UTF-16 units each)."""
    return sum(ord(c) > 0xFFFF for c in s)
