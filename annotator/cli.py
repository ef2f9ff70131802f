"""The shape every ``flask --app annotator`` command shares."""

import functools

import click
from flask.cli import with_appcontext

from .errors import AppError


def command(name, **kwargs):
    """Declare a CLI command that runs inside the app context and reports an
    AppError (a bad file, a taken name, a locked database) as a one-line
    message with exit status 1, never a traceback."""

    def decorate(function):
        @functools.wraps(function)
        def run(*args, **options):
            try:
                return function(*args, **options)
            except AppError as e:
                raise click.ClickException(e.message)

        return click.command(name, **kwargs)(with_appcontext(run))

    return decorate
