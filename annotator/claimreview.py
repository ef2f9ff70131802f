"""Claims as schema.org ClaimReview (JSON-LD), the markup fact-checkers publish.

Pure functions, no Flask: ``export`` feeds them rows and streams the result.
Spec: https://schema.org/ClaimReview, with Google's fact-check markup notes
(``claimReviewed``, ``reviewRating`` and ``url`` required; ``author``,
``datePublished`` and ``itemReviewed`` recommended).

Choices, where the spec leaves them to us:

- the rating is the verdict that stands: the editor's final verdict when
  there is one, else the claim's own verdict. ``ratingValue`` is that
  verdict's ``rating`` on our scale (db.m008_verdict_ratings: 1 = false ...
  5 = true), ``bestRating``/``worstRating`` the highest and lowest ratings on
  the scale; a verdict without a rating (misleading, unverifiable) gives only
  ``alternateName``, its label, since a number would misplace it;
- ``datePublished`` is when an editor accepted the claim, for an accepted
  one; else when the claim was made (ISO 8601 date-time, UTC);
- ``url`` is the annotation's IRI with us, ``{base}/annotations/{id}``;
- ``itemReviewed`` is a Claim whose ``appearance`` is the article (a
  NewsArticle with its URL, title, author and publication date as far as we
  know them). We do not record who made a claim (an article often reports
  someone else's words), so the Claim itself has no ``author``.
"""

from .w3c import as_uri

CONTEXT = "https://schema.org"
MEDIA_TYPE = "application/ld+json"


def rating_scale(verdicts):
    """(best, worst): the highest and lowest ``rating`` on the verdict scale
    (the rows of annotations.verdicts), or (None, None) when none has one."""
    ratings = [v["rating"] for v in verdicts if v.get("rating") is not None]
    return (max(ratings), min(ratings)) if ratings else (None, None)


def to_claim_review(row, base_url, organisation, scale):
    """One claim as a ClaimReview (a dict, ready for json.dumps).

    row: a mapping with the claim's id, exact (the quote), created_at,
    article_title, article_url, article_author, article_published (each None
    when unknown), and for the verdict that stands: standing_label and
    standing_rating (int or None), and accepted_at (when an editor accepted
    it, or None). base_url: where IRIs start, no trailing slash.
    organisation: {"name": str, "url": str or None}, who publishes the review.
    scale: (best, worst) from ``rating_scale``.
    """
    rating = {"@type": "Rating", "alternateName": row["standing_label"]}
    best, worst = scale
    if row["standing_rating"] is not None and best is not None:
        rating.update(ratingValue=row["standing_rating"], bestRating=best, worstRating=worst)
    return {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "url": as_uri(f"{base_url}/annotations/{row['id']}"),
        "claimReviewed": row["exact"],
        "reviewRating": rating,
        "itemReviewed": {"@type": "Claim", "appearance": _appearance(row)},
        "author": _known({"@type": "Organization", "name": organisation["name"], "url": organisation.get("url")}),
        "datePublished": row["accepted_at"] or row["created_at"],
    }


def _appearance(row):
    author = row["article_author"] and {"@type": "Person", "name": row["article_author"]}
    return _known({"@type": "NewsArticle", "url": row["article_url"], "headline": row["article_title"],
                   "author": author, "datePublished": row["article_published"]})


def _known(fields):
    """``fields`` without the ones we do not know (None or empty)."""
    return {key: value for key, value in fields.items() if value}
