"""The brand portal's cached scorecard reports (one PDF per entry and language)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import moment, owner, sha256_hex
from election.models import Entry


class ScorecardReport(models.Model):
    """The cached PDF of an entry's scorecard in one language, regenerated when its data changes.

    One slot per (entry, language): reading the French and the English PDF in turn serves both
    from the cache instead of rebuilding one over the other."""

    entry = owner(Entry, "reports", _("entry"))
    language = models.CharField(_("language"), max_length=10)
    file = models.FileField(_("PDF"), upload_to="reports/", blank=True)
    fingerprint = sha256_hex(_("fingerprint"), blank=True)
    generated_at = moment(_("generated at"))

    class Meta:
        verbose_name = _("scorecard report")
        verbose_name_plural = _("scorecard reports")
        constraints = [
            models.UniqueConstraint(fields=["entry", "language"], name="scorecard_report_one_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.entry} report ({self.language})"
