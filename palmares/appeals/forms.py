"""Forms of the appeal pages: shape and size only; every rule lives in palmares.appeals.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from palmares.appeals.services import ANSWER_MAX_CHARS, ATTACHMENT_TYPES, REASON_MAX_CHARS


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should this test not count?"),
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Facts the organisers can check: opening hours, the reply you sent and when, a ticket number."),
    )
    attachment = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("PDF, image (PNG, JPEG, WebP) or text file, 5 MB at most."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(ATTACHMENT_TYPES))}),
    )


class DecisionForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer to the brand"),
        max_length=ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("The brand reads it with the decision; an accepted appeal's answer is also the exclusion reason."),
    )


class AgencyAnswerForm(forms.Form):
    agency_answer = forms.CharField(
        label=_("The agency's answer"),
        max_length=ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Your version of the contact for the organisers (recording, notes, times)."),
    )
