"""Checking the web addresses people give us (sources, article URLs)."""

from urllib.parse import urlsplit

MAX_URL = 2_000


def is_http_url(url):
    """True for an absolute http(s) URL with a host, a valid port and no spaces.

    url: str. Never raises: malformed input (``http://[::1``, port 99999) is False.
    """
    if not url or len(url) > MAX_URL or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # raises ValueError when out of range
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
