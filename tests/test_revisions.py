"""Editing an article's text: revisions, re-anchoring, orphans, permissions."""

import pytest

from annotator.articles import create_article, get_article
from annotator.db import connect, migrations
from tests.conftest import Session, claim


def put_text(session, text, article_id=1):
    return session.api("PUT", f"/api/articles/{article_id}/text", json={"text": text})


def test_migration_moves_existing_texts_into_revision_1(tmp_path):
    db = connect(tmp_path / "old.sqlite3")
    migrations.apply(db, stop_before="m002_revisions")
    db["users"].insert({"username": "u", "password_hash": "x", "created_at": "t"})
    db["articles"].insert({"title": "T", "text": "Old text.", "created_at": "t"})
    db["annotations"].insert({"article_id": 1, "author_id": 1, "kind": "claim", "start": 0, "end": 3,
                              "exact": "Old", "prefix": "", "suffix": " text.", "verdict": "true",
                              "created_at": "t", "updated_at": "t"})
    migrations.apply(db)
    article = get_article(db, 1)
    assert (article["text"], article["revision"]) == ("Old text.", 1)
    assert db["annotations"].get(1)["revision"] == 1 and db["annotations"].get(1)["orphaned"] == 0


def test_new_revision_reanchors_every_annotation(alice, editor, db):
    text = get_article(db, 1)["text"]
    ids = {}
    for quote, verdict in (("gave 72 hours", "true"), ("no fiends", "false"),
                           ("Bolivia and Mexico continue", "true"), ("Presidential Palace", "mixed")):
        ids[quote] = alice.api("POST", "/api/articles/1/annotations", json=claim(text, quote, verdict)).get_json()["id"]
    new = ("UPDATED: " + text.replace("no fiends", "no friends")
           .replace("Bolivia and Mexico continue", "Bolivia continues")
           .replace("in the Presidential Palace in the capital of Caracas", "in Caracas"))
    # move a whole paragraph holding "gave 72 hours" to the end
    paragraphs = new.split("\n\n")
    moved = next(p for p in paragraphs if "gave 72 hours" in p)
    paragraphs.remove(moved)
    new = "\n\n".join(paragraphs + [moved])

    response = put_text(editor, new)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["revision"] == 2
    outcomes = {r["annotation_id"]: r for r in body["reanchored"]}
    assert outcomes[ids["gave 72 hours"]]["outcome"] == "moved"
    assert outcomes[ids["no fiends"]]["outcome"] == "fuzzy" and 0.8 <= outcomes[ids["no fiends"]]["score"] < 1
    assert outcomes[ids["Presidential Palace"]]["outcome"] == "orphaned"
    assert outcomes[ids["Bolivia and Mexico continue"]]["outcome"] in ("fuzzy", "orphaned")

    article = alice.api("GET", "/api/articles/1").get_json()
    assert (article["revision"], article["text"]) == (2, new)
    for annotation in alice.api("GET", "/api/articles/1/annotations").get_json():
        if annotation["orphaned"]:
            assert annotation["revision"] == 1 and text[annotation["start"]:annotation["end"]] == annotation["exact"]
        else:
            assert annotation["revision"] == 2 and new[annotation["start"]:annotation["end"]] == annotation["exact"]
            assert annotation["prefix"] == new[max(0, annotation["start"] - 32):annotation["start"]]
    fixed = next(a for a in alice.api("GET", "/api/articles/1/annotations").get_json() if a["id"] == ids["no fiends"])
    assert fixed["exact"] == "no friends"
    # the old text is kept
    assert db.execute("SELECT text FROM revisions WHERE article_id = 1 AND number = 1").fetchone()[0] == text
    assert db["reanchorings"].count == 4


def test_edit_before_a_span_keeps_it_exact(alice, editor, db):
    text = get_article(db, 2)["text"]
    saved = alice.api("POST", "/api/articles/2/annotations", json=claim(text, "café")).get_json()
    added = "👍 New first line.\n\n"  # 19 code points (20 UTF-16 units)
    report = put_text(editor, added + text, article_id=2).get_json()["reanchored"]
    assert report == [{"annotation_id": saved["id"], "outcome": "exact", "start": saved["start"] + len(added),
                       "end": saved["end"] + len(added), "score": 1.0, "was_orphaned": False}]


def test_orphans_stay_listed_editable_exported_and_can_be_reattached(alice, editor, db):
    text = get_article(db, 2)["text"]
    saved = alice.api("POST", "/api/articles/2/annotations", json=claim(text, 'said "hi"')).get_json()
    put_text(editor, "A wholly different story about rain.", article_id=2)
    [orphan] = alice.api("GET", "/api/articles/2/annotations").get_json()
    assert orphan["orphaned"] and orphan["exact"] == 'said "hi"' and orphan["revision"] == 1
    # the body can still be edited
    edited = alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"verdict": "mixed", "version": orphan["version"]})
    assert edited.status_code == 200 and edited.get_json()["orphaned"]
    assert 'said ""hi""' in alice.client.get("/articles/2/export.csv").get_data(as_text=True)
    # re-attach by giving a span in the current text
    new = get_article(db, 2)["text"]
    span = {"start": new.index("rain"), "end": new.index("rain") + 4, "exact": "rain"}
    attached = alice.api("PATCH", f"/api/annotations/{saved['id']}", json={**span, "version": edited.get_json()["version"]}).get_json()
    assert (attached["orphaned"], attached["revision"], attached["exact"]) == (False, 2, "rain")


def test_an_orphan_comes_back_when_its_words_return(alice, editor, db):
    text = get_article(db, 2)["text"]
    saved = alice.api("POST", "/api/articles/2/annotations", json=claim(text, "café")).get_json()
    put_text(editor, "Nothing of the sort.", article_id=2)
    report = put_text(editor, text, article_id=2).get_json()["reanchored"]
    assert report[0]["outcome"] in ("exact", "moved")
    back = alice.api("GET", f"/api/annotations/{saved['id']}").get_json()
    assert (back["orphaned"], back["revision"], back["start"]) == (False, 3, saved["start"])


def test_old_orphans_are_not_counted_as_newly_lost(alice, editor, db):
    """Regression: an edit away from every annotation said "1 lost their
    words" of an annotation orphaned by the revision before."""
    text = get_article(db, 2)["text"]
    alice.api("POST", "/api/articles/2/annotations", json=claim(text, "café"))
    first = put_text(editor, "A wholly different story about rain.", article_id=2).get_json()
    assert first["summary"] == "Annotations: 1 lost their words (orphaned; re-attach them by hand)."
    second = put_text(editor, "A wholly different story about snow.", article_id=2).get_json()
    assert [e["was_orphaned"] for e in second["reanchored"]] == [True]
    assert "lost" not in second["summary"] and "1 still without their words" in second["summary"]


def test_only_editors_and_admins_edit_text(alice, bob, editor, db):
    response = put_text(bob, "Bob's version.")
    assert response.status_code == 403 and "Only editors" in response.get_json()["error"]
    assert get_article(db, 1)["revision"] == 1
    # Even whoever added an article (alice here) is no editor of its text.
    alice_id = next(db["users"].rows_where("username = 'alice'"))["id"]
    article_id = create_article(db, "Mine", "First.", created_by=alice_id)
    assert put_text(alice, "Second.", article_id).status_code == 403
    assert put_text(editor, "Second.", article_id).status_code == 200
    assert get_article(db, article_id)["revision"] == 2


@pytest.mark.parametrize("body, message", [
    ({"text": "   "}, "no text"),
    ({"text": 5}, 'Send {"text"'),
    ({}, 'Send {"text"'),
    ({"text": "Bell \x07"}, "control character"),
])
def test_bad_new_text_is_400_and_stores_nothing(editor, db, body, message):
    response = editor.api("PUT", "/api/articles/1/text", json=body)
    assert response.status_code == 400 and message in response.get_json()["error"]
    assert db["revisions"].count == 2 and get_article(db, 1)["revision"] == 1


def test_unchanged_text_is_refused(editor, db):
    response = put_text(editor, get_article(db, 1)["text"] + "\n\n\n")
    assert response.status_code == 400 and "same as revision 1" in response.get_json()["error"]


def test_edit_article_command(runner, alice, db, tmp_path):
    text = get_article(db, 2)["text"]
    alice.api("POST", "/api/articles/2/annotations", json=claim(text, "café"))
    path = tmp_path / "new.txt"
    path.write_text("Intro.\n\n" + text, encoding="utf-8")
    result = runner.invoke(args=["edit-article", "2", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == "2" and "exact at [26, 30)" in lines[0]
    assert lines[-2] == "Annotations: 1 stayed on their words."
    assert runner.invoke(args=["edit-article", "2", str(path)]).exit_code == 1


def test_annotating_an_old_revision_is_a_conflict(alice, editor, db):
    """A page opened before an edit must not store offsets into the new text."""
    text = get_article(db, 2)["text"]
    body = claim(text, "café", revision=1)
    put_text(editor, text.replace("Fact", "Fact-check"), article_id=2)  # shifts "café" by 6
    response = alice.api("POST", "/api/articles/2/annotations", json=body)
    assert response.status_code == 409 and "now revision 2" in response.get_json()["error"]
    new = get_article(db, 2)["text"]
    assert alice.api("POST", "/api/articles/2/annotations", json=claim(new, "café", revision=2)).status_code == 201


def test_a_stale_edit_is_a_conflict_not_an_overwrite(editor, db):
    """Regression: a second Edit-text tab saved over the first one's revision without a word."""
    text = get_article(db, 1)["text"]
    first = editor.api("PUT", "/api/articles/1/text", json={"text": text.replace("72", "seventy-two"), "base_revision": 1})
    assert first.status_code == 200
    second = editor.api("PUT", "/api/articles/1/text", json={"text": text.replace("Maduro", "Nicolás Maduro", 1),
                                                             "base_revision": 1})
    assert second.status_code == 409 and "Someone saved revision 2" in second.get_json()["error"]
    assert "seventy-two" in get_article(db, 1)["text"]


def test_the_edit_form_carries_its_base_revision(editor, db):
    token = editor.csrf_token("/articles/1/edit")
    text = get_article(db, 1)["text"]
    editor.api("PUT", "/api/articles/1/text", json={"text": text + "\n\nAppended."})
    response = editor.client.post("/articles/1/edit", data={"text": text + "\n\nMine.", "base_revision": "1",
                                                            "csrf_token": token})
    assert response.status_code == 400 and "Someone saved revision 2" in response.get_data(as_text=True)
    assert get_article(db, 1)["text"].endswith("Appended.")


def test_simultaneous_text_saves_give_one_revision_and_conflicts(app, editor, db):
    """Regression: four PUTs at once gave one 200 and three 500s (UNIQUE constraint on the revision number)."""
    import threading

    text = get_article(db, 1)["text"]
    sessions = []
    for _ in range(4):
        session = Session(app.test_client())
        session.login("erin")
        sessions.append((session, session.csrf_token("/")))
    statuses = []
    barrier = threading.Barrier(4)

    def save(i):
        session, token = sessions[i]
        barrier.wait()
        statuses.append(session.api("PUT", "/api/articles/1/text", token=token,
                                    json={"text": f"{text}\n\nVersion {i}.", "base_revision": 1}).status_code)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409, 409, 409]
    assert get_article(db, 1)["revision"] == 2


@pytest.mark.parametrize("value, expected", [("false", False), ("False", False), ("no", False), ("off", False),
                                             ("0", False), ("true", True), ("yes", True), ("1", True)])
def test_allow_private_setting_is_read_as_a_boolean(monkeypatch, value, expected):
    """Regression: ANNOTATOR_IMPORT_ALLOW_PRIVATE=False (a non-empty string) turned the protection off."""
    from annotator import create_app

    monkeypatch.setenv("ANNOTATOR_IMPORT_ALLOW_PRIVATE", value)
    assert create_app({"TESTING": True, "SECRET_KEY": "x"}).config["IMPORT_ALLOW_PRIVATE"] is expected


def test_an_applied_correction_stays_editable(alice, editor, db):
    """Regression: once the editor applied a correction, every PATCH of it was refused as changing nothing."""
    text = get_article(db, 1)["text"]
    start = text.index("no fiends")
    saved = alice.api("POST", "/api/articles/1/annotations", json={
        "kind": "correction", "start": start, "end": start + 9, "exact": "no fiends",
        "correction_type": "typo", "correction": "no friends"}).get_json()
    put_text(editor, text.replace("no fiends", "no friends"))
    applied = alice.api("GET", f"/api/annotations/{saved['id']}").get_json()
    assert applied["exact"] == "no friends" == applied["correction"]
    response = alice.api("PATCH", f"/api/annotations/{saved['id']}", json={"rationale": "Applied in revision 2.", "version": applied["version"]})
    assert response.status_code == 200 and response.get_json()["rationale"] == "Applied in revision 2."


def test_edit_form_failures_keep_the_form(alice, editor, db):
    token = editor.csrf_token("/articles/1/edit")
    empty = editor.client.post("/articles/1/edit", data={"text": "  ", "base_revision": "1", "csrf_token": token})
    assert empty.status_code == 400 and "needs some text" in empty.get_data(as_text=True)
    no_token = editor.client.post("/articles/1/edit", data={"text": "New.", "base_revision": "1"})
    assert no_token.status_code == 400
    assert alice.client.get("/articles/1/edit").status_code == 403
    assert editor.client.get("/articles/99/edit").status_code == 404
    assert get_article(db, 1)["revision"] == 1
