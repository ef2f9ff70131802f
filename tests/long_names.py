"""Long and right-to-left names and texts, shared by
tests/browser/test_long_names.py and the layout screenshots: the people, the
verdict label, the annotations, reviews and deletes a page must show without
running off the screen or reordering the text around them.

Plain data and one seeding helper; no tests here.
"""

from werkzeug.security import generate_password_hash

from annotator import annotations, review, scale
from annotator.articles import get_article
from annotator.auth import create_user
from annotator.db import get_db, now, transaction
from tests.conftest import PASSWORD

#: An admin with the longest name allowed (80 characters, no spaces).
LONG_ADMIN = "Maximiliana-Wolfeschlegelsteinhausenbergerdorff-von-Hohenzollern-Sigmaringen-III"
#: A reviewer whose 80-character name has no break opportunity at all.
LONG_REVIEWER = "R" * 40 + "x" * 40
#: Hebrew and Arabic names; the Arabic one ends in digits.
HEBREW = "דוד_כהן"
ARABIC = "سلمى_2024"
#: An old username with a right-to-left override (U+202E) and no closing pop:
#: unless its element is isolated, it flips the rest of the line after it.
#: New ones are refused, so it is stored directly, as an old row would be.
OVERRIDE = "mallory\u202eevil"

#: A 43-character verdict label: (name, label).
LONG_VERDICT = ("partly-misleading", "Partly true, but missing the vital context!")

#: Right-to-left texts with numbers and quotes, each ending in a full stop,
#: which a right-to-left paragraph puts at its left end.
HEBREW_RATIONALE = "לפי הדו\"ח של 2019, השגרירות נסגרה תוך 72 שעות ולא 48."
ARABIC_COMMENT = "المصدر يقول 72 ساعة، وليس \"48 ساعة\" كما كتب."

assert len(LONG_ADMIN) == len(LONG_REVIEWER) == 80
assert len(LONG_VERDICT[1]) == 43


def seed(app, article_id):
    """Add the people above (password PASSWORD; LONG_ADMIN is an admin, ARABIC
    an editor), the long verdict, and on article ``article_id``: overlapping
    claims with different verdicts (one conflict), right-to-left rationales,
    reviews with right-to-left comments, the Arabic correction accepted, and
    two annotations deleted by LONG_ADMIN. Returns the annotation ids by name: "long" (LONG_REVIEWER's
    claim), "hebrew", "arabic" (a correction), "override", "deleted-long",
    "deleted-hebrew"."""
    with app.app_context():
        db = get_db()
        users = {}
        for name, role in ((LONG_ADMIN, "admin"), (LONG_REVIEWER, "reviewer"), (HEBREW, "reviewer"),
                           (ARABIC, "editor")):
            users[name] = db["users"].get(create_user(db, name, PASSWORD, role))
        with transaction(db):
            users[OVERRIDE] = db["users"].get(db["users"].insert({
                "username": OVERRIDE, "password_hash": generate_password_hash(PASSWORD), "role": "reviewer",
                "created_at": now()}).last_pk)
        scale.add_verdict(db, *LONG_VERDICT, "#8e44ad")
        article = get_article(db, article_id)

        def annotate(who, quote, **fields):
            start = article["text"].index(quote)
            data = {"kind": "claim", "verdict": LONG_VERDICT[0], "start": start, "end": start + len(quote),
                    "exact": quote, **fields}
            if data["kind"] == "correction":
                del data["verdict"]
            return annotations.create_annotation(db, article, users[who], data)

        made = {
            "long": annotate(LONG_REVIEWER, "gave 72 hours for diplomats to leave the country", rationale="x" * 200),
            "hebrew": annotate(HEBREW, "72 hours for diplomats", verdict="true", rationale=HEBREW_RATIONALE),
            "arabic": annotate(ARABIC, "said Mauricio Macri, said", kind="correction", correction_type="duplication",
                               correction="قال", rationale=ARABIC_COMMENT),
            "override": annotate(OVERRIDE, "diplomats to leave", verdict="false", rationale="1 2 3 4"),
        }
        for who, on, decision, extra in (
            (HEBREW, "long", "disagree", {"verdict": "false", "comment": ARABIC_COMMENT}),
            (ARABIC, "long", "comment", {"comment": HEBREW_RATIONALE}),
            (LONG_ADMIN, "hebrew", "agree", {}),
            (OVERRIDE, "hebrew", "disagree", {"verdict": LONG_VERDICT[0], "comment": "no, 48 (not 72)"}),
            (LONG_REVIEWER, "hebrew", "comment", {"comment": "y" * 150}),
        ):
            review.add_review(db, made[on], users[who], {"decision": decision, **extra})
        review.set_status(db, made["arabic"], users[LONG_ADMIN], {"status": "accepted"})  # into the corrected text
        for key, who, quote in (("deleted-long", LONG_REVIEWER, "Venezuela"), ("deleted-hebrew", HEBREW, "Guaido")):
            made[key] = annotate(who, quote, rationale=HEBREW_RATIONALE)
            annotations.delete_annotation(db, made[key], users[LONG_ADMIN]["id"])
        return {key: row["id"] for key, row in made.items()}
