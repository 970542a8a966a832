"""The organiser administration of agencies, campaigns, grids, test results and file imports.

Results are read-only here except for the quality review: excluding and restoring go through
mystery_tests.review, grid changes through services.grid_recompute_scores, so the rankings hear
of every change exactly as they do from the API.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext, override
from django.utils.translation import gettext_lazy as _

from common.admin import ChosenFilter, ExtraPagesAdmin, ReadOnlyAdmin, TitledAdmin, count_column, page_link
from common.display import format_score
from common.forms import localised_model_form, localised_read_only
from election.admin import EntryColumnsMixin, MembershipInline
from election.channels import Channel
from election.forms import category_label
from election.models import Category, Edition, Entry

from . import exports, fieldwork, review, selectors, services
from .anomaly_flags import FieldworkFlagFilter, FieldworkFlagsColumn
from .calibration_admin import CalibrationRoundAdmin  # noqa: F401  (importing it registers its admin)
from .models import Agency, AgencyMembership, Campaign, Criterion, ImportJob, TestResult
from .progress import progress_table
from .provenance_admin import receipt_html  # importing it also registers the upload receipts' admin
from .review_admin import ScoreBandFilter, UnreachedWaitFilter, history_html, number_html, points_html


# -- agencies ---------------------------------------------------------------------------------
class AgencyMembershipInline(MembershipInline):
    model = AgencyMembership
    raw_id_fields = ["user"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contact_email", "n_members", "n_campaigns"]
    search_fields = ["name", "slug", "contact_email"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [AgencyMembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_members_count=Count("memberships", distinct=True), n_campaigns_count=Count("campaigns", distinct=True)
            )
        )

    n_members = count_column("n_members_count", _("members"))

    @admin.display(description=_("campaigns"), ordering="n_campaigns_count")
    def n_campaigns(self, obj: Agency) -> str:
        url = reverse("admin:mystery_tests_campaign_changelist")
        return format_html('<a href="{}?agency__id__exact={}">{}</a>', url, obj.pk, obj.n_campaigns_count)


# -- campaigns and their progress ---------------------------------------------------------------
@admin.register(Campaign)
class CampaignAdmin(ExtraPagesAdmin, admin.ModelAdmin):
    list_display = ["__str__", "edition", "agency", "starts_on", "ends_on", "status", "n_results", "progress_link"]
    list_filter = ["status", "edition", "agency"]
    list_select_related = ["edition", "agency"]
    search_fields = ["agency__name", "edition__name"]
    readonly_fields = ["progress_link", "balance_link", "created_at"]
    fields = [
        "edition",
        "agency",
        ("starts_on", "ends_on"),
        "status",
        "categories",
        ("progress_link", "balance_link"),
        "created_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_results_count=Count("results"))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Boxes to tick rather than Django's two-list selector (whose search icon carries an aria-label
        # axe refuses, and which is cramped on a tablet); each category named with its edition (category_label).
        if db_field.name == "categories":
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["queryset"] = Category.objects.select_related("edition").order_by("-edition__year", "name")
            formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
            formfield.label_from_instance = category_label
            return formfield
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    extra_pages = (
        ("<int:pk>/progress/", "progress_view", "mystery_tests_campaign_progress"),
        ("<int:pk>/balance/", "balance_view", "mystery_tests_campaign_balance"),
    )

    @admin.display(description=_("results"), ordering="n_results_count")
    def n_results(self, obj: Campaign) -> int:
        return getattr(obj, "n_results_count", 0)

    @admin.display(description=_("progress"))
    def progress_link(self, obj: Campaign) -> str:
        return page_link(obj, "admin:mystery_tests_campaign_progress", _("Progress against quotas"))

    @admin.display(description=_("fieldwork balance"))
    def balance_link(self, obj: Campaign) -> str:
        return page_link(obj, "admin:mystery_tests_campaign_balance", _("Balance of the fieldwork"))

    def balance_view(self, request, pk: int):
        """Issue 20: the balance actually achieved per entry and channel (tests per week, weekday, slot,
        scenario and shopper), with the entries that break the plan first."""
        campaign = self.get_object(request, str(pk))
        if campaign is None or not self.has_view_permission(request, campaign):
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(pk))
        found = fieldwork.campaign_balance(campaign)
        labels = fieldwork.balance_problem_labels()
        rows = []
        for line in found["lines"]:
            b = line["balance"]
            rows.append(
                {
                    "entry": line["entry"],
                    "channel": Channel(b.channel).label,
                    "total": b.total,
                    "weeks": [b.weeks.get(k, 0) for k in found["weeks"]],
                    "weekdays": [b.weekdays.get(d, 0) for d in range(7)],
                    "slots": [b.slots.get(s, 0) for s in found["slots"]],
                    "scenarios": [b.scenarios.get(s, 0) for s in found["scenarios"]],
                    "shoppers": sorted(b.shoppers.items(), key=lambda kv: (-kv[1], kv[0])),
                    "problems": [labels[p] for p in b.problems],
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": campaign,
            "campaign": campaign,
            "title": _("Fieldwork balance of %(campaign)s") % {"campaign": campaign},
            "rows": rows,
            "breaking": [r for r in rows if r["problems"]],
            "weeks": found["weeks"],
            "slots": found["slots"],
            "scenarios": found["scenarios"],
            "share": fieldwork.share_text(campaign.edition.max_shopper_share),
        }
        return TemplateResponse(request, "admin/mystery_tests/campaign/balance.html", context)

    def progress_view(self, request, pk: int):
        campaign = self.get_object(request, str(pk))
        if campaign is None or not self.has_view_permission(request, campaign):
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(pk))
        progress = progress_table(
            selectors.campaign_progress(campaign=campaign), campaign.edition.channels, campaign.edition.completion
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": campaign,
            "campaign": campaign,
            "title": _("Progress of %(campaign)s") % {"campaign": campaign},
            "channels": [Channel(c).label for c in campaign.edition.channels],  # names, not codes
            **progress,
        }
        return TemplateResponse(request, "admin/mystery_tests/campaign/progress.html", context)


# -- the grid ---------------------------------------------------------------------------------
class CriterionForm(localised_model_form("label", "labels", _("label"))):
    class Meta:
        model = Criterion
        # The label in the edition's language, then in each language of the site (issue 19).
        fields = ["edition", "channel", "code", "label", "labels_fr", "labels_en", "weight", "position"]

    def clean(self):
        cleaned = super().clean()
        edition = cleaned.get("edition") or (self.instance.edition if self.instance.pk else None)
        if edition is not None and edition.is_frozen:
            raise ValidationError(
                _("The results of this edition are frozen (published): its grid can no longer change.")
            )
        return cleaned


GRID_FIELDS = ("edition", "channel", "code", "weight")


@admin.register(Criterion)
class CriterionAdmin(localised_read_only("labels", _("label")), admin.ModelAdmin):
    form = CriterionForm
    list_display = ["code", "label_display", "channel", "weight", "position", "edition"]
    list_filter = ["edition", "channel"]
    list_select_related = ["edition"]
    search_fields = ["code", "label"]
    ordering = ["edition", "channel", "position", "id"]

    @admin.display(description=_("label"), ordering="label")
    def label_display(self, obj: Criterion) -> str:
        return obj.label_for(get_language())  # the reader's language, else the edition's

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and obj.edition.is_frozen)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.edition.is_frozen)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or any(f in form.changed_data for f in GRID_FIELDS):
            self._recompute(request, obj.edition)

    def delete_model(self, request, obj):
        edition = obj.edition
        super().delete_model(request, obj)
        self._recompute(request, edition)

    def delete_queryset(self, request, queryset):
        editions = {c.edition for c in queryset.select_related("edition")}
        frozen = [e for e in editions if e.is_frozen]
        if frozen:
            self.message_user(
                request,
                _("The grid of a frozen (published) edition can no longer change: nothing was deleted."),
                messages.ERROR,
            )
            return
        super().delete_queryset(request, queryset)
        for edition in editions:
            self._recompute(request, edition)

    def _recompute(self, request, edition) -> None:
        changed = services.grid_recompute_scores(edition=edition)
        self.message_user(
            request,
            ngettext(
                "The grid of %(edition)s changed: %(n)d stored test score was recomputed.",
                "The grid of %(edition)s changed: %(n)d stored test scores were recomputed.",
                changed,
            )
            % {"edition": edition, "n": changed},
            messages.SUCCESS,
        )


# -- test results and their review ---------------------------------------------------------------
class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text=_("Kept in each test's history, with your name and the time."),
    )


class EditionFilter(ChosenFilter):
    title = _("edition")
    parameter_name = "edition"
    lookup = "campaign__edition_id"

    def lookups(self, request, model_admin):
        return [(e.pk, str(e)) for e in Edition.objects.order_by("-year", "country")]


class CategoryFilter(ChosenFilter):
    """Categories of the chosen edition (all categories would be a very long list)."""

    title = _("category")
    parameter_name = "category"
    lookup = "entry__category_id"

    def lookups(self, request, model_admin):
        categories = Category.objects.select_related("edition").order_by("edition", "name")
        edition = request.GET.get("edition")
        if edition and edition.isdigit():
            categories = categories.filter(edition_id=edition)
        return [(c.pk, category_label(c)) for c in categories]


class EntryFilter(ChosenFilter):
    """Entries of the chosen category (or edition), named by brand and category in one query."""

    title = _("entry")
    parameter_name = "entry"
    lookup = "entry_id"

    def lookups(self, request, model_admin):
        entries = Entry.objects.select_related("brand", "category__edition").order_by(
            "category__edition", "category__name", "brand__name"
        )
        category, edition = request.GET.get("category", ""), request.GET.get("edition", "")
        if category.isdigit():
            entries = entries.filter(category_id=category)
        elif edition.isdigit():
            entries = entries.filter(category__edition_id=edition)
        return [(e.pk, f"{e.brand.name} — {e.category.reader_name} ({e.category.edition.year})") for e in entries]


@admin.register(TestResult)
class TestResultAdmin(TitledAdmin, ReadOnlyAdmin, FieldworkFlagsColumn, EntryColumnsMixin, admin.ModelAdmin):
    titles = {"change": _("Change the test result"), "view": _("View the test result")}
    list_display = [
        "external_id",
        "agency",
        "brand",
        "category",
        "channel",
        "performed_at",
        "reached",
        "score_display",
        "excluded",
        "version",
        "fieldwork_flags",
    ]
    list_filter = [
        EditionFilter,
        CategoryFilter,
        EntryFilter,
        "channel",
        "agency",
        ScoreBandFilter,
        UnreachedWaitFilter,
        FieldworkFlagFilter,
        "excluded",
    ]
    list_select_related = ["agency", "entry__brand", "entry__category"]
    search_fields = ["external_id", "entry__brand__name", "entry__brand__slug"]
    ordering = ["-id"]
    show_full_result_count = False
    actions = ["exclude_results", "restore_results", "export_results_csv", "export_results_xlsx"]
    change_form_template = "admin/mystery_tests/testresult/change_form.html"
    fieldsets = [
        (None, {"fields": ["external_id", "agency", "campaign", "entry", "channel", "performed_at", "version"]}),
        (
            _("Measure"),
            {"fields": ["reached", "wait_display", "response_display", "points_table", "score_display", "comment"]},
        ),
        (_("Review"), {"fields": ["excluded", "exclusion_reason", "excluded_at", "excluded_by"]}),
        (_("Record"), {"fields": ["created_at", "updated_at", "fingerprint"]}),
        (capfirst(_("history (replacements, exclusions, restores)")), {"fields": ["history_table"]}),
    ]
    readonly_fields = [
        "external_id",
        "agency",
        "campaign",
        "entry",
        "channel",
        "performed_at",
        "version",
        "reached",
        "wait_display",
        "response_display",
        "points_table",
        "score_display",
        "comment",
        "excluded",
        "exclusion_reason",
        "excluded_at",
        "excluded_by",
        "created_at",
        "updated_at",
        "fingerprint",
        "history_table",
    ]

    def get_queryset(self, request):
        # One select_related for every page: Django skips list_select_related when one is already set.
        return (
            super()
            .get_queryset(request)
            .select_related("agency", "entry__brand", "entry__category", "campaign__edition", "excluded_by")
        )

    # Results come from agencies only (ReadOnlyAdmin): the admin neither adds, edits nor deletes them.
    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("mystery_tests.change_testresult")

    @admin.display(description=_("score /20"), ordering="score")
    def score_display(self, obj: TestResult) -> str:
        return format_score(obj.score)

    @admin.display(description=_("waiting time (s)"))
    def wait_display(self, obj: TestResult) -> str:
        return number_html(obj.wait_seconds)

    @admin.display(description=_("response time (h)"))
    def response_display(self, obj: TestResult) -> str:
        return number_html(obj.response_hours)

    def _labels(self, obj: TestResult) -> dict[str, str]:
        if not hasattr(obj, "_criterion_labels"):
            obj._criterion_labels = selectors.criterion_labels(obj.campaign.edition_id, obj.channel)
        return obj._criterion_labels

    @admin.display(description=_("points"))
    def points_table(self, obj: TestResult) -> str:
        return points_html(obj.scores, self._labels(obj))

    @admin.display(description=_("events"))
    def history_table(self, obj: TestResult) -> str:
        return history_html(obj, self._labels(obj))

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            # Readable in the subtitle and the breadcrumbs (TestResult.__str__, "agency id:external id", is
            # kept: it is what the admin history records).
            context["subtitle"] = _("Test %(ref)s — %(brand)s, %(category)s, %(channel)s") % {
                "ref": obj.external_id,
                "brand": obj.entry.brand.name,
                "category": obj.entry.category.reader_name,
                "channel": obj.get_channel_display(),
            }
        context["can_review"] = self.has_review_permission(request)
        context["action_checkbox_name"] = ACTION_CHECKBOX_NAME
        context["changelist_url"] = reverse("admin:mystery_tests_testresult_changelist")
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    @admin.action(description=_("Export results (CSV)"), permissions=["view"])
    def export_results_csv(self, request, queryset):
        # Formula-looking cells are neutralised in exports.results_csv (agencies write comments and ids).
        response = HttpResponse(exports.results_csv(results=queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="test-results.csv"'
        return response

    @admin.action(description=_("Export results (XLSX)"), permissions=["view"])
    def export_results_xlsx(self, request, queryset):
        # Text cells are written as strings (never formulas) and neutralised like the CSV's.
        response = HttpResponse(
            exports.results_xlsx(results=queryset),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="test-results.xlsx"'
        return response

    @admin.action(description=_("Exclude the selected tests (with a reason)"), permissions=["review"])
    def exclude_results(self, request, queryset):
        return self._review(
            request,
            queryset.filter(excluded=False),
            form_class=ReasonForm,
            action="exclude_results",
            title=_("Exclude tests"),
            run=lambda ids, reason: review.results_exclude(result_ids=ids, user=request.user, reason=reason),
            logged=["excluded", "exclusion_reason"],
            done=lambda n: ngettext("%(n)d test excluded.", "%(n)d tests excluded.", n) % {"n": n},
            nothing=_("The selected tests are already excluded."),
        )

    @admin.action(description=_("Restore the selected excluded tests"), permissions=["review"])
    def restore_results(self, request, queryset):
        return self._review(
            request,
            queryset.filter(excluded=True),
            form_class=ReasonForm,
            action="restore_results",
            title=_("Restore tests"),
            run=lambda ids, reason: review.results_restore(result_ids=ids, user=request.user, reason=reason),
            logged=["excluded"],
            done=lambda n: ngettext("%(n)d test restored.", "%(n)d tests restored.", n) % {"n": n},
            nothing=_("None of the selected tests is excluded."),
        )

    def _review(self, request, queryset, *, form_class, action, title, run, done, nothing, logged):
        """The intermediate page of an action: asks the reason, then calls the review service."""
        if not queryset.exists():
            self.message_user(request, nothing, messages.WARNING)
            return None
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            ids = list(queryset.values_list("pk", flat=True))
            try:
                changed = run(ids, form.cleaned_data["reason"])
            except review.ReviewRefused as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            self._log(request, changed, logged)
            self.message_user(request, done(len(changed)), messages.SUCCESS)
            return None
        shown = list(queryset.select_related("agency", "entry__brand", "entry__category")[:50])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "results": shown,
            "count": queryset.count(),
            "action": action,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/mystery_tests/testresult/review.html", context)

    def _log(self, request, results: list[TestResult], fields: list[str]) -> None:
        """Each changed test in the admin's history (LogEntry), as Django writes its own changes: the
        changed fields' names untranslated, translated when the history is read."""
        if not results:
            return
        with override(None):
            names = [str(TestResult._meta.get_field(name).verbose_name) for name in fields]
        LogEntry.objects.log_actions(
            request.user.pk,
            TestResult.objects.filter(pk__in=[r.pk for r in results]),
            CHANGE,
            change_message=[{"changed": {"fields": names}}],
        )


# -- file imports ---------------------------------------------------------------------------
@admin.register(ImportJob)
class ImportJobAdmin(ExtraPagesAdmin, admin.ModelAdmin):
    list_display = [
        "id",
        "original_name",
        "campaign",
        "uploaded_by",
        "created_at",
        "status",
        "rows_total",
        "created",
        "updated",
        "unchanged",
        "n_errors",
    ]
    list_display_links = ["id", "original_name"]
    list_filter = ["status", "format", "campaign__edition", "campaign__agency"]
    list_select_related = ["campaign__edition", "campaign__agency", "uploaded_by"]
    search_fields = ["original_name", "uploaded_by__username"]
    fields = [
        "campaign",
        "uploaded_by",
        "file_link",
        "format",
        "status",
        ("created_at", "started_at", "finished_at"),
        ("rows_total", "rows_done"),
        ("created", "updated", "unchanged"),
        ("attempts", "queued_at", "errors_omitted"),
        "errors_table",
        "receipt_table",
    ]
    readonly_fields = fields[:5] + [
        "receipt_table",
        "created_at",
        "started_at",
        "finished_at",
        "rows_total",
        "rows_done",
        "created",
        "updated",
        "unchanged",
        "attempts",
        "queued_at",
        "errors_omitted",
        "errors_table",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("receipt (METHODOLOGY §12)"))
    def receipt_table(self, job: ImportJob) -> str:
        return receipt_html(getattr(job, "receipt", None))

    extra_pages = (("<int:pk>/file/", "file_view", "mystery_tests_importjob_file"),)

    def file_view(self, request, pk: int):
        """The uploaded file, to organisers only: agencies' files are never served from public media."""
        job = self.get_object(request, str(pk))
        if job is None or not job.file or not self.has_view_permission(request, job):
            raise Http404
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.original_name)

    @admin.display(description=_("errors"))
    def n_errors(self, obj: ImportJob) -> int:
        return len(obj.errors or []) + obj.errors_omitted  # errors keeps the first 1,000

    @admin.display(description=_("file"))
    def file_link(self, obj: ImportJob) -> str:
        if not obj.file:
            return obj.original_name
        url = reverse("admin:mystery_tests_importjob_file", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    @admin.display(description=_("errors"))
    def errors_table(self, obj: ImportJob) -> str:
        if not obj.errors:
            return "—"
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("row"),
            _("column"),
            _("message"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((e.get("row") or "", e.get("column") or "", e.get("message", "")) for e in obj.errors),
            ),
        )
