"""Annotations as the W3C Web Annotation Data Model says (JSON-LD).

Pure functions, no Flask: ``export`` feeds them rows and streams the result.
Spec: https://www.w3.org/TR/annotation-model/ (sections cited below).

How our fields map, body by body (section 3.2, purposes from 3.3.5):

- a claim: motivation ``assessing``; a TextualBody with purpose ``assessing``
  whose value is the verdict's label ("Mostly false"), and a SpecificResource
  with purpose ``classifying`` whose source is the verdict's IRI
  (``{base}/verdicts/{name}``), which stays put when a label is reworded;
- a correction: motivation ``editing``; a TextualBody with purpose ``editing``
  holding the replacement ("" asks to delete the words), and a
  SpecificResource ``classifying`` with the correction type's IRI
  (``{base}/correction-types/{name}``);
- either: the rationale as a TextualBody with purpose ``commenting``
  (text/plain; no ``language``, since we do not record it), and each source as
  a SpecificResource with purpose ``linking`` whose source is its URL (an
  external resource itself may not carry a purpose, section 3.3.5);
- a review: its own Annotation targeting the reviewed annotation's IRI. A
  comment has motivation ``replying`` and one ``replying`` TextualBody; an
  agreement or disagreement has motivation ``assessing``, a TextualBody
  ``assessing`` whose value is "agree" or "disagree", for a disagreement the
  reviewer's verdict (``classifying``, as for a claim) or replacement
  (``editing``), and the comment (``commenting``).

The target is the article (its published URL, else ``{base}/articles/{id}``)
narrowed by a TextQuoteSelector and a TextPositionSelector; positions count
code points, as section 4.2.5 asks and as we store them. An orphaned
annotation's selectors describe its words in the revision it was made in.

Workflow fields (status, final verdict, revision, orphaned, version) are not
part of the model; they travel in the JSON Lines export instead, so this one
needs no extension context and validates against the W3C schemas as it is.
"""

import json
import re
from urllib.parse import quote

from werkzeug.urls import iri_to_uri

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{CONTEXT}"'

#: A "%" that does not start an escape; it must become "%25" to be a URI.
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def as_uri(iri):
    """``iri`` (str) written as an RFC 3986 URI: non-ASCII characters
    percent-encoded as UTF-8 (an IDN host in punycode), a stray ``%`` as
    ``%25``. The W3C schemas check ``format: uri``, which an IRI such as
    ``https://example.org/café`` fails."""
    return iri_to_uri(_STRAY_PERCENT.sub("%25", iri))


def annotation_iri(base_url, annotation_id):
    return as_uri(f"{base_url}/annotations/{annotation_id}")


def user_iri(base_url, username):
    return as_uri(f"{base_url}/users/{quote(username, safe='')}")


def to_web_annotation(row, base_url):
    """One annotation as a W3C Web Annotation (a dict, ready for json.dumps).

    row: a mapping with the annotation's columns (id, article_id, kind,
    start, end, exact, prefix, suffix, verdict, correction_type, correction,
    rationale, sources as JSON text or a list, created_at, updated_at), plus
    author (username), article_url (or None) and verdict_label (the verdict's
    label; the name is used when it is missing). base_url: where IRIs start,
    without a trailing slash, e.g. "https://factcheck.example.org".
    created/modified are xsd:dateTime in UTC, as stored.
    """
    claim = row["kind"] == "claim"
    if claim:
        body = [
            _text(row.get("verdict_label") or row["verdict"], "assessing"),
            _classifying(f"{base_url}/verdicts/{quote(row['verdict'], safe='')}"),
        ]
    else:
        body = [
            _text(row["correction"], "editing"),
            _classifying(f"{base_url}/correction-types/{quote(row['correction_type'], safe='')}"),
        ]
    if row["rationale"]:
        body.append(_text(row["rationale"], "commenting"))
    sources = row["sources"]
    for url in json.loads(sources) if isinstance(sources, str) else sources:
        body.append({"type": "SpecificResource", "purpose": "linking", "source": as_uri(url)})
    return {
        "@context": CONTEXT,
        "id": annotation_iri(base_url, row["id"]),
        "type": "Annotation",
        "motivation": "assessing" if claim else "editing",
        "created": row["created_at"],
        "modified": row["updated_at"],
        "creator": _person(base_url, row["author"]),
        "body": body,
        "target": {"source": article_iri(row, base_url), "selector": _selectors(row)},
    }


def to_web_annotation_reply(review, base_url):
    """One review as a W3C Web Annotation on the annotation it reviews (a dict).

    review: a mapping with id, annotation_id, reviewer (username), decision
    ("agree" | "disagree" | "comment"), verdict and correction (a
    disagreement's own, else None), comment (str) and created_at. Its IRI is
    ``{base}/annotations/{annotation_id}/reviews/{id}``.
    """
    decision = review["decision"]
    if decision == "comment":
        motivation, body = "replying", [_text(review["comment"], "replying")]
    else:
        motivation, body = "assessing", [_text(decision, "assessing")]
        if review["verdict"] is not None:
            body.append(_classifying(f"{base_url}/verdicts/{quote(review['verdict'], safe='')}"))
        if review["correction"] is not None:
            body.append(_text(review["correction"], "editing"))
        if review["comment"]:
            body.append(_text(review["comment"], "commenting"))
    target = annotation_iri(base_url, review["annotation_id"])
    return {
        "@context": CONTEXT,
        "id": f"{target}/reviews/{review['id']}",
        "type": "Annotation",
        "motivation": motivation,
        "created": review["created_at"],
        "creator": _person(base_url, review["reviewer"]),
        "body": body,
        "target": target,
    }


def article_iri(row, base_url):
    """Where the article lives: its published URL, else its page with us."""
    if row.get("article_url"):
        return as_uri(row["article_url"])
    return as_uri(f"{base_url}/articles/{row['article_id']}")


def collection_chunks(collection_id, label, total, items):
    """Yield an AnnotationCollection (section 5.1) as JSON text in pieces.

    collection_id: its IRI; label: str; total: how many annotations ``items``
    (an iterable of annotation dicts) will give. With one or more, the
    collection embeds its ``first`` AnnotationPage (5.2) holding them all in
    ``items``; with none it has no page, since a page needs an item. Items
    are written one per line as they come, so memory stays constant.
    """
    head = {"@context": CONTEXT, "id": collection_id, "type": "AnnotationCollection",
            "label": label, "total": total}
    if not total:
        yield json.dumps(head, ensure_ascii=False) + "\n"
        return
    page = {"id": f"{collection_id}#page1", "type": "AnnotationPage", "startIndex": 0}
    # Both dumps end in "}": reopen them to append "first", then "items".
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "first": '
           + json.dumps(page, ensure_ascii=False)[:-1] + ', "items": [\n')
    separator = ""
    for item in items:
        yield separator + json.dumps(item, ensure_ascii=False)
        separator = ",\n"
    yield "\n]}}\n"


def _selectors(row):
    # An empty prefix or suffix is kept: it says the words start or end the text.
    return [
        {"type": "TextQuoteSelector", "exact": row["exact"], "prefix": row["prefix"], "suffix": row["suffix"]},
        {"type": "TextPositionSelector", "start": row["start"], "end": row["end"]},
    ]


def _text(value, purpose):
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain"}


def _classifying(iri):
    return {"type": "SpecificResource", "purpose": "classifying", "source": as_uri(iri)}


def _person(base_url, username):
    # We know people by their username only: it serves as name and nickname.
    return {"id": user_iri(base_url, username), "type": "Person", "name": username, "nickname": username}
