"""The HTML forms, one FlaskForm per screen (Flask-WTF adds the CSRF token)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (BooleanField, ColorField, DateField, HiddenField, IntegerField, PasswordField, RadioField,
                     SelectField, StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (AnyOf, DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional,
                                Regexp, ValidationError)
from wtforms.widgets import HiddenInput

from .db import ROLES
from .urls import is_http_url

MAX_TITLE = 300


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


UPLOAD_TYPES = ["txt", "html", "htm", "md", "markdown"]


class ArticleForm(FlaskForm):
    """A new article: pasted text, an uploaded file or a web address, one of the three."""

    title = StringField("Title", validators=[Length(max=MAX_TITLE)])
    url = StringField(
        "Source URL",
        validators=[Optional(), Length(max=2000)],
    )
    text = TextAreaField("Paste the article text")
    file = FileField(
        "…or upload a file (.txt, .html, .md)",
        validators=[FileAllowed(UPLOAD_TYPES, "Only .txt, .html, .htm, .md and .markdown files can be uploaded.")],
    )
    fetch = StringField("…or import from a web address", validators=[Optional(), Length(max=2000)])

    def validate_url(self, field):
        if field.data and not is_http_url(field.data.strip()):
            raise ValidationError("Give a full address starting with http:// or https://, or leave it empty.")

    def validate_fetch(self, field):
        if field.data and not is_http_url(field.data.strip()):
            raise ValidationError("Give the article's full address, starting with http:// or https://.")

    def validate_text(self, field):
        given = [
            bool(field.data and field.data.strip()),
            bool(self.file.data and getattr(self.file.data, "filename", "")),
            bool(self.fetch.data and self.fetch.data.strip()),
        ]
        if sum(given) != 1:
            raise ValidationError("Paste the text, upload a file or give a web address (one of the three).")


class EditTextForm(FlaskForm):
    """A new revision of an article's text."""

    text = TextAreaField("Text", validators=[DataRequired(message="The article needs some text.")])
    base_revision = IntegerField(widget=HiddenInput(), validators=[Optional()])


class RestoreForm(FlaskForm):
    """Undo the delete of an annotation; ``back`` is the page to return to."""

    back = HiddenField(default="annotation", validators=[AnyOf(("annotation", "deleted"))])


class QueueFilterForm(FlaskForm):
    """The review queue's filters: a GET form, so no CSRF token. The choices
    (with their counts) are set by the view; ``queue.parse_filters`` checks
    the values, with the same messages as the API."""

    class Meta:
        csrf = False

    article = SelectField("Article", validate_choice=False)
    author = SelectField("Author", validate_choice=False)
    kind = SelectField("Kind", validate_choice=False)
    verdict = SelectField("Verdict", validate_choice=False)
    status = SelectField("Status", validate_choice=False)


_NO_CLAIMS = "The conflict's claims are missing from the form; reload the page."


class ResolveConflictForm(FlaskForm):
    """An editor's final verdict on one conflict; its claims go as "3,7,12".
    The verdict choices (the scale) are set by the view."""

    claim_ids = StringField(widget=HiddenInput(), validators=[
        DataRequired(message=_NO_CLAIMS), Length(max=20_000),
        Regexp(r"^[1-9][0-9]{0,18}(,[1-9][0-9]{0,18})*$", message=_NO_CLAIMS),
    ])
    final_verdict = RadioField("Final verdict", validators=[InputRequired(message="Choose the final verdict.")],
                               validate_choice=False)  # resolve_conflict checks it against the scale
    note = TextAreaField("Note", validators=[Length(max=20_000)])

    claim_versions = StringField(widget=HiddenInput(), validators=[
        Optional(), Length(max=40_000), Regexp(r"^[0-9]{1,19}:[0-9]{1,19}(,[0-9]{1,19}:[0-9]{1,19})*$", message=_NO_CLAIMS),
    ])

    def ids(self):
        """The claim ids, as a list of int."""
        return [int(i) for i in self.claim_ids.data.split(",")]

    def versions(self):
        """{claim id: the version the page showed}, or None when the form has none."""
        if not self.claim_versions.data:
            return None
        return dict(tuple(int(n) for n in pair.split(":")) for pair in self.claim_versions.data.split(","))


# Admin screens. Content rules (username characters, password length, slug and
# colour formats, taken names) live in auth and scale, which the command line
# shares; a view shows their errors on the form.

ROLE_CHOICES = list(ROLES)  # shown as stored, as the command line takes them


class NewUserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(message="Give the new user a username.")])
    password = PasswordField("Password", validators=[DataRequired(message="Give the new user a password.")])
    role = SelectField("Role", choices=ROLE_CHOICES, default="reviewer", validate_choice=False)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validate_choice=False)


class PasswordForm(FlaskForm):
    """An admin sets a user's new password (typed twice, told to them in person)."""

    password = PasswordField("New password", validators=[DataRequired(message="Type the new password.")])
    confirm = PasswordField("Repeat the new password",
                            validators=[EqualTo("password", message="The two passwords differ; type them again.")])


class ButtonForm(FlaskForm):
    """A form that is only a button and its CSRF token (deactivate, delete...)."""


_RATING = "A rating is a whole number from 1 (the worst verdict) to 100, or empty for none."


class VerdictForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the verdict a name, such as half-true.")])
    label = StringField("Label", validators=[DataRequired(message="Give the verdict a label, such as Half true.")])
    colour = ColorField("Colour", default="#607d8b")
    rating = IntegerField("Rating", validators=[Optional(), NumberRange(1, 100, message=_RATING)])


class VerdictEditForm(FlaskForm):
    label = StringField("Label", validators=[DataRequired(message="A verdict needs a label.")])
    colour = ColorField("Colour")
    rating = IntegerField("Rating", validators=[Optional(), NumberRange(1, 100, message=_RATING)])


class MoveForm(FlaskForm):
    direction = StringField()  # "up" or "down", from the button pressed


#: The export formats a person can pick: (name as in export.FORMATS, label, what it is for).
EXPORT_FORMATS = [
    ("csv", "CSV", "One annotation per row, for spreadsheets."),
    ("reviews", "Reviews as CSV", "One review per row, with the annotation it is about."),
    ("jsonl", "JSON Lines", "One annotation per line with every field and its reviews, for data pipelines."),
    ("w3c", "W3C Web Annotation", "JSON-LD per the W3C model, reviews as replies, for annotation tools and research."),
    ("claimreview", "schema.org ClaimReview", "Claims with their ratings as JSON-LD, for publishing fact-checks."),
    ("corrected", "Corrected text", "One article's text with its accepted corrections applied, as plain text."),
]


class ExportForm(FlaskForm):
    """What to export: a format, one article or all, and the filters. It is
    sent by GET and changes nothing, so it carries no CSRF token. The view
    fills the choices of the select fields from the database."""

    class Meta:
        csrf = False

    format = RadioField("Format", choices=[SelectChoice(name, label) for name, label, _ in EXPORT_FORMATS],
                        default="csv")
    # "" is "any": a filter left out of the query is not a wrong choice.
    article = SelectField("Article", default="")
    author = SelectField("Annotator", default="")
    kind = SelectField("Kind", default="")
    verdict = SelectField("Verdict", default="")
    status = SelectField("Status", default="")
    since = DateField("Made on or after", validators=[Optional()])
    until = DateField("Made on or before", validators=[Optional()])
    bom = BooleanField("Start with a byte order mark, so that Excel reads accents right (CSV only)", default=True)

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("This day is before the first one; nothing would match.")


class ImportAnnotationsForm(FlaskForm):
    """Annotations to bring into an article: one of our export files."""

    file = FileField("Export file (.csv, .jsonl, .jsonld)", validators=[FileRequired("Choose the file to import.")])
    format = SelectField("Format", default="", choices=[
        SelectChoice(value, label) for value, label in (("", "From the file's name"), ("csv", "CSV"),
                                                        ("jsonl", "JSON Lines"), ("w3c", "W3C Web Annotation JSON-LD"))])
