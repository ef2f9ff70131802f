"""The HTML forms, one FlaskForm per screen (Flask-WTF adds the CSRF token)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .urls import is_http_url

MAX_TITLE = 300


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class ArticleForm(FlaskForm):
    """A new article: pasted text or an uploaded .txt file, one of the two."""

    title = StringField("Title", validators=[Length(max=MAX_TITLE)])
    url = StringField(
        "Source URL",
        validators=[Optional(), Length(max=2000)],
    )
    text = TextAreaField("Paste the article text")
    file = FileField("…or upload a .txt file", validators=[FileAllowed(["txt"], "Only .txt files can be uploaded.")])

    def validate_url(self, field):
        if field.data and not is_http_url(field.data.strip()):
            raise ValidationError("Give a full address starting with http:// or https://, or leave it empty.")

    def validate_text(self, field):
        has_text = bool(field.data and field.data.strip())
        has_file = bool(self.file.data and getattr(self.file.data, "filename", ""))
        if has_text == has_file:
            raise ValidationError("Paste the text or upload a .txt file (one of the two).")


class EditTextForm(FlaskForm):
    """A new revision of an article's text."""

    text = TextAreaField("Text", validators=[DataRequired(message="The article needs some text.")])
