"""Load test: simulated reviewers against the production server on loopback.

Run: python bench/bench_load.py [SECONDS] [--reviewers N]   (default 60 s, 50)

Starts ``flask --app annotator serve`` (waitress) on a free loopback port
with a new database in a temporary folder, lets N reviewers (threads, each
with its own requests.Session) log in, then read the article's annotations
and save new ones (and edit them, sending their version) for SECONDS. Prints
requests/s, p50/p95/p99 latency, the error count, and checks that the
database holds exactly the annotations that were answered 201.

Exits 1 if there were errors or the database disagrees with the answers.
"""

import argparse
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere, import this checkout's annotator

from annotator.articles import create_article, get_article  # noqa: E402
from annotator.auth import create_user  # noqa: E402
from annotator.db import connect, init_db  # noqa: E402
from annotator.demo import DEMO_TITLE, demo_text  # noqa: E402

PASSWORD = "load-test-password"
THREADS = 8
#: Answers that are a correct refusal under load, not a failure: a stale edit (409).
EXPECTED = {200, 201, 204, 409}


def prepare(folder, reviewers):
    """A database in ``folder`` with the demo article and ``reviewers`` users
    (reviewer1, reviewer2, ...); returns its path."""
    path = Path(folder) / "load.sqlite3"
    db = connect(path)
    init_db(db)
    create_article(db, DEMO_TITLE, demo_text())
    for n in range(1, reviewers + 1):
        create_user(db, f"reviewer{n}", PASSWORD)
    db.close()
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``flask --app annotator serve`` in a child process, on loopback."""

    def __init__(self, database, port=None, threads=THREADS):
        self.database, self.port, self.threads = database, port or free_port(), threads
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self, timeout=30):
        env = {**os.environ, "ANNOTATOR_DATABASE": str(self.database), "ANNOTATOR_SECRET_KEY": "load-test",
               "PYTHONPATH": str(ROOT)}
        # The log goes to a file, not a pipe: an unread pipe fills up (waitress
        # warns of its queue depth under load) and then blocks every thread that logs.
        self.log = Path(self.database).with_suffix(".server.log")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "annotator", "serve", "--port", str(self.port),
                 "--threads", str(self.threads)],
                cwd=ROOT, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The server exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"The server did not answer /healthz within {timeout} s")

    def kill(self):
        """kill -9: no clean shutdown, as in a crash or a power cut of the process."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class Reviewer(threading.Thread):
    """One person: logs in, then reads and saves annotations until ``stop``."""

    def __init__(self, url, username, spans, stop):
        super().__init__(daemon=True)
        self.url, self.username, self.spans, self.stop = url, username, spans, stop
        self.latencies = []  # seconds, one per request
        self.errors = []  # (what, status or exception) for answers outside EXPECTED
        self.acked = set()  # ids of annotations answered 201

    def request(self, method, path, **kwargs):
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.url + path, timeout=60, **kwargs)
        except requests.RequestException as e:
            self.errors.append((f"{method} {path}", repr(e)))
            return None
        self.latencies.append(time.perf_counter() - started)
        if response.status_code not in EXPECTED:
            self.errors.append((f"{method} {path}", response.status_code))
        return response

    def login(self):
        self.session = requests.Session()
        page = self.request("GET", "/login")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        self.request("POST", "/login", data={"username": self.username, "password": PASSWORD, "csrf_token": token})
        page = self.request("GET", "/articles/1")  # what a reviewer opens first
        self.session.headers["X-CSRFToken"] = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)

    def run(self):
        try:
            self.login()
        except Exception as e:  # counted, not raised: one failed login must not hide the others' figures
            self.errors.append(("login", repr(e)))
            return
        for start, end, exact in self.spans:
            if self.stop.is_set():
                break
            self.request("GET", "/api/articles/1/annotations")
            body = {"kind": "claim", "start": start, "end": end, "exact": exact, "verdict": "mixed",
                    "rationale": f"Checked by {self.username}.", "client_uuid": str(uuid.uuid4())}
            created = self.request("POST", "/api/articles/1/annotations", json=body)
            if created is None or created.status_code != 201:
                continue
            saved = created.json()
            self.acked.add(saved["id"])
            self.request("PATCH", f"/api/annotations/{saved['id']}",
                         json={"rationale": "Checked twice.", "version": saved["version"]})


def word_spans(text):
    """Every word of ``text`` as (start, end, exact), code point offsets."""
    return [(m.start(), m.end(), m.group()) for m in re.finditer(r"\w+", text)]


def run_load(url, database, reviewers, seconds):
    """``reviewers`` threads against ``url`` for ``seconds``; returns a dict of
    figures: requests, seconds, latencies (list, s), errors (list), acked (set of ids)."""
    db = connect(database)
    spans = word_spans(get_article(db, 1)["text"])
    db.close()
    stop = threading.Event()
    # Each reviewer starts at another place in the text, so their saves interleave across it.
    people = [Reviewer(url, f"reviewer{n}", spans[n * 7 % len(spans):] + spans[:n * 7 % len(spans)], stop)
              for n in range(1, reviewers + 1)]
    started = time.perf_counter()
    for person in people:
        person.start()
    time.sleep(seconds)
    stop.set()
    for person in people:
        person.join()
    elapsed = time.perf_counter() - started
    latencies = [t for p in people for t in p.latencies]
    return {"requests": len(latencies), "seconds": elapsed, "latencies": latencies,
            "errors": [e for p in people for e in p.errors], "acked": set().union(*(p.acked for p in people))}


def stored_ids(database):
    """Ids of every annotation in the database, and its integrity_check answer."""
    conn = sqlite3.connect(database)
    try:
        return ({row[0] for row in conn.execute("SELECT id FROM annotations")},
                conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def report(figures):
    latencies = sorted(figures["latencies"]) or [0.0]
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    print(f"requests:   {figures['requests']} in {figures['seconds']:.1f} s = "
          f"{figures['requests'] / figures['seconds']:.1f} requests/s")
    print(f"latency:    p50 {cuts[49] * 1000:.0f} ms   p95 {cuts[94] * 1000:.0f} ms   p99 {cuts[98] * 1000:.0f} ms")
    print(f"errors:     {len(figures['errors'])}" + (f"   first: {figures['errors'][:3]}" if figures["errors"] else ""))
    print(f"saved:      {len(figures['acked'])} annotations answered 201")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seconds", nargs="?", type=float, default=60)
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--threads", type=int, default=THREADS, help="waitress threads")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="annotator-load-") as folder:
        database = prepare(folder, args.reviewers)
        server = Server(database, threads=args.threads).start()
        print(f"{args.reviewers} reviewers for {args.seconds:g} s against {server.url} (waitress, {args.threads} threads)")
        try:
            figures = run_load(server.url, database, args.reviewers, args.seconds)
        finally:
            server.stop()
        report(figures)
        stored, integrity = stored_ids(database)
        acked = figures["acked"]
        exact = stored == acked
        verdict = "exactly the 201s" if exact else f"{len(stored - acked)} never acknowledged, {len(acked - stored)} missing"
        print(f"database:   {len(stored)} annotations, {verdict}; integrity_check {integrity}")
        return 0 if exact and integrity == "ok" and not figures["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
