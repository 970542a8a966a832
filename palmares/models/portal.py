"""The brand portal's cached scorecard reports (one PDF per entry)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from election.models import Entry


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
