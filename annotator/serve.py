"""``flask --app annotator serve``: the app behind waitress, a production
WSGI server (Flask's own server is for development only)."""

import click
from flask import current_app
from waitress import serve as waitress_serve

from .cli import command
from .db import get_db

#: Requests handled at once. Python runs one thread at a time (SQLite and
#: the network let go of it) and SQLite one writer, so more threads only make
#: each request wait longer inside the app: with 20 clients saving on 2 cores
#: (bench/bench_save.py), server-side p95 was 66 ms with 8 threads, 32 ms with
#: 4, 15 ms with 3 and 9 ms with 2, at the same throughput. Three leave one
#: free while two serve slow work (a web page import, a large export).
DEFAULT_THREADS = 3


def run(app, host, port, threads=DEFAULT_THREADS):
    """Serve ``app`` on host:port with waitress until interrupted. Requests
    reuse database connections unless REUSE_DB_CONNECTIONS says otherwise."""
    if app.config.get("REUSE_DB_CONNECTIONS") is None:
        app.config["REUSE_DB_CONNECTIONS"] = True
    # Big pastes and uploads are refused by Flask's MAX_CONTENT_LENGTH with a
    # clear message; waitress's own limit is set just above it so it does not cut in first.
    limit = (app.config.get("MAX_CONTENT_LENGTH") or 1024**3) + 1024 * 1024
    waitress_serve(app, host=host, port=port, threads=threads, max_request_body_size=limit, ident="annotator")


@command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 for every interface (put it behind an HTTPS proxy).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 256))
def serve_command(host, port, threads):
    """Serve the app with waitress (for production)."""
    app = current_app._get_current_object()
    get_db()  # migrate now, and say now if the database cannot be opened
    click.echo(f"Serving {app.config['DATABASE']} on http://{host}:{port} with {threads} threads (Ctrl+C to stop)")
    run(app, host, port, threads)


def init_app(app):
    app.cli.add_command(serve_command)
