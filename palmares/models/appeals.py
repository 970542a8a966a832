"""Appeals filed by brands against a counted test."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from election.models import Entry
from mystery_tests.models import TestResult


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
