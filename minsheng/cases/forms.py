"""The fields the generic case pages post: a comment and the version the person saw. The action
or outcome is the button pressed (``name="action"`` / ``name="outcome"``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

COMMENT_MAX = 2000


class VersionForm(forms.Form):
    """Only the version of the record the person saw (a stale page is refused)."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def version_or_none(self) -> int | None:
        return self.cleaned_data.get("version") if self.is_valid() else None


class CommentForm(VersionForm):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
    )

    def __init__(self, *args, comment_label=None, comment_help=None, **kwargs):
        super().__init__(*args, **kwargs)
        if comment_label:
            self.fields["comment"].label = comment_label
        if comment_help:
            self.fields["comment"].help_text = comment_help

    def comment_text(self) -> str:
        """The comment typed, cut to the length the database keeps."""
        return (self.data.get("comment") or "")[:COMMENT_MAX]
