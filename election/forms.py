"""Forms of the organiser admin."""

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.forms import localised_model_form, localised_read_only

from .models import Category


def category_label(category: Category) -> str:
    """A category as an organiser picks it: its name in the reader's language and its edition's country
    and year (« Banque en ligne — France 2027 »), since every edition has its own « Banque en ligne »."""
    edition = category.edition
    return f"{category.name_for(get_language())} — {edition.country_name} {edition.year}"


class CategoryChoiceField(forms.ModelChoiceField):
    """A category select whose options name their edition (category_label); give it a queryset with the edition."""

    def label_from_instance(self, obj: Category) -> str:
        return category_label(obj)


class EntryStatusActionForm(ActionForm):
    """The entries list's action bar, with the reason recorded by a status change."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 40, "placeholder": _("Reason (kept with the entry)")}),
    )


# The category's names by language on a frozen edition's read-only pages (a base of its admin and inline).
CategoryNamesReadOnly = localised_read_only("names", _("name"))


class CategoryForm(localised_model_form("name", "names", _("name"))):
    """A category's name in the edition's language, then in each language of the site (issue 19)."""

    class Meta:
        model = Category
        fields = ["edition", "name", "names_fr", "names_en", "slug", "description"]
