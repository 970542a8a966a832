from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from palmares.audit.services import MAX_NONCE_LENGTH
from palmares.models import AuditCheck


class DrawForm(forms.Form):
    rate = forms.DecimalField(
        label=_("Sampling rate"),
        min_value=Decimal("0.0001"),
        max_value=Decimal("1"),
        max_digits=5,
        decimal_places=4,
        initial=Decimal("0.05"),
        localize=True,  # a French auditor types 0,05
        help_text=_("Share of each category's counted tests, e.g. 0.05 for 5 % (at least one test per category)."),
    )
    nonce = forms.CharField(
        label=_("Your nonce"),
        max_length=MAX_NONCE_LENGTH,
        strip=False,
        help_text=_(
            "Any text of your choosing, unknown to the organisers until now: with the tree hash it seeds the draw."
        ),
    )


class CheckForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(AuditCheck.Outcome.VERIFIED, _("Verified")), (AuditCheck.Outcome.DISCREPANCY, _("Discrepancy"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=pgettext_lazy("an auditor's remark", "Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == AuditCheck.Outcome.DISCREPANCY and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Describe the discrepancy in a note."))
        return cleaned


class RedrawForm(forms.Form):
    rate = DrawForm.base_fields["rate"]
    nonce = forms.CharField(
        label=_("A new nonce"),
        max_length=MAX_NONCE_LENGTH,
        strip=False,
        help_text=_("Not one used before for this edition: with the current tree hash it seeds the new draw."),
    )


class SignOffForm(forms.Form):
    """Signing off; when tests changed since the draw, only knowingly (``acknowledge`` ticked)."""

    acknowledge = forms.BooleanField(
        label=_("I sign off knowing that tests changed since the draw: my sign-off covers the tests as they are now."),
        required=False,
    )

    def __init__(self, *args, changed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.changed = changed
        if not changed:
            del self.fields["acknowledge"]

    def clean(self):
        cleaned = super().clean()
        if self.changed and not cleaned.get("acknowledge"):
            self.add_error("acknowledge", _("Tick this box to sign off despite the changes, or redraw the sample."))
        return cleaned
