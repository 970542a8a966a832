"""Forms of the appeal pages: shape and size only; every rule lives in palmares.appeals.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from palmares.appeals.services import ANSWER_MAX_CHARS, ATTACHMENT_TYPES, REASON_MAX_CHARS


def _text_box(label, max_length: int, help_text, **attrs) -> forms.CharField:
    """A free-text box of the appeal pages (``attrs``: the textarea's rows and cols)."""
    return forms.CharField(label=label, max_length=max_length, widget=forms.Textarea(attrs=attrs), help_text=help_text)


def _answer_box(label, help_text, **attrs) -> forms.CharField:
    """An answer to an appeal (the organisers' decision, the agency's version): four rows, one size limit."""
    return _text_box(label, ANSWER_MAX_CHARS, help_text, rows=4, **attrs)


class AppealForm(forms.Form):
    reason = _text_box(
        _("Why should this test not count?"),
        REASON_MAX_CHARS,
        _("Facts the organisers can check: opening hours, the reply you sent and when, a ticket number."),
        rows=6,
    )
    attachment = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("PDF, image (PNG, JPEG, WebP) or text file, 5 MB at most."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(ATTACHMENT_TYPES))}),
    )


class DecisionForm(forms.Form):
    answer = _answer_box(
        _("Answer to the brand"),
        _("The brand reads it with the decision; an accepted appeal's answer is also the exclusion reason."),
        cols=80,
    )


class AgencyAnswerForm(forms.Form):
    agency_answer = _answer_box(
        _("The agency's answer"), _("Your version of the contact for the organisers (recording, notes, times).")
    )
