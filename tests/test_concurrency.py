"""Several people saving at the same moment: every save lands or gets a 4xx."""

import threading

from annotator.articles import get_article
from tests.conftest import Session, claim


def test_simultaneous_writers_all_succeed(app, db):
    """Regression: concurrent saves failed at once with 'database is locked' (a 500)."""
    text = get_article(db, 1)["text"]
    words = sorted({w for w in text.split() if text.count(w) == 1 and w.isalpha()})[:48]
    sessions = []
    for name in ("alice", "bob", "alice", "bob"):
        session = Session(app.test_client())
        session.login(name)
        sessions.append((session, session.csrf_token("/")))
    statuses = []
    barrier = threading.Barrier(len(sessions))

    def work(index):
        session, token = sessions[index]
        barrier.wait()
        for word in words[index::len(sessions)]:
            created = session.api("POST", "/api/articles/1/annotations", json=claim(text, word), token=token)
            statuses.append(created.status_code)
            if created.status_code == 201:
                annotation_id = created.get_json()["id"]
                statuses.append(session.api("PATCH", f"/api/annotations/{annotation_id}",
                                            json={"rationale": "checked", "version": 1}, token=token).status_code)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [200, 201]
    assert db["annotations"].count == len(words)
    assert db["annotations"].count_where("rationale = 'checked'") == len(words)
