"""Errors that carry their HTTP status, and the one handler that renders them.

Under ``/api/`` every error is JSON ``{"error": "..."}``; elsewhere an HTML
page. No request ends in a bare 500 page or a traceback.
"""

from flask import jsonify, render_template, request, session
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


class AppError(Exception):
    """An error a person can act on. status: the HTTP status; message: what to
    do; extra: more JSON keys for the API's answer beside ``error`` (e.g.
    ``Conflict(message, current=annotation_json)``), ignored on HTML pages."""

    status = 400

    def __init__(self, message, status=None, **extra):
        super().__init__(message)
        self.message = message
        self.extra = extra
        if status is not None:
            self.status = status


class BadRequest(AppError):
    status = 400


class Forbidden(AppError):
    status = 403


class NotFound(AppError):
    status = 404


class Conflict(AppError):
    status = 409


_MESSAGES = {
    401: "Log in first.",
    404: "Not found.",
    405: "That method is not allowed here.",
    413: "The upload is too large.",
}


def wants_json():
    return request.path.startswith("/api/")


def render_error(status, message, extra=None):
    if wants_json():
        return jsonify(error=message, **(extra or {})), status
    return render_template("error.html", status=status, message=message), status


def handle_app_error(error):
    return render_error(error.status, error.message, error.extra)


LOGGED_OUT = "You are logged out. Log in again (in another tab, to keep what you typed here), then try again."


def handle_csrf_error(error):
    """A stale or missing CSRF token. Under /api/ the answer carries
    ``"code": "csrf"`` so the page can fetch a fresh token and retry once;
    when the session has ended, it is a 401 saying so."""
    if not wants_json():
        # Back (not reload) brings the form again with what was typed in it.
        return render_error(400, "Your form expired; go back and send it again. "
                                 "(If it still fails, reload that page first.)")
    if session.get("user_id") is None:
        return jsonify(error=LOGGED_OUT, code="logged_out"), 401
    return jsonify(error=f"{error.description} Reload the page and try again.", code="csrf"), 400


def handle_http_exception(error):
    message = _MESSAGES.get(error.code) or error.description or error.name
    return render_error(error.code, message)


def handle_unexpected(error):
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    from flask import current_app

    current_app.logger.exception("Unhandled error")
    return render_error(500, InternalServerError.description)


def init_app(app):
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
