"""Articles: storing them in canonical form, listing them, and their pages."""

import threading
from collections import OrderedDict
from pathlib import Path

import click
from flask import Blueprint, current_app, flash, g, redirect, render_template, url_for

from . import annotations
from .auth import is_editor, login_required
from .cli import command
from .db import MAX_ROW_ID, get_db, now, transaction
from .errors import AppError, BadRequest, Conflict, Forbidden, NotFound
from .forms import MAX_TITLE, ArticleForm, EditTextForm
from .importing import ImportedArticle, import_bytes, import_url
from .text import canonicalize, find_control
from .urls import is_http_url

bp = Blueprint("articles", __name__)

#: Largest article text accepted, in bytes of UTF-8.
MAX_TEXT_BYTES = 2_000_000


def create_article(db, title, text, url=None, created_by=None, raw=None, media_type="text/plain",
                   author=None, published=None):
    """Store an article with its text as revision 1 and return its id.

    title: str, 1..300 characters; text: str, stored in canonical form (see
    ``text.canonicalize``); url: an http(s) URL or None; created_by: user id;
    raw: the original bytes, kept as they came (default: ``text`` as UTF-8);
    author, published: what the source says of itself (published "YYYY-MM-DD").
    Raises BadRequest when the title or text is unusable or the URL is not http(s).
    """
    raw = text.encode("utf-8", "surrogatepass") if raw is None else raw
    text = clean_text(text)
    title = " ".join((title or "").split())
    if not title or len(title) > MAX_TITLE or find_control(title):
        raise BadRequest(f"An article needs a title of 1 to {MAX_TITLE} characters, without control characters.")
    url = (url or "").strip() or None
    if url and not is_http_url(url):
        raise BadRequest(f"The source URL “{url}” is not an http(s) URL.")
    with transaction(db):
        stamp = now()
        article_id = db["articles"].insert(
            {"title": title, "url": url, "revision": 1, "created_by": created_by, "created_at": stamp,
             "author": author, "published": published}
        ).last_pk
        _insert_revision(db, article_id, 1, text, raw, media_type, created_by, stamp)
    return article_id


def create_from_import(db, imported, title=None, url=None, created_by=None):
    """Store an ``importing.ImportedArticle``; ``title`` and ``url`` given by a
    person win over what the source says. Returns the new article id."""
    return create_article(
        db, title or (imported.title or "")[:MAX_TITLE] or first_line(imported.text), imported.text, url or imported.url,
        created_by, imported.raw, imported.media_type, imported.author, imported.published,
    )


def edit_text(db, article, text, user, raw=None, media_type="text/plain", base_revision=None):
    """Store ``text`` as the article's next revision and re-anchor every annotation.

    article: the article row (from get_article); user: the editing user's row,
    who must be an editor, an admin or the article's creator (else Forbidden).
    base_revision: the revision the new text was edited from, if known; when
    someone saved another revision since, Conflict (409) instead of silently
    replacing their text. Returns (revision number, list of re-anchoring
    reports; see ``annotations.reanchor_article``). Raises BadRequest for
    unusable or unchanged text. One transaction: a failure stores nothing.

    The annotations are anchored before the write transaction (seconds, for
    thousands on a long article), so that other saves need not wait for it;
    inside it, only if they changed meanwhile are they anchored again.
    """
    if not can_edit_text(user):
        raise Forbidden("Only editors and admins change an article's text.")
    text = clean_text(text)
    raw = text.encode("utf-8", "surrogatepass") if raw is None else raw
    _refuse_edit(get_article(db, article["id"]), text, base_revision)
    anchored = annotations.anchor_annotations(db, article["id"], text)
    with transaction(db):
        # Read again under the write lock: two saves at once must not both
        # become revision N + 1, nor one overwrite the other unseen.
        current = get_article(db, article["id"])
        _refuse_edit(current, text, base_revision)
        number = current["revision"] + 1
        _insert_revision(db, article["id"], number, text, raw, media_type, user["id"], now())
        db.execute("UPDATE articles SET revision = ? WHERE id = ?", [number, article["id"]])
        report = annotations.reanchor_article(db, article["id"], number, text, anchored)
    return number, report


def _refuse_edit(current, text, base_revision):
    """Conflict if someone saved a revision since ``base_revision``; BadRequest
    if ``text`` is the current one's."""
    if base_revision is not None and base_revision != current["revision"]:
        raise Conflict(
            f"Someone saved revision {current['revision']} since you opened revision {base_revision}, "
            "so your text would undo theirs. Copy your changes, reload, and apply them again."
        )
    if text == current["text"]:
        raise BadRequest(f"The text is the same as revision {current['revision']}; nothing changed.")


def can_edit_text(user):
    """Editors and admins manage articles: add them and edit their text."""
    return is_editor(user)


def clean_text(text):
    """``text`` in canonical form, or BadRequest if no article could have it."""
    text = canonicalize(text)
    if not text.strip():
        raise BadRequest("The article has no text.")
    if "\x00" in text:
        raise BadRequest("The article text contains NUL characters; is it a binary file?")
    control = find_control(text)
    if control:
        raise BadRequest(
            f"The article text contains the control character U+{ord(control[1]):04X} at character "
            f"{control[0]}; remove it and try again."
        )
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise BadRequest(f"The article is longer than {MAX_TEXT_BYTES // 1_000_000} MB of text.")
    return text


def _insert_revision(db, article_id, number, text, raw, media_type, created_by, stamp):
    db["revisions"].insert({
        "article_id": article_id, "number": number, "text": text, "raw": raw,
        "media_type": media_type, "created_by": created_by, "created_at": stamp,
    })


def revision_text(db, article_id, number):
    """The canonical text of one revision of an article; NotFound if there is none."""
    rows = list(db.query("SELECT text FROM revisions WHERE article_id = ? AND number = ?", [article_id, number]))
    if not rows:
        raise NotFound(f"Article {article_id} has no revision {number}.")
    return rows[0]["text"]


def first_line(text):
    """A title taken from a text: its first line, cut to the longest title allowed."""
    return canonicalize(text).split("\n", 1)[0][:MAX_TITLE]


def get_article(db, article_id):
    """The article row with the text of its current revision; NotFound if absent.

    A revision's text never changes once committed, so a text read before is
    taken from memory (``_current_text``): a save on a 200,000-character
    article need not read and decode its whole text again."""
    rows = list(db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
    if not rows:
        raise NotFound(f"There is no article {article_id}.")
    article = rows[0]
    article["text"] = _current_text(db, article)
    return article


#: Texts of committed revisions, least recently used first:
#: (database path, file identity, article id, revision number) -> text.
_texts = OrderedDict()
_texts_guard = threading.Lock()
#: Code points of text kept at most (a text longer is not kept).
CACHED_CHARS = 4_000_000


def _current_text(db, article):
    key = _text_key(db, article["id"], article["revision"])
    if key is not None:
        with _texts_guard:
            if key in _texts:
                _texts.move_to_end(key)
                return _texts[key]
    row = db.execute("SELECT text FROM revisions WHERE article_id = ? AND number = ?",
                     [article["id"], article["revision"]]).fetchone()
    if row is None:
        raise NotFound(f"There is no article {article['id']}.")
    if key is not None and len(row[0]) <= CACHED_CHARS:
        with _texts_guard:
            _texts[key] = row[0]
            while sum(len(text) for text in _texts.values()) > CACHED_CHARS:
                _texts.popitem(last=False)
    return row[0]


def _text_key(db, article_id, number):
    """The cache key of a revision's text as ``db`` reads it, or None: for a
    connection not made by ``db.connect`` (its file unknown), and inside a
    transaction, whose new revision may yet be rolled back."""
    identity = getattr(db, "file_identity", None)
    if identity is None or db.conn.in_transaction:
        return None
    return str(db.path), identity, article_id, number


def check_article(db, article_id):
    """NotFound unless there is an article ``article_id``: ``get_article``'s
    check without reading the text (hundreds of kilobytes) it does not need."""
    if not db.execute("SELECT 1 FROM articles WHERE id = ?", [article_id]).fetchone():
        raise NotFound(f"There is no article {article_id}.")


def list_articles(db):
    """Articles, newest first, with counts of claims, corrections and annotators."""
    return list(db.query("""
        SELECT articles.id, articles.title, articles.url, articles.created_at,
          COUNT(CASE WHEN annotations.kind = 'claim' THEN 1 END) AS claims,
          COUNT(CASE WHEN annotations.kind = 'correction' THEN 1 END) AS corrections,
          COUNT(DISTINCT annotations.author_id) AS annotators
        FROM articles LEFT JOIN annotations
          ON annotations.article_id = articles.id AND annotations.deleted_at IS NULL
        GROUP BY articles.id ORDER BY articles.id DESC
    """))


def to_json(article):
    return {
        "id": article["id"],
        "title": article["title"],
        "url": article["url"],
        "text": article["text"],
        "length": len(article["text"]),
        "revision": article["revision"],
        "author": article["author"],
        "published": article["published"],
        "created_at": article["created_at"],
    }


@bp.route("/")
@login_required
def index():
    return render_template("articles.html", articles=list_articles(get_db()))


@bp.route("/articles/new", methods=["GET", "POST"])
@login_required
def new():
    if not can_edit_text(g.user):
        raise Forbidden("Only editors and admins add articles; ask one to add this one.")
    form = ArticleForm()
    if form.validate_on_submit():
        # An error goes under the field it is about: the file, the address or the text.
        field = form.file if form.file.data else form.fetch if form.fetch.data else form.text
        try:
            article_id = create_from_import(get_db(), _imported(form), form.title.data, form.url.data, g.user["id"])
        except AppError as e:
            field.errors.append(e.message)
        else:
            flash("Article added. Select text to annotate it.", "info")
            return redirect(url_for("articles.show", article_id=article_id))
    status = 400 if form.errors else 200
    return render_template("article_new.html", form=form), status


def _imported(form):
    if form.file.data:
        return import_bytes(form.file.data.read(), form.file.data.filename)
    if form.fetch.data:
        return import_url(form.fetch.data.strip(), allow_private=current_app.config["IMPORT_ALLOW_PRIVATE"])
    pasted = form.text.data  # checked and made canonical by create_article, with messages about text
    return ImportedArticle(pasted, pasted.encode("utf-8"), None, None, None, None, "text/plain")


@bp.route("/articles/<id:article_id>")
@login_required
def show(article_id):
    db = get_db()
    article = get_article(db, article_id)
    page = {
        "article": {"id": article["id"], "title": article["title"], "revision": article["revision"]},
        "user": {"id": g.user["id"], "username": g.user["username"], "role": g.user["role"]},
        "verdicts": [{k: v[k] for k in ("name", "label", "colour")} for v in annotations.verdicts(db)],
        "correction_types": [{k: c[k] for k in ("name", "label")} for c in annotations.correction_types(db)],
    }
    return render_template("article.html", article=article, page=page, can_edit=can_edit_text(g.user))


@bp.route("/articles/<id:article_id>/edit", methods=["GET", "POST"])
@login_required
def edit(article_id):
    db = get_db()
    article = get_article(db, article_id)
    if not can_edit_text(g.user):
        raise Forbidden("Only editors and admins change an article's text.")
    form = EditTextForm(text=article["text"], base_revision=article["revision"])
    if form.validate_on_submit():
        try:
            number, report = edit_text(db, article, form.text.data, g.user, base_revision=form.base_revision.data)
        except AppError as e:
            form.text.errors.append(e.message)
        else:
            flash(f"Saved revision {number}. {summarize(report)}", "info")
            return redirect(url_for("articles.show", article_id=article_id))
    status = 400 if form.errors else 200
    return render_template("article_edit.html", form=form, article=article), status


def summarize(report):
    """One sentence a person reads after an edit: how the annotations fared.
    Only those anchored before this edit and orphaned now "lost their words";
    orphans of earlier revisions that stay so are counted apart."""
    if not report:
        return "There were no annotations to move."
    words = {"exact": "stayed on their words", "moved": "moved with their words",
             "fuzzy": "found on changed words", "lost": "lost their words (orphaned; re-attach them by hand)",
             "still": "still without their words (orphaned before this edit)"}
    kinds = [("still" if e["was_orphaned"] else "lost") if e["outcome"] == "orphaned" else e["outcome"]
             for e in report]
    counts = {kind: kinds.count(kind) for kind in words}
    return "Annotations: " + "; ".join(f"{n} {words[k]}" for k, n in counts.items() if n) + "."


@command("import-article")
@click.argument("source")
@click.option("--title", help="Defaults to the page's title, or the text's first line.")
@click.option("--url", help="Where the article was published (http or https); defaults to the page's own.")
def import_article_command(source, title, url):
    """Import an article from a file (.txt, .html, .md) or an http(s) address;
    prints the new article id last."""
    if is_http_url(source):
        imported = import_url(source, allow_private=current_app.config["IMPORT_ALLOW_PRIVATE"])
    else:
        path = Path(source)
        if not path.is_file():
            raise BadRequest(f"There is no file {source} (and it is not an http(s) address).")
        imported = import_bytes(path.read_bytes(), path.name)
    article_id = create_from_import(get_db(), imported, title, url)
    click.echo(f"Imported {source} as article {article_id}: {get_article(get_db(), article_id)['title']}")
    click.echo(article_id)


@command("edit-article")
@click.argument("article_id", type=click.IntRange(1, MAX_ROW_ID))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def edit_article_command(article_id, path):
    """Store a UTF-8 text file as the article's next revision and re-anchor its
    annotations; prints one line per annotation, a summary, then the revision number."""
    db = get_db()
    admin = {"id": None, "role": "admin"}  # whoever runs commands on the server is trusted
    imported = import_bytes(path.read_bytes(), path.name)
    number, report = edit_text(db, get_article(db, article_id), imported.text, admin, imported.raw, imported.media_type)
    for entry in report:
        where = "" if entry["start"] is None else f" at [{entry['start']}, {entry['end']})"
        click.echo(f"annotation {entry['annotation_id']}: {entry['outcome']}{where}, score {entry['score']}")
    click.echo(summarize(report))
    click.echo(number)


def init_app(app):
    app.register_blueprint(bp)
    app.cli.add_command(import_article_command)
    app.cli.add_command(edit_article_command)
