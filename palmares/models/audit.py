"""An edition's audit: the drawn sample and the auditor's check of each drawn test."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.models import by_user, moment, owner, sha256_hex
from election.models import Edition
from mystery_tests.models import TestResult


class Audit(models.Model):
    """Drawn once per edition by its auditor (``audit.sampling``), then signed off."""

    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, related_name="audit", verbose_name=_("edition"))
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("auditor")
    )
    rate = models.DecimalField(_("sampling rate"), max_digits=5, decimal_places=4)
    nonce = models.CharField(_("auditor's nonce"), max_length=200)
    tree_hash = sha256_hex(_("edition tree hash when drawn"))
    seed = sha256_hex(_("seed"))
    counted_tests = models.PositiveIntegerField(_("counted tests when drawn"))
    drawn_at = models.DateTimeField(_("drawn at"))
    signed_off_at = moment(_("signed off at"))
    signed_off_by = by_user(_("signed off by"), on_delete=models.PROTECT)
    # The edition's tree hash the sign-off covers (it may differ from ``tree_hash`` when tests changed after
    # the draw and the auditor signed off knowingly); publication is refused while the current one differs.
    signed_tree_hash = models.CharField(_("edition tree hash when signed off"), max_length=64, blank=True)
    # Each earlier draw of this edition, replaced by a redraw after tests changed: how it was drawn, its
    # checks and sign-off, kept as they were (the record of what the auditor saw and found).
    earlier_draws = models.JSONField(_("earlier draws"), default=list, blank=True)

    class Meta:
        app_label = "palmares"
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["-drawn_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0) & Q(rate__lte=1), name="audit_rate_0_1"),
        ]

    def __str__(self) -> str:
        return str(_("Audit of %(edition)s") % {"edition": self.edition})

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None


class AuditCheck(models.Model):
    """One drawn test and what the auditor found (blank outcome: not checked yet)."""

    class Outcome(models.TextChoices):
        PENDING = "", _("Not checked yet")
        VERIFIED = "verified", _("Verified")
        DISCREPANCY = "discrepancy", _("Discrepancy")

    audit = owner(Audit, "checks", _("audit"))
    result = owner(TestResult, "audit_checks", _("test"), on_delete=models.PROTECT)
    position = models.PositiveIntegerField(_("position in the draw"))
    category_slug = models.SlugField(_("category"), max_length=80)
    fingerprint = sha256_hex(_("fingerprint when drawn"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True, default="")
    note = models.TextField(_("note"), blank=True)
    checked_at = moment(_("checked at"))

    class Meta:
        app_label = "palmares"
        verbose_name = _("audit check")
        verbose_name_plural = _("audit checks")
        ordering = ["audit", "position"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "result"], name="audit_check_one_per_test"),
            models.UniqueConstraint(fields=["audit", "position"], name="audit_check_unique_position"),
            models.CheckConstraint(
                condition=Q(outcome__in=["", "verified", "discrepancy"]), name="audit_check_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.result.external_id} ({self.get_outcome_display()})"
