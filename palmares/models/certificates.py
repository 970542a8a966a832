"""The laureates' certificates, issued with a publication."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from election.models import Entry
from palmares.models.publication import Publication


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
