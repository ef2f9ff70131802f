"""The HTML forms, one FlaskForm per screen (Flask-WTF adds the CSRF token)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

MAX_TITLE = 300


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class ArticleForm(FlaskForm):
    """A new article: pasted text or an uploaded .txt file, one of the two."""

    title = StringField("Title", validators=[DataRequired(), Length(max=MAX_TITLE)])
    url = StringField(
        "Source URL",
        validators=[Optional(), Length(max=2000), URL(message="Give a full http(s) address, or leave it empty.")],
    )
    text = TextAreaField("Paste the article text")
    file = FileField("…or upload a .txt file", validators=[FileAllowed(["txt"], "Only .txt files can be uploaded.")])

    def validate_url(self, field):
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError("The source URL must start with http:// or https://.")

    def validate_text(self, field):
        has_text = bool(field.data and field.data.strip())
        has_file = bool(self.file.data and getattr(self.file.data, "filename", ""))
        if has_text == has_file:
            raise ValidationError("Paste the text or upload a .txt file (one of the two).")
