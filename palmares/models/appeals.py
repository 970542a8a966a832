"""Appeals filed by brands against a counted test."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.models import by_user, creation_time, moment, owner
from election.models import Entry
from mystery_tests.models import TestResult


class Appeal(models.Model):
    """A brand contests one test of its entry within the edition's appeal window."""

    class Status(models.TextChoices):
        # Contexted: « recours » is masculine in French (Ouvert), unlike a campaign or an edition (Ouverte).
        OPEN = "open", pgettext_lazy("appeal status", "Open")
        ACCEPTED = "accepted", pgettext_lazy("appeal status", "Accepted")
        REJECTED = "rejected", pgettext_lazy("appeal status", "Rejected")

    result = owner(TestResult, "appeals", _("test"))
    entry = owner(Entry, "appeals", _("entry"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals_filed", verbose_name=_("filed by")
    )
    filed_at = creation_time(_("filed at"))
    reason = models.TextField(_("reason"))
    attachment = models.FileField(_("evidence"), upload_to="appeals/", blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_at = moment(_("decided at"))
    decided_by = by_user(_("decided by"), "appeals_decided")
    answer = models.TextField(_("organiser's answer"), blank=True)
    agency_answer = models.TextField(_("agency's answer"), blank=True)
    agency_answered_at = moment(_("agency answered at"))
    agency_answered_by = by_user(_("agency answered by"), "appeals_answered")

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(fields=["result"], condition=Q(status="open"), name="appeal_one_open_per_test"),
        ]

    def __str__(self) -> str:
        return _("Appeal #%(id)s") % {"id": self.pk}
