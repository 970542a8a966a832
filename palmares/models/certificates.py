"""The laureates' certificates, issued with a publication."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import moment, owner, sha256_hex
from election.models import Entry
from palmares.models.publication import Publication


class Certificate(models.Model):
    """A laureate's certificate, verifiable at /verify/<code>/."""

    publication = owner(Publication, "certificates", _("publication"))
    entry = owner(Entry, "certificates", _("entry"))
    code = models.CharField(_("verification code"), max_length=32, unique=True)
    overall = models.FloatField(_("overall score"))
    issued_at = models.DateTimeField(_("issued at"))
    valid_until = models.DateTimeField(_("valid until"))
    revoked_at = moment(_("revoked at"))
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    file = models.FileField(_("PDF"), upload_to="certificates/", blank=True)
    file_fingerprint = sha256_hex(_("PDF fingerprint"), blank=True)
    generated_at = moment(_("generated at"))

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["publication", "entry"], name="certificate_one_per_laureate"),
        ]

    def __str__(self) -> str:
        return f"{self.entry} ({self.code})"
