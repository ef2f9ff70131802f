"""Saving an annotation under load: server-side p95 with 20 clients at once.

Run: python bench/bench_save.py [--seconds 10] [--clients 20] [--repeat 3]
         [--threads 3] [--synchronous FULL|NORMAL]

Target (issue 7): p95 under 20 ms server side with 20 concurrent clients on
the production server. Builds the benchmark database (bench/generate.py: a
200,000-character article with 5,000 annotations by 10 authors), adds one
user per client, starts ``flask --app annotator serve`` (waitress) in a child
process, and logs every client in through /login with its CSRF token. Each
repetition then runs, on that one server:

- ``trivial``: the clients GET /api/session (logged in: session cookie, user
  row, CSRF token; no writes) for SECONDS, the floor under any request;
- ``single``: one client saves annotations one after another for SECONDS;
- ``concurrent``: every client saves annotations (claims and corrections on
  random word spans, each with its client_uuid) as fast as it can.

"Server side" is the app's own time, read from the ``Server-Timing: app;dur=``
header every response carries (annotator/timing.py), with its ``cpu;dur``
(the thread's CPU time: the rest is waiting for the disk, the write lock or
the GIL); the client's round trip, which adds the network and the time a
request queued for a free waitress thread, is printed beside it. Each figure
is the median over the repetitions; the ratios compare concurrent saves with
the single client's and with the trivial GET under the same load. Finally the database must hold exactly the
annotations that were answered 201 (and every answer must be 201).

Under FULL sync each commit waits for an fsync (4 to 8 ms on the 2-core
benchmark machine) and SQLite has one writer at a time, and Python runs one
thread at a time: with more server threads than that, a save's server time is
mostly waiting for the others. ``--threads`` and ``--synchronous NORMAL`` show
what the server's settings change (see annotator/serve.py DEFAULT_THREADS).

Ends with one JSON line of the figures; exits 1 on any error or mismatch.
"""

import argparse
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from anywhere, import this checkout's annotator

from bench_load import Server  # noqa: E402  (same folder: the waitress child process)
from generate import generate  # noqa: E402

from annotator.articles import get_article  # noqa: E402
from annotator.auth import create_user  # noqa: E402
from annotator.db import connect  # noqa: E402
from annotator.serve import DEFAULT_THREADS  # noqa: E402

TARGET_P95_MS = 20
PASSWORD = "benchmark-password"
CORRECTION_TYPES = ["typo", "spelling", "grammar", "style", "fact"]
VERDICTS = ["true", "mostly-true", "mixed", "mostly-false", "false", "misleading"]


def prepare(folder, clients):
    """The benchmark database in ``folder`` plus users saver1..saverN; returns
    (path, article_id, text)."""
    path = Path(folder) / "save.sqlite3"
    made = generate(path)
    db = connect(path)
    for n in range(1, clients + 1):
        create_user(db, f"saver{n}", PASSWORD)
    text = get_article(db, made["article_id"])["text"]
    db.close()
    return path, made["article_id"], text


def server_ms(response):
    """(app, cpu): the durations in a Server-Timing header, in milliseconds."""
    header = response.headers.get("Server-Timing", "")
    found = [re.search(rf"(?:^|,)\s*{name};dur=([0-9.]+)", header) for name in ("app", "cpu")]
    if not all(found):
        raise ValueError(f"No Server-Timing app;dur and cpu;dur in the answer to {response.request.method} "
                         f"{response.url}: {header!r}")
    return tuple(float(f.group(1)) for f in found)


class Client:
    """One logged-in person with a requests.Session; keeps figures per phase."""

    def __init__(self, url, username, article_id, text, seed):
        self.url, self.username, self.article_id, self.text = url, username, article_id, text
        self.rng = random.Random(seed)
        self.words = [m.span() for m in re.finditer(r"\S+", text)]
        self.used = set()  # (kind, start, end) saved already: a repeat would rightly be a 409
        self.acked = set()  # ids answered 201
        self.session = requests.Session()

    def login(self):
        page = self.session.get(self.url + "/login")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        answer = self.session.post(self.url + "/login", allow_redirects=False,
                                   data={"username": self.username, "password": PASSWORD, "csrf_token": token})
        if answer.status_code != 302:
            raise RuntimeError(f"{self.username} could not log in: {answer.status_code}")
        # Logging in starts a new session, with a new CSRF token.
        self.session.headers["X-CSRFToken"] = self.session.get(self.url + "/api/session").json()["csrf_token"]

    def new_annotation(self):
        """A claim or correction on a random span of 1 to 6 words not saved before."""
        while True:
            first = self.rng.randrange(len(self.words) - 6)
            start, end = self.words[first][0], self.words[first + self.rng.randint(0, 5)][1]
            kind = "claim" if self.rng.random() < 0.6 else "correction"
            if (kind, start, end) not in self.used:
                self.used.add((kind, start, end))
                break
        body = {"kind": kind, "start": start, "end": end, "exact": self.text[start:end], "revision": 1,
                "rationale": f"Checked by {self.username}.", "sources": ["https://example.org/source"],
                "client_uuid": str(uuid.uuid4())}
        if kind == "claim":
            body["verdict"] = self.rng.choice(VERDICTS)
        else:
            body.update(correction_type=self.rng.choice(CORRECTION_TYPES), correction=body["exact"][::-1] + "!")
        return body

    def save(self):
        """POST one new annotation; ((server ms, cpu ms), round trip ms, status)."""
        started = time.perf_counter()
        answer = self.session.post(f"{self.url}/api/articles/{self.article_id}/annotations",
                                   json=self.new_annotation(), timeout=60)
        trip = (time.perf_counter() - started) * 1000
        if answer.status_code == 201:
            self.acked.add(answer.json()["id"])
        return server_ms(answer), trip, answer.status_code

    def trivial(self):
        """GET /api/session; ((server ms, cpu ms), round trip ms, status)."""
        started = time.perf_counter()
        answer = self.session.get(self.url + "/api/session", timeout=60)
        trip = (time.perf_counter() - started) * 1000
        return server_ms(answer), trip, answer.status_code


def run_phase(clients, action, seconds, expected):
    """Each of ``clients`` calls ``action(client)`` in its own thread until
    ``seconds`` pass; returns {"server": [ms], "cpu": [ms], "trip": [ms], "errors": [...], "seconds"}."""
    stop = threading.Event()
    results = [([], [], [], []) for _ in clients]

    def work(client, server, cpu, trip, errors):
        while not stop.is_set():
            try:
                server_time, trip_time, status = action(client)
            except Exception as e:  # counted, not raised: the other clients' figures still count
                errors.append(repr(e))
                continue
            server.append(server_time[0])
            cpu.append(server_time[1])
            trip.append(trip_time)
            if status != expected:
                errors.append(status)

    threads = [threading.Thread(target=work, args=(c, *r), daemon=True) for c, r in zip(clients, results)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return {"server": [t for r in results for t in r[0]], "cpu": [t for r in results for t in r[1]],
            "trip": [t for r in results for t in r[2]], "errors": [e for r in results for e in r[3]],
            "seconds": time.perf_counter() - started}


def percentiles(values):
    """{"p50", "p95", "p99", "max"} of ``values`` (ms)."""
    if len(values) < 2:
        values = (values or [0.0]) * 2
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(values)}


def summarize(phase):
    """A phase's figures: server, server CPU and round-trip percentiles (ms), requests/s, errors."""
    return {"server": percentiles(phase["server"]), "cpu": percentiles(phase["cpu"]), "trip": percentiles(phase["trip"]),
            "per_second": len(phase["server"]) / phase["seconds"], "requests": len(phase["server"]),
            "errors": len(phase["errors"]), "first_errors": phase["errors"][:3]}


def stored_ids(database, usernames):
    """Ids of the annotations the benchmark's users have in the database, and integrity_check."""
    conn = sqlite3.connect(database)
    try:
        marks = ", ".join("?" * len(usernames))
        ids = {row[0] for row in conn.execute(
            f"SELECT annotations.id FROM annotations JOIN users ON users.id = author_id "
            f"WHERE users.username IN ({marks})", usernames)}
        return ids, conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def median_of(runs, *keys):
    """The median over repetitions of runs[i][key1][key2]..."""
    values = []
    for run in runs:
        for key in keys:
            run = run[key]
        values.append(run)
    return statistics.median(values)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each phase (default 10)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="repetitions; figures are their medians")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="waitress threads")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL",
                        help="the server's SQLITE_SYNCHRONOUS (default FULL, the app's default)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="annotator-save-") as folder:
        print(f"Building the benchmark database in {folder} ...", flush=True)
        database, article_id, text = prepare(folder, args.clients + 1)
        # Every client logs in from 127.0.0.1: raise the per-address limit of failed
        # logins (only failures count, but each attempt is reserved before its check).
        os.environ["ANNOTATOR_LOGIN_LIMIT_PER_ADDRESS"] = str(10 * (args.clients + 1))
        os.environ["ANNOTATOR_SQLITE_SYNCHRONOUS"] = args.synchronous
        server = Server(database, threads=args.threads).start()
        print(f"{args.clients} clients x {args.seconds:g} s x {args.repeat} against {server.url} "
              f"(waitress, {args.threads} threads, synchronous {args.synchronous})", flush=True)
        try:
            clients = [Client(server.url, f"saver{n}", article_id, text, seed=n) for n in range(1, args.clients + 2)]
            for client in clients:
                client.login()
            crowd, alone = clients[:-1], clients[-1:]
            runs = []
            for repetition in range(1, args.repeat + 1):
                run = {"trivial": summarize(run_phase(crowd, Client.trivial, args.seconds, 200)),
                       "single": summarize(run_phase(alone, Client.save, args.seconds, 201)),
                       "concurrent": summarize(run_phase(crowd, Client.save, args.seconds, 201))}
                runs.append(run)
                print(f"  run {repetition}: " + "   ".join(
                    f"{name} p95 {run[name]['server']['p95']:.1f} ms ({run[name]['per_second']:.0f}/s)"
                    for name in run), flush=True)
        finally:
            server.stop()

        acked = set().union(*(c.acked for c in clients))
        stored, integrity = stored_ids(database, [c.username for c in clients])
        errors = sum(run[name]["errors"] for run in runs for name in run)
        figures = {name: {
            "server_p50_ms": median_of(runs, name, "server", "p50"), "server_p95_ms": median_of(runs, name, "server", "p95"),
            "server_p99_ms": median_of(runs, name, "server", "p99"), "server_max_ms": median_of(runs, name, "server", "max"),
            "cpu_p50_ms": median_of(runs, name, "cpu", "p50"),
            "trip_p50_ms": median_of(runs, name, "trip", "p50"), "trip_p95_ms": median_of(runs, name, "trip", "p95"),
            "per_second": median_of(runs, name, "per_second")} for name in ("trivial", "single", "concurrent")}
        concurrent = figures["concurrent"]
        ratio_single = concurrent["server_p95_ms"] / figures["single"]["server_p95_ms"]
        ratio_trivial = concurrent["server_p95_ms"] / figures["trivial"]["server_p95_ms"]

        print(f"\nMedians of {args.repeat} runs of {args.seconds:g} s; {args.clients} clients, waitress {args.threads} threads, "
              f"synchronous {args.synchronous}")
        print(f"{'server side, ms':28}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}  CPU p50   round trip p50/p95   per second")
        for name, label in (("concurrent", f"save, {args.clients} at once"), ("single", "save, one client"),
                            ("trivial", f"GET /api/session, {args.clients}")):
            f = figures[name]
            print(f"{label:28}{f['server_p50_ms']:8.1f}{f['server_p95_ms']:8.1f}{f['server_p99_ms']:8.1f}"
                  f"{f['server_max_ms']:8.1f}{f['cpu_p50_ms']:8.2f}   {f['trip_p50_ms']:8.1f} / {f['trip_p95_ms']:<8.1f}"
                  f"  {f['per_second']:8.0f}")
        print(f"target:     server-side p95 of a save under {TARGET_P95_MS} ms with {args.clients} clients: "
              f"{concurrent['server_p95_ms']:.1f} ms, {'met' if concurrent['server_p95_ms'] < TARGET_P95_MS else 'MISSED'}")
        print(f"ratio:      p95 concurrent / single client {ratio_single:.2f}; "
              f"concurrent save / concurrent trivial GET {ratio_trivial:.2f}")
        if errors:
            print(f"errors:     {errors}   first: {[e for run in runs for n in run for e in run[n]['first_errors']][:5]}")
        else:
            print("errors:     0")
        exact = stored == acked
        print(f"database:   {len(stored)} annotations by the benchmark's users, "
              f"{'exactly the 201s' if exact else f'{len(stored - acked)} never acknowledged, {len(acked - stored)} missing'}"
              f"; integrity_check {integrity}")
        print(json.dumps({"benchmark": "save", "clients": args.clients, "seconds": args.seconds, "repeat": args.repeat,
                          "threads": args.threads, "synchronous": args.synchronous, "target_p95_ms": TARGET_P95_MS,
                          **{f"{name}_{key}": round(value, 2) for name, f in figures.items() for key, value in f.items()},
                          "ratio_concurrent_to_single": round(ratio_single, 2),
                          "ratio_concurrent_to_trivial": round(ratio_trivial, 2),
                          "errors": errors, "saved": len(acked), "stored_matches": exact, "integrity": integrity}))
        return 0 if exact and integrity == "ok" and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
