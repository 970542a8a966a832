"""What was measured: agencies, campaigns, grids, test results, their history, imports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.display import localised
from common.models import SlugNamed, by_user, creation_time, moment, owner, sha256_hex, update_time
from election.channels import Channel
from election.models import Category, Edition, Entry


class Agency(SlugNamed):
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_at = creation_time()

    class Meta(SlugNamed.Meta):
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")


class AgencyMembership(models.Model):
    """A user (API user or staff member) acting for one agency."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_membership", verbose_name=_("user")
    )
    agency = owner(Agency, "memberships", _("agency"))
    created_at = creation_time()

    class Meta:
        verbose_name = _("agency member")
        verbose_name_plural = _("agency members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency}"


class Criterion(models.Model):
    """One line of the grid in force for an edition and channel (METHODOLOGY §3)."""

    edition = owner(Edition, "criteria", _("edition"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    code = models.SlugField(_("code"), max_length=60)
    # In the edition's language (the contract's ``label``); ``labels`` holds it in every language known,
    # {"fr": …, "en": …}, for readers of the other language (label_for).
    label = models.CharField(_("label"), max_length=200)
    labels = models.JSONField(_("labels by language"), default=dict, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("grid criterion")
        verbose_name_plural = _("grid criteria")
        ordering = ["edition", "channel", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "channel", "code"], name="criterion_unique_code_in_channel"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}.{self.code}"

    def save(self, *args, **kwargs):
        # ``label`` edited alone (the admin) stays the edition language's entry of ``labels``.
        if self.label:
            self.labels = {**(self.labels or {}), self.edition.language: self.label}
        super().save(*args, **kwargs)

    def label_for(self, language: str | None) -> str:
        """The label in ``language`` ("fr", "en", "en-gb"), falling back to the edition's language."""
        return localised(self.label, self.labels, language)


class Campaign(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    edition = owner(Edition, "campaigns", _("edition"))
    agency = owner(Agency, "campaigns", _("agency"), on_delete=models.PROTECT)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    categories = models.ManyToManyField(Category, related_name="campaigns", verbose_name=_("categories"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = creation_time()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "agency"], name="campaign_unique_agency_in_edition"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_window_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} — {self.edition}"


class TestResult(models.Model):
    """One mystery-shopper contact with one entry on one channel, keyed by (agency, external_id)."""

    __test__ = False  # not a pytest test class

    agency = owner(Agency, "results", _("agency"), on_delete=models.PROTECT)
    external_id = models.CharField(_("external id"), max_length=100)
    campaign = owner(Campaign, "results", _("campaign"), on_delete=models.PROTECT)
    entry = owner(Entry, "test_results", _("entry"), on_delete=models.PROTECT)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    performed_at = models.DateTimeField(_("performed at"))
    reached = models.BooleanField(_("reached"))
    wait_seconds = models.FloatField(_("waiting time (s)"), null=True, blank=True)
    response_hours = models.FloatField(_("response time (h)"), null=True, blank=True)
    # {criterion code: 0 | 1 | 2}; criteria left empty (not applicable) are absent.
    scores = models.JSONField(_("points"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # Issue 20: the agency's pseudonymous code of the person who made the contact (never a name), and the
    # scenario played (a code of the edition's list when it has one). Neither enters the fingerprint or the score.
    shopper = models.CharField(_("shopper"), max_length=40, blank=True, db_index=True)
    scenario = models.CharField(_("scenario"), max_length=40, blank=True)
    score = models.FloatField(_("score /20"))
    # METHODOLOGY §12: SHA-256 (hex) of the RFC 8785 JSON of this version's content (provenance.fingerprint).
    fingerprint = sha256_hex(_("fingerprint"), blank=True, db_index=True)
    excluded = models.BooleanField(_("excluded"), default=False)
    exclusion_reason = models.TextField(_("reason for exclusion"), blank=True)
    excluded_at = moment(_("excluded at"))
    excluded_by = by_user(_("excluded by"))
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = creation_time()
    updated_at = update_time()

    class Meta:
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "external_id"], name="result_unique_agency_external_id"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=20), name="result_score_0_20"),
            models.CheckConstraint(
                condition=Q(wait_seconds__isnull=True) | Q(wait_seconds__gte=0), name="result_wait_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(response_hours__isnull=True) | Q(response_hours__gte=0),
                name="result_response_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["entry", "channel"], name="result_entry_channel"),
            models.Index(fields=["campaign", "id"], name="result_campaign_id"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.external_id}"


class ResultEvent(models.Model):
    """The history of a result: replaced versions, exclusions and restores, with who, when and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        REPLACED = "replaced", _("Replaced")
        EXCLUDED = "excluded", _("Excluded")
        RESTORED = "restored", _("Restored")

    result = owner(TestResult, "events", _("result"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    at = creation_time(_("at"))
    user = by_user(_("by"))
    reason = models.TextField(_("reason"), blank=True)
    # For "replaced": the content of the version that was replaced (its upload fields and score).
    data = models.JSONField(_("data"), default=dict, blank=True)
    # For "created": the new version's fingerprint; for "replaced": the replaced version's (METHODOLOGY §12).
    fingerprint = sha256_hex(_("fingerprint"), blank=True, db_index=True)

    class Meta:
        verbose_name = _("result event")
        verbose_name_plural = _("result history")
        ordering = ["result", "at", "id"]

    def __str__(self) -> str:
        return f"{self.result} {self.kind}"


class ImportJob(models.Model):
    """A CSV or XLSX file uploaded for a campaign, imported by a Celery task."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    campaign = owner(Campaign, "imports", _("campaign"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # ``errors`` keeps the first 1,000 problems; this counts the others (API.md "errors_omitted").
    errors_omitted = models.PositiveIntegerField(_("errors not listed"), default=0)
    # Deliveries of the import task that started to work on it: a file that kills the worker each
    # time is tried a bounded number of times, then failed (imports.MAX_ATTEMPTS).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the task was last handed to the broker (null: not yet, e.g. the broker was down at upload);
    # the periodic sweep queues a pending job again from this (imports.sweep_stale_imports).
    queued_at = moment(_("queued at"))
    created_at = creation_time(_("uploaded at"))
    started_at = moment(_("started at"))
    # Touched by the running task every IMPORT_HEARTBEAT_SECONDS (imports.Heartbeat): the sweep fails a
    # running job whose heartbeat stopped (its worker was killed).
    heartbeat_at = moment(_("last heartbeat"))
    finished_at = moment(_("finished at"))

    class Meta:
        verbose_name = _("file import")
        verbose_name_plural = _("file imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"


class UploadReceipt(models.Model):
    """The signed receipt given for one accepted upload, JSON batch or file import (METHODOLOGY §12)."""

    campaign = owner(Campaign, "receipts", _("campaign"))
    import_job = models.OneToOneField(
        ImportJob,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="receipt",
        verbose_name=_("file import"),
    )
    user = by_user(_("by"))
    count = models.PositiveIntegerField(_("tests"))
    root = sha256_hex(_("root"))
    signed_at = models.CharField(_("signed at"), max_length=20)
    key_id = models.CharField(_("key id"), max_length=64)
    signature = models.CharField(_("signature"), max_length=100)
    created_at = creation_time()

    class Meta:
        verbose_name = _("upload receipt")
        verbose_name_plural = _("upload receipts")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.count} @ {self.signed_at} ({self.root[:12]}…)"

    def as_receipt(self) -> dict:
        """The receipt exactly as the agency received it."""
        return {
            "count": self.count,
            "root": self.root,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
            "signature": self.signature,
        }


# Issue 20: calibration rounds live in their own module; imported here so they are the app's models.
from .calibration_models import CalibrationRating, CalibrationRound  # noqa: E402, F401
