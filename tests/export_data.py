"""A rich set of annotations for the export tests: claims of every kind of
verdict (one without a rating), corrections (a deletion among them), emoji
and right-to-left text, sources, reviews of all three decisions, an editor's
acceptance with a final verdict, an orphan and a deleted annotation."""

from annotator.annotations import create_annotation, delete_annotation, get_annotation
from annotator.articles import create_article, edit_text, get_article
from annotator.auth import create_user
from annotator.review import add_review, set_status
from tests.conftest import PASSWORD

BYLINE_TEXT = "The mayor said 80% of roads were repaved.\n\nCritics said the figure was 40%."
BYLINE_URL = "https://example.org/café/roads?q=ü"
#: Stored with a line separator (U+2028) and Hebrew; JSON Lines must keep it whole.
ODD_RATIONALE = "Two lines\u2028joined by U+2028 — שלום 👍"


def span(text, quote, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return {"start": start, "end": start + len(quote), "exact": quote}


def seed(db):
    """Fill the conftest database; returns {name: annotation or article id}.

    Article 1 (demo, with a URL), 2 (emoji, no URL) and a new one with a
    byline and a non-ASCII URL. Users alice, bob (reviewers), erin (editor).
    """
    users = {row["username"]: row for row in db["users"].rows}
    users["erin"] = db["users"].get(create_user(db, "erin", PASSWORD, role="editor"))
    alice, bob, erin = users["alice"], users["bob"], users["erin"]
    byline = create_article(db, "Roads", BYLINE_TEXT, BYLINE_URL, author="Lee Chan", published="2026-11-02")
    demo, emoji, roads = (get_article(db, i) for i in (1, 2, byline))

    def add(article, author, quote, **fields):
        return create_annotation(db, article, author, {**span(article["text"], quote), **fields})["id"]

    ids = {"roads_article": byline}
    ids["claim"] = add(demo, alice, "Maduro", kind="claim", verdict="false",
                       rationale="He said so on TV.", sources=["https://example.com/a", "https://example.com/b?x=1&y=2"])
    ids["misleading"] = add(demo, bob, "Venezuela", kind="claim", verdict="misleading")
    ids["typo"] = add(demo, bob, "the", kind="correction", correction_type="typo", correction="The")
    ids["emoji_claim"] = add(emoji, alice, "café", kind="claim", verdict="mostly-true", rationale=ODD_RATIONALE)
    ids["deletion"] = add(emoji, bob, "👍 ", kind="correction", correction_type="style", correction="",
                          sources=["https://example.org/style-guide"])
    ids["orphan"] = add(roads, alice, "80%", kind="claim", verdict="mixed")
    ids["kept"] = add(roads, bob, "40%", kind="claim", verdict="true")
    ids["deleted"] = add(demo, alice, "Venezuela", kind="claim", verdict="true")
    delete_annotation(db, get_annotation(db, ids["deleted"]), alice["id"])

    claim = get_annotation(db, ids["claim"])
    ids["agree"] = add_review(db, claim, bob, {"decision": "agree"})["id"]
    ids["disagree"] = add_review(db, claim, bob, {"decision": "disagree", "verdict": "mostly-false",
                                                  "comment": "Only partly: see the transcript."})["id"]
    typo = get_annotation(db, ids["typo"])
    ids["comment"] = add_review(db, typo, alice, {"decision": "comment", "comment": "Style guide? 👍"})["id"]
    ids["counter"] = add_review(db, typo, alice, {"decision": "disagree", "correction": "THE",
                                                  "comment": "Headline case."})["id"]
    set_status(db, claim, erin, {"status": "accepted", "note": "Checked.", "final_verdict": "mostly-false"})
    # The mayor's sentence goes: its claim is orphaned, the other one moves.
    edit_text(db, roads, "Critics said the figure was 40%.", erin)
    return ids
