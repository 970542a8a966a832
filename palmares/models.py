"""What is published: publication snapshots, certificates, scorecard reports and appeals."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from election.models import Edition, Entry
from mystery_tests.models import TestResult


class Publication(models.Model):
    """An immutable snapshot of an edition's rankings and figures, frozen when publication
    is decided and public from ``goes_live_at``. Unpublishing keeps the row (recorded)."""

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="publications", verbose_name=_("edition")
    )
    decided_at = models.DateTimeField(_("decided at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    goes_live_at = models.DateTimeField(_("public from"))
    # {"rankings": <rankings body>, "palmares": <palmarès body>}: nothing outside it is read
    # by public pages, so later recomputes change nothing published.
    snapshot = models.JSONField(_("snapshot"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    is_current = models.BooleanField(_("current"), default=True)
    unpublished_at = models.DateTimeField(_("unpublished at"), null=True, blank=True)
    unpublished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unpublished by"),
    )
    unpublish_reason = models.TextField(_("reason for unpublishing"), blank=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition"], condition=Q(is_current=True), name="publication_one_current_per_edition"
            )
        ]

    def __str__(self) -> str:
        return f"{self.edition} @ {self.goes_live_at:%Y-%m-%d %H:%M}"


class Certificate(models.Model):
    """A laureate's certificate, verifiable at /verify/<code>/."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("publication")
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("entry"))
    code = models.CharField(_("verification code"), max_length=32, unique=True)
    overall = models.FloatField(_("overall score"))
    issued_at = models.DateTimeField(_("issued at"))
    valid_until = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    file = models.FileField(_("PDF"), upload_to="certificates/", blank=True)
    file_fingerprint = models.CharField(_("PDF fingerprint"), max_length=64, blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["publication", "entry"], name="certificate_one_per_laureate"),
        ]

    def __str__(self) -> str:
        return f"{self.entry} ({self.code})"


class ScorecardReport(models.Model):
    """The cached PDF of an entry's scorecard, regenerated when its data changes."""

    entry = models.OneToOneField(
        Entry, on_delete=models.CASCADE, related_name="report", primary_key=True, verbose_name=_("entry")
    )
    file = models.FileField(_("PDF"), upload_to="reports/", blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scorecard report")
        verbose_name_plural = _("scorecard reports")

    def __str__(self) -> str:
        return f"{self.entry} report"


class Appeal(models.Model):
    """A brand contests one test of its entry within the edition's appeal window."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    result = models.ForeignKey(TestResult, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("test"))
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("entry"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals_filed", verbose_name=_("filed by")
    )
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    reason = models.TextField(_("reason"))
    attachment = models.FileField(_("evidence"), upload_to="appeals/", blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appeals_decided",
        verbose_name=_("decided by"),
    )
    answer = models.TextField(_("organiser's answer"), blank=True)
    agency_answer = models.TextField(_("agency's answer"), blank=True)
    agency_answered_at = models.DateTimeField(_("agency answered at"), null=True, blank=True)
    agency_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appeals_answered",
        verbose_name=_("agency answered by"),
    )

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(fields=["result"], condition=Q(status="open"), name="appeal_one_open_per_test"),
        ]

    def __str__(self) -> str:
        return _("Appeal #%(id)s") % {"id": self.pk}


class PublishedTree(models.Model):
    """A category's Merkle tree frozen with a publication (METHODOLOGY §12): its root and leaves.

    ``leaves`` are the 32-byte fingerprints of the tests counted at publication, sorted ascending and
    concatenated, so that an inclusion proof is always given against exactly what was published."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="trees", verbose_name=_("publication")
    )
    category_slug = models.SlugField(_("category"), max_length=80)
    root = models.CharField(_("root"), max_length=64)
    tests = models.PositiveIntegerField(_("tests"))
    leaves = models.BinaryField(_("leaves"))

    class Meta:
        verbose_name = _("published tree")
        verbose_name_plural = _("published trees")
        ordering = ["publication", "category_slug"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "category_slug"], name="published_tree_unique_category")
        ]

    def __str__(self) -> str:
        return f"{self.category_slug}: {self.root[:12]}… ({self.tests})"

    def leaf_list(self) -> list[bytes]:
        data = bytes(self.leaves)
        return [data[i : i + 32] for i in range(0, len(data), 32)]


from palmares.audit.models import Audit, AuditCheck  # noqa: E402,F401  (the auditor's tables, in their sub-domain)
