"""What the organisers' admin screens share across apps (no model is registered here)."""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst


class ChosenFilter(admin.SimpleListFilter):
    """A list filter by one chosen object (an edition, a category, an entry): ``lookup`` is the listed
    rows' field holding its id; subclasses give the title, parameter_name and lookups."""

    lookup = ""

    def queryset(self, request, queryset):
        return queryset.filter(**{self.lookup: self.value()}) if self.value() else queryset


class TitledAdmin:
    """Titles written whole: Django's "Change %s" % verbose_name reads "Modification de recours" in
    French, so a ModelAdmin gives its forms' titles in ``titles`` ({"add", "change", "view"}: "Change the
    appeal", « Modification du recours »); its list is titled by the model's plural name ("Appeals")
    rather than "Select appeal to change" (« Sélectionnez l'objet recours à changer »)."""

    titles: dict = {}

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        mode = "add" if add else ("change" if self.has_change_permission(request, obj) else "view")
        if mode in self.titles:
            context["title"] = self.titles[mode]
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def changelist_view(self, request, extra_context=None):
        title = capfirst(self.opts.verbose_name_plural)
        return super().changelist_view(request, {"title": title, **(extra_context or {})})


class ExtraPagesAdmin:
    """A ModelAdmin with pages of its own beside Django's: ``extra_pages`` lists (route, method name, URL
    name); each method is wrapped by the site's ``admin_view`` (staff login) and routed before the model's
    own URLs, so a route such as ``<int:pk>/progress/`` is not taken for an object's change page."""

    extra_pages: tuple[tuple[str, str, str], ...] = ()

    def get_urls(self):
        view = self.admin_site.admin_view
        own = [path(route, view(getattr(self, method)), name=name) for route, method, name in self.extra_pages]
        return own + super().get_urls()


def count_column(attribute: str, description):
    """A list column showing a count the queryset annotates as ``attribute``, sortable by it."""

    @admin.display(description=description, ordering=attribute)
    def column(self, obj) -> int:
        return getattr(obj, attribute)

    return column


def page_link(obj, url_name: str, label, *args) -> str:
    """A link to one of the admin's own pages about a saved ``obj`` (``args`` of its URL, else its pk);
    a dash while ``obj`` is being added."""
    if not obj.pk:
        return "—"
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=args or [obj.pk]), label)


class ReadOnlyAdmin:
    """Rows the platform writes itself (results from agencies, receipts, rankings, audits): the admin shows
    them and never adds, changes or deletes one. Put it before the ModelAdmin or InlineModelAdmin base."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def joined_links(*links: tuple) -> str:
    """An admin column's links joined by « · »: each ``(href, label)``, or ``(href, label, True)`` for one
    that opens in a new tab."""

    def link(href: str, label, new_tab: bool = False) -> str:
        if new_tab:
            return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', href, label)
        return format_html('<a href="{}">{}</a>', href, label)

    return format_html_join(" · ", "{}", ((link(*each),) for each in links))
