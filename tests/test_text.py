import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.text import AnchorError, canonicalize, check_span, quote_selector


@pytest.mark.parametrize("raw, canonical", [
    ("a\r\nb\rc", "a\nb\nc"),
    ("\ufeffHello", "Hello"),
    ("cafe\u0301", "caf\u00e9"),  # NFD -> NFC
    ("one  \t\ntwo", "one\ntwo"),
    ("one\n\n\n\n\ntwo", "one\n\ntwo"),
    ("\n\nbody\n\n", "body"),
    ("non\u00a0breaking\u2009thin", "non\u00a0breaking\u2009thin"),
])
def test_canonicalize(raw, canonical):
    assert canonicalize(raw) == canonical


def test_canonicalize_is_idempotent():
    once = canonicalize("x \r\n\r\n\r\n y\u0301")
    assert canonicalize(once) == once


def test_check_span_counts_code_points_past_astral_characters():
    text = "Fact 👍 check it"
    start = text.index("check")
    assert start == 7  # 👍 is one code point (two UTF-16 units)
    check_span(text, start, start + 5, "check")
    with pytest.raises(AnchorError, match="does not match"):
        check_span(text, 8, 13, "check")  # a UTF-16 offset is off by one here


@pytest.mark.parametrize("start, end", [(3, 3), (-1, 2), (5, 2), (0, 99)])
def test_check_span_rejects_empty_or_out_of_range(start, end):
    with pytest.raises(AnchorError, match="empty or outside"):
        check_span("short text", start, end, "")


def test_quote_selector_has_32_code_points_of_context():
    text = "a" * 40 + "QUOTE" + "b" * 40
    selector = quote_selector(text, 40, 45)
    assert selector == {"type": "TextQuoteSelector", "exact": "QUOTE", "prefix": "a" * 32, "suffix": "b" * 32}
    assert quote_selector("QUOTE", 0, 5)["prefix"] == ""


def test_find_control():
    from annotator.text import find_control

    assert find_control("tab\tand\nnewline and café 👍") is None
    assert find_control("bell\x07") == (4, "\x07")
    assert find_control("c1 \x9b csi") == (3, "\x9b")
    assert find_control("del\x7f") == (3, "\x7f")


@given(st.one_of(
    st.lists(st.sampled_from(["\n", "\r", "\r\n", " ", "\t", "\ufeff", "\u00a0", "e\u0301", "a", "👍"])),
    st.lists(st.characters(codec="utf-8", exclude_categories=["Cs"])),
).map("".join))
@settings(max_examples=500)
def test_canonical_form_is_stable(text):
    """Regression: a BOM after a leading blank line survived one pass and fell in the next."""
    once = canonicalize(text)
    assert canonicalize(once) == once
