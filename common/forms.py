"""Form pieces shared by the apps' admin forms."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin import display
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

# "Label in French", "Name in English": how a text field is named for one language of the site.
IN_LANGUAGE = {"fr": _("in French"), "en": _("in English")}


def localised_model_form(text: str, by_language: str, verbose_name, max_length: int = 200) -> type[forms.ModelForm]:
    """A base model form for a text kept in the edition's language (``label``, ``name``) and in every language
    of the site in a JSON field (``labels``, ``names``: {"fr": …, "en": …}, issue 19).

    It declares one optional field per language of the site ("Label in French", "Label in English"; declared,
    so that the admin shows them). The field of the edition's language and the text in the edition's language
    stay one: either may be edited (the other follows), both left differing is refused at the field; with only
    the languages' fields filled, the text in the edition's language is taken from its language's field. The
    form needs the edition (a field ``edition``, which an inline fills with its parent, or the instance's)."""
    attrs: dict = {"localised_fields": (text, by_language), "__module__": __name__}
    for code, _name in settings.LANGUAGES:
        label = _in_language(verbose_name, code)
        attrs[f"{by_language}_{code}"] = forms.CharField(
            label=label,
            required=False,
            max_length=max_length,
            # A tabular inline's column header is the field's only label.
            widget=forms.TextInput(attrs={"aria-label": label}),
        )
    return type("LocalisedTextForm", (LocalisedTextFormMixin, forms.ModelForm), attrs)


def _in_language(verbose_name, code: str):
    return format_lazy("{field} {language}", field=capfirst(verbose_name), language=IN_LANGUAGE.get(code, code))


def localised_read_only(by_language: str, verbose_name) -> type:
    """A base for the admin (or inline) whose form is a localised_model_form: on a read-only page (a frozen
    edition's) Django drops the form's declared fields and looks each one up on the admin, so this shows
    « Nom en français » with its text (or the admin's empty value, « - ») instead of « Names fr » and None."""
    attrs: dict = {"__module__": __name__}
    for code, _name in settings.LANGUAGES:

        def text_in(self, obj, code=code):
            return (getattr(obj, by_language, None) or {}).get(code) or self.get_empty_value_display()

        attrs[f"{by_language}_{code}"] = display(description=_in_language(verbose_name, code))(text_in)
    return type("LocalisedReadOnly", (), attrs)


class LocalisedTextFormMixin:
    """The behaviour of localised_model_form's forms."""

    localised_fields: tuple[str, str] = ("label", "labels")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text, by_language = self.localised_fields
        if text in self.fields:
            self.fields[text].required = False  # either the text or its language's field (clean)
            self.fields[text].help_text = _("In the edition's language (or give it below in that language).")
        known = getattr(self.instance, by_language) or {}
        for code, _name in settings.LANGUAGES:
            self.fields[f"{by_language}_{code}"].initial = known.get(code, "")

    def _edition_language(self) -> str | None:
        edition = self.cleaned_data.get("edition")
        if edition is None and getattr(self.instance, "edition_id", None):
            edition = self.instance.edition
        return edition.language if edition is not None else None

    def _verbose(self, text: str):
        return capfirst(self.instance._meta.get_field(text).verbose_name)

    def clean(self):
        cleaned = super().clean()
        text, by_language = self.localised_fields
        language = self._edition_language()
        values = {code: (cleaned.get(f"{by_language}_{code}") or "").strip() for code, _n in settings.LANGUAGES}
        base = (cleaned.get(text) or "").strip()
        own_field = f"{by_language}_{language}"
        own = values.get(language, "")
        if own and base and own != base:
            if text in self.changed_data and own_field not in self.changed_data:
                own = base  # the text was edited: its language's field follows
            elif own_field in self.changed_data and text not in self.changed_data:
                base = own
            else:
                self.add_error(
                    own_field,
                    _("This is the edition's language: give the same text as “%(field)s” or leave it empty.")
                    % {"field": self._verbose(text)},
                )
                return cleaned
        base = base or own
        if not base:
            self.add_error(text, _("Give it at least in the edition's language."))
            return cleaned
        cleaned[text] = base
        if language in values:
            values[language] = base
        setattr(self.instance, by_language, {code: value for code, value in values.items() if value})
        return cleaned
