"""The demo: a database with the sample article, two users, and a server."""

import secrets
import socket
from importlib import resources

import click
from flask import current_app

from . import annotations
from .articles import create_article, get_article
from .auth import create_user, set_password
from .cli import command
from .db import get_db, init_db
from .errors import AppError
from .serve import run

DEMO_TITLE = "Venezuela cuts diplomatic ties with US after Guaido recognized"
DEMO_URL = None  # the wire story was shared without a stable address
DEMO_USER, TEAMMATE = "demo", "riley"

#: What the teammate has already annotated, so the page shows someone else's work.
TEAMMATE_ANNOTATIONS = [
    {"kind": "claim", "exact": "gave 72 hours for diplomats to leave the country", "verdict": "true",
     "rationale": "Maduro's televised speech of 23 January 2019 set the 72-hour deadline.",
     "sources": ["https://en.wikipedia.org/wiki/Venezuelan_presidential_crisis"]},
    {"kind": "correction", "exact": "said Mauricio Macri, said", "correction_type": "duplication",
     "correction": "said", "rationale": "The attribution is written twice."},
]


def demo_text():
    return resources.files("annotator").joinpath("demo/venezuela-relations.txt").read_text(encoding="utf-8")


def seed(db):
    """Make the demo users (new random passwords each time) and the demo article.

    Returns (article_id, {username: password}). Safe to run again: existing
    rows are kept, only the passwords change.
    """
    init_db(db)
    logins = {}
    for username, role in ((DEMO_USER, "admin"), (TEAMMATE, "reviewer")):
        logins[username] = password = secrets.token_urlsafe(9)
        if db["users"].count_where("username = ?", [username]):
            set_password(db, username, password)
        else:
            create_user(db, username, password, role)
    rows = list(db["articles"].rows_where("title = ?", [DEMO_TITLE], order_by="id", limit=1))
    article_id = rows[0]["id"] if rows else create_article(db, DEMO_TITLE, demo_text(), DEMO_URL)
    teammate = next(db["users"].rows_where("username = ?", [TEAMMATE]))
    if not db["annotations"].count_where("author_id = ?", [teammate["id"]]):
        article = get_article(db, article_id)
        text = article["text"]  # canonical already
        for note in TEAMMATE_ANNOTATIONS:
            start = text.index(note["exact"])
            annotations.create_annotation(db, article, teammate, {**note, "start": start, "end": start + len(note["exact"])})
    return article_id, logins


@command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Only set up the database, do not start the server.")
def demo_command(host, port, no_serve):
    """Load the demo article and users, then serve the app."""
    if not no_serve:
        _check_port_free(host, port)  # before the passwords change under a running demo
    article_id, logins = seed(get_db())
    url = f"http://{host}:{port}/articles/{article_id}"
    click.echo(f"Demo article {article_id} ready in {current_app.config['DATABASE']}")
    click.echo(f"Log in as:  {DEMO_USER} / {logins[DEMO_USER]} (an admin)   "
               f"(teammate: {TEAMMATE} / {logins[TEAMMATE]}, a reviewer)")
    click.echo(f"Open:       {url}")
    if not no_serve:
        run(current_app._get_current_object(), host, port)


def _check_port_free(host, port):
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise AppError(f"Port {port} on {host} is in use (is the demo already running?). Pick another with --port.")


def init_app(app):
    app.cli.add_command(demo_command)
