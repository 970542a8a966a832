"""The organiser administration of editions, categories, brands, entries and brand members.

Saves and actions go through election.services so that a change of an input of the
rankings (settings, entry status) is signalled exactly as anywhere else.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import TitledAdmin, count_column

from . import selectors, services
from .channels import CHANNELS, Channel
from .forms import CategoryChoiceField, CategoryForm, CategoryNamesReadOnly, EntryStatusActionForm
from .models import SETTING_FIELDS, Brand, BrandMembership, Category, Edition, Entry

# The organisers' administration carries the competition's name rather than Django's.
admin.site.site_header = _("Customer Service of the Year — administration")
admin.site.site_title = _("Customer Service of the Year")
admin.site.index_title = _("Competition administration")


def _changelist_link(model: str, query: str, label) -> str:
    url = reverse(f"admin:election_{model}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, query, label)


FROZEN_READ_ONLY = _(
    "The results of this edition are frozen (published): its settings, categories and entries are shown "
    "read-only, and nothing that a published result or a stable address depends on can be deleted."
)


def edition_of(obj) -> Edition | None:
    """The edition an object of this admin belongs to (an edition, a category or an entry)."""
    if obj is None:
        return None
    if isinstance(obj, Edition):
        return obj
    if isinstance(obj, Category):
        return obj.edition
    if isinstance(obj, Entry):
        return obj.category.edition
    return None


def is_frozen(obj) -> bool:
    """The one "frozen" predicate of the admin: the object's edition is frozen (``Edition.is_frozen``,
    the same ``frozen_at`` the services refuse changes on)."""
    edition = edition_of(obj)
    return edition is not None and edition.is_frozen


class FrozenReadOnlyMixin(TitledAdmin):
    """A frozen edition's objects are shown, never changed or deleted, in the admin: the change form
    turns into a read-only page (inlines included) with a banner saying why, the Delete link goes, and
    a bulk deletion that touches one is refused."""

    change_form_template = "admin/election/frozen_change_form.html"

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not is_frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not is_frozen(obj)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A bulk deletion checks no object permission: name the frozen rows as protected, so nothing is deleted.
        frozen = [obj for obj in objs if is_frozen(obj)]
        if frozen:
            protected = list(protected) + [
                format_html("{}: {}", obj._meta.verbose_name.capitalize(), obj) for obj in frozen
            ]
        return deleted, model_count, perms_needed, protected

    # Titles written whole (TitledAdmin): « Modification de l'édition », not « Modification de édition ».
    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["frozen_notice"] = FROZEN_READ_ONLY if is_frozen(obj) else None
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


def _innermost(widget):
    """The widget a RelatedFieldWidgetWrapper (add/change links) wraps, or the widget itself."""
    return getattr(widget, "widget", widget)


class NamedInputsMixin:
    """Every input carries an accessible name (issue 18: axe found unlabelled fields): the date and
    time halves of a date-time field, and, in a tabular inline whose column header is the only label,
    every field (``name_every_field``)."""

    name_every_field = False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is None:
            return formfield
        label = capfirst(db_field.verbose_name)
        widget = _innermost(formfield.widget)
        if isinstance(widget, forms.SplitDateTimeWidget):
            date, time = widget.widgets
            date.attrs["aria-label"] = format_lazy(_("{field} (date)"), field=label)
            time.attrs["aria-label"] = format_lazy(_("{field} (time)"), field=label)
        elif self.name_every_field:
            widget.attrs["aria-label"] = label
        return formfield


class NamedDeleteFormSet(BaseInlineFormSet):
    """An inline formset whose "delete" boxes carry an accessible name (their column header is the only label)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = _("Delete")


class EditionStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open")),
            ("frozen", _("Frozen, not yet public")),
            ("published", _("Published")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "open":
            return queryset.filter(frozen_at__isnull=True)
        if self.value() == "frozen":
            return queryset.filter(frozen_at__isnull=False).exclude(published_at__lte=now)
        if self.value() == "published":
            return queryset.filter(published_at__lte=now)
        return queryset


class CategoryInline(CategoryNamesReadOnly, NamedInputsMixin, admin.TabularInline):
    model = Category
    formset = NamedDeleteFormSet
    name_every_field = True
    form = CategoryForm
    fields = ["name", "names_fr", "names_en", "slug", "entries_link"]
    readonly_fields = ["entries_link"]
    prepopulated_fields = {"slug": ("name",)}
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return selectors.categories_with_counts()

    @admin.display(description=_("entries"))
    def entries_link(self, obj: Category) -> str:
        if not obj.pk:
            return "—"
        return _changelist_link("entry", f"category__id__exact={obj.pk}", getattr(obj, "n_entries", "…"))


class EntryColumnsMixin:
    """List columns for any admin whose rows belong to an entry (``obj.entry``): its brand and category."""

    @admin.display(description=_("brand"), ordering="entry__brand__name")
    def brand(self, obj) -> str:
        return obj.entry.brand.name

    @admin.display(description=_("category"), ordering="entry__category__name")
    def category(self, obj) -> str:
        return obj.entry.category.reader_name


def _channel_labels(prefix: str, template) -> dict:
    """``{"quota_phone": "Quota: Phone", ...}``: settings labelled with the channel's name, not its code."""
    return {f"{prefix}_{c}": capfirst(format_lazy(template, channel=Channel(c).label)) for c in CHANNELS}


class EditionForm(forms.ModelForm):
    class Meta:
        model = Edition
        fields = list(SETTING_FIELDS)  # the admin's fieldsets decide the form's fields
        # Decimal settings in the reader's notation (« 12,00 » in French), read back the same way.
        localized_fields = ("threshold", "completion", "max_shopper_share")
        # Also the labels of the read-only page of a frozen edition (AdminReadonlyField reads Meta.labels).
        labels = {
            **_channel_labels("quota", _("quota: {channel}")),
            **_channel_labels("weight", _("weight: {channel}")),
        }


@admin.register(Edition)
class EditionAdmin(NamedInputsMixin, FrozenReadOnlyMixin, admin.ModelAdmin):
    form = EditionForm
    titles = {"add": _("Add an edition"), "change": _("Change the edition"), "view": _("View the edition")}
    list_display = [
        "name",
        "country",
        "year",
        "language",
        "state",
        "categories_link",
        "n_entries_display",
        "season",
        "palmares_link",
    ]
    list_display_links = ["name"]
    list_filter = [EditionStateFilter, "country", "year", "language"]
    search_fields = ["name", "country"]
    ordering = ["-year", "country"]
    inlines = [CategoryInline]
    raw_id_fields = ["auditor"]
    readonly_fields = ["state", "palmares_link", "frozen_at", "published_at", "created_at", "updated_at"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["name", ("country", "year"), ("language", "time_zone")]}),
        (
            _("Season"),
            {
                "fields": [
                    ("registration_opens_on", "registration_closes_on"),
                    ("tests_start_on", "tests_end_on"),
                    ("results_released_at", "appeals_close_at"),
                    "ceremony_at",
                ]
            },
        ),
        (
            _("Rules (METHODOLOGY §2)"),
            {
                "description": _(
                    "These settings decide the results: they can no longer change once the edition is frozen."
                ),
                "fields": [
                    ("threshold", "min_entrants", "completion"),
                    tuple(f"quota_{c}" for c in CHANNELS),
                    tuple(f"weight_{c}" for c in CHANNELS),
                ],
            },
        ),
        (
            _("Fieldwork"),
            {
                "description": _(
                    "How the agencies spread their tests (their fieldwork plan, the balance achieved); never a score."
                ),
                "fields": ["slots", "scenarios", "max_shopper_share"],
            },
        ),
        (_("Audit"), {"fields": [("auditor", "auditor_name"), "audit_required"]}),
        (
            _("Publication"),
            {"fields": [("state", "palmares_link"), ("frozen_at", "published_at"), ("created_at", "updated_at")]},
        ),
    ]

    def get_queryset(self, request):
        return selectors.editions_with_counts()

    @admin.display(description=_("state"))
    def state(self, obj: Edition) -> str:
        if obj.is_published:
            return _("Published")
        if obj.is_frozen:
            return _("Frozen, not yet public")
        return _("Open")

    @admin.display(description=_("public palmarès"))
    def palmares_link(self, obj: Edition) -> str:
        if not obj.pk or not obj.is_published:
            return "—"
        url = f"/palmares/{obj.country.lower()}/{obj.year}/"  # a stable address (API.md "Stable page addresses")
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description=_("categories"), ordering="n_categories")
    def categories_link(self, obj: Edition) -> str:
        return _changelist_link("category", f"edition__id__exact={obj.pk}", obj.n_categories)

    @admin.display(description=_("registered entries"), ordering="n_entries")
    def n_entries_display(self, obj: Edition) -> str:
        query = f"category__edition__id__exact={obj.pk}&status__exact=registered"
        return _changelist_link("entry", query, obj.n_entries)

    @admin.display(description=_("tests"))
    def season(self, obj: Edition) -> str:
        if obj.tests_start_on and obj.tests_end_on:
            return f"{obj.tests_start_on:%d/%m/%Y} – {obj.tests_end_on:%d/%m/%Y}"
        return "—"

    def save_model(self, request, obj, form, change):
        services.edition_save(edition=obj, changed_fields=form.changed_data)


FROZEN_CATEGORIES = _("The results of this edition are frozen (published): its categories can no longer change.")
FROZEN_ENTRIES = _("The results of this edition are frozen (published): its entries can no longer change.")


class EntryInlineFormSet(NamedDeleteFormSet):
    def clean(self):
        super().clean()
        edition = self.instance.edition if self.instance.edition_id else None
        if edition is None or not edition.is_frozen:
            return
        for form in self.forms:
            touched = {"brand", "status"} & set(form.changed_data)
            if form.instance.pk is None and form.has_changed() or touched or form in self.deleted_forms:
                raise ValidationError(FROZEN_ENTRIES)


class EntryInline(NamedInputsMixin, admin.TabularInline):
    model = Entry
    name_every_field = True
    formset = EntryInlineFormSet
    fields = ["brand", "status", "status_reason"]
    autocomplete_fields = ["brand"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("brand")


@admin.register(Category)
class CategoryAdmin(CategoryNamesReadOnly, FrozenReadOnlyMixin, admin.ModelAdmin):
    titles = {"add": _("Add a category"), "change": _("Change the category"), "view": _("View the category")}
    list_display = ["name", "slug", "edition", "entries_link", "n_registered"]
    list_filter = ["edition"]
    list_select_related = ["edition"]
    search_fields = ["name", "slug", "edition__name"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["edition"]
    inlines = [EntryInline]
    form = CategoryForm
    fields = ["edition", "name", "names_fr", "names_en", "slug", "description"]

    def get_queryset(self, request):
        return selectors.categories_with_counts()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        base_clean = form.clean

        def clean(form_self):
            # A new category in a frozen edition would change a decided palmarès: refuse it clearly.
            cleaned = base_clean(form_self)
            edition = cleaned.get("edition")
            if edition is not None and edition.is_frozen and (obj is None or "edition" in form_self.changed_data):
                raise ValidationError(FROZEN_CATEGORIES)
            return cleaned

        form.clean = clean
        return form

    @admin.display(description=_("entries"), ordering="n_entries")
    def entries_link(self, obj: Category) -> str:
        return _changelist_link("entry", f"category__id__exact={obj.pk}", obj.n_entries)

    n_registered = count_column("n_registered", _("registered"))

    def save_formset(self, request, form, formset, change):
        if formset.model is not Entry:
            return super().save_formset(request, form, formset, change)
        # Entries go through the service so that the rankings learn about them.
        formset.save(commit=False)
        for entry in formset.deleted_objects:
            entry.delete()
        for entry in formset.new_objects:
            services.entry_save(entry=entry, changed_fields=["brand", "status"])
        for entry, changed in formset.changed_objects:
            services.entry_save(entry=entry, changed_fields=changed)


class MembershipInline(admin.TabularInline):
    """The accounts of a brand or an agency, listed on its page: who, since when."""

    fields = ["user", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0


class BrandMembershipInline(NamedInputsMixin, MembershipInline):
    model = BrandMembership
    formset = NamedDeleteFormSet
    name_every_field = True
    autocomplete_fields = ["user"]


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "website", "entries_link", "n_members"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}
    fields = ["name", "slug", "website", "logo"]
    inlines = [BrandMembershipInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return selectors.brands_with_counts()

    def _published(self, obj: Brand | None) -> bool:
        """The brand competes in a frozen edition: its slug is in a published address (/palmares/brands/<slug>/)."""
        if obj is None or obj.pk is None:
            return False
        if not hasattr(obj, "_in_frozen_edition"):
            obj._in_frozen_edition = obj.entries.filter(category__edition__frozen_at__isnull=False).exists()
        return obj._in_frozen_edition

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "slug"] if self._published(obj) else readonly

    def get_prepopulated_fields(self, request, obj=None):
        return {} if self._published(obj) else super().get_prepopulated_fields(request, obj)

    @admin.display(description=_("entries"), ordering="n_entries")
    def entries_link(self, obj: Brand) -> str:
        return _changelist_link("entry", f"brand__id__exact={obj.pk}", obj.n_entries)

    n_members = count_column("n_members", _("members"))


@admin.register(Entry)
class EntryAdmin(FrozenReadOnlyMixin, admin.ModelAdmin):
    titles = {"add": _("Add an entry"), "change": _("Change the entry"), "view": _("View the entry")}
    list_display = ["brand", "category", "edition", "status", "status_reason", "updated_at"]
    list_display_links = ["brand", "category"]
    list_filter = ["status", "category__edition"]
    search_fields = ["brand__name", "brand__slug", "category__name", "category__slug"]
    # Native selects: Django's autocomplete box has no accessible name while empty (axe, the add form).
    fields = ["category", "brand", "status", "status_reason"]
    action_form = EntryStatusActionForm
    actions = ["withdraw", "disqualify", "reinstate"]

    def get_queryset(self, request):
        return selectors.entries_listed()

    @admin.display(description=_("edition"), ordering="category__edition")
    def edition(self, obj: Entry) -> Edition:
        return obj.category.edition

    def save_model(self, request, obj, form, change):
        services.entry_save(entry=obj, changed_fields=form.changed_data)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Categories named with their edition (every edition has its « Banque en ligne »), open ones only.
        if db_field.name == "category":
            kwargs.update(form_class=CategoryChoiceField, queryset=selectors.categories_to_enter())
        elif db_field.name == "brand":
            kwargs["queryset"] = Brand.objects.order_by("name", "pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "category" in form.base_fields:
            # An entry moves only between the categories of its own edition.
            field = form.base_fields["category"]
            field.queryset = selectors.categories_to_enter(edition_id=obj.category.edition_id)
        # A frozen edition's entries are part of a decided result: refuse the change with a clear message.
        base_clean = form.clean

        def clean(form_self):
            cleaned = base_clean(form_self)
            category = cleaned.get("category")
            touched = {"category", "brand", "status"} & set(form_self.changed_data)
            if category is not None and category.edition.is_frozen and (obj is None or touched):
                raise ValidationError(FROZEN_ENTRIES)
            return cleaned

        form.clean = clean
        return form

    def _set_status(self, request, queryset: QuerySet[Entry], status: str) -> None:
        reason = request.POST.get("reason", "").strip()
        try:
            n = services.entries_set_status(entries=list(queryset), status=status, reason=reason)
        except services.EditionFrozen as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        label = Entry.Status(status).label
        self.message_user(
            request,
            ngettext("%(n)d entry set to “%(status)s”.", "%(n)d entries set to “%(status)s”.", n)
            % {"n": n, "status": label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Withdraw the selected entries"))
    def withdraw(self, request, queryset):
        self._set_status(request, queryset, Entry.Status.WITHDRAWN)

    @admin.action(description=_("Disqualify the selected entries"))
    def disqualify(self, request, queryset):
        self._set_status(request, queryset, Entry.Status.DISQUALIFIED)

    @admin.action(description=_("Register the selected entries again"))
    def reinstate(self, request, queryset):
        self._set_status(request, queryset, Entry.Status.REGISTERED)


@admin.register(BrandMembership)
class BrandMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "user_email", "brand", "created_at"]
    list_select_related = ["user", "brand"]
    list_filter = ["brand"]
    search_fields = ["user__username", "user__email", "brand__name", "brand__slug"]
    autocomplete_fields = ["user", "brand"]

    @admin.display(description=_("e-mail"), ordering="user__email")
    def user_email(self, obj: BrandMembership) -> str:
        return obj.user.email
