"""Forms of the organiser admin."""

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext_lazy as _


class EntryStatusActionForm(ActionForm):
    """The entries list's action bar, with the reason recorded by a status change."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 40, "placeholder": _("Reason (kept with the entry)")}),
    )
