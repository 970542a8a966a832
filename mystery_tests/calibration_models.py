"""Calibration rounds (issue 20): one reference contact per round that every shopper of the channel
scores on the edition's grid; the agreement and the deviations are computed by mystery_tests.calibration.
Imported by mystery_tests.models (the app's models)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from election.channels import Channel
from election.models import Edition


def points_errors(scores, codes: set[str]) -> list[str]:
    """What is wrong with a {criterion code: points} mapping for a grid of ``codes`` (empty: nothing)."""
    if not isinstance(scores, dict):
        return [str(_("Points must be a mapping of criterion codes to 0, 1 or 2."))]
    errors = []
    for code, value in scores.items():
        if code not in codes:
            errors.append(str(_("“%(code)s” is not a criterion of this channel's grid.") % {"code": code}))
        elif value is not None and (isinstance(value, bool) or value not in (0, 1, 2)):
            errors.append(str(_("%(code)s: points are 0, 1 or 2 (or empty).") % {"code": code}))
    return errors


class CalibrationRound(models.Model):
    """A reference contact of an edition's channel that every shopper scores (issue 20)."""

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="calibration_rounds", verbose_name=_("edition")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    title = models.CharField(_("reference contact"), max_length=200)
    held_on = models.DateField(_("held on"))
    contact = models.TextField(
        _("the contact"), blank=True, help_text=_("What the shoppers scored: a transcript, or where the recording is.")
    )
    # The organiser's own scoring of the contact, {criterion code: 0 | 1 | 2}; empty: the shoppers' median.
    reference = models.JSONField(_("reference points"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calibration round")
        verbose_name_plural = _("calibration rounds")
        ordering = ["edition", "channel", "held_on", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on})"

    def criterion_codes(self) -> list[str]:
        from .models import Criterion  # noqa: PLC0415 -- .models imports this module

        return list(
            Criterion.objects.filter(edition_id=self.edition_id, channel=self.channel)
            .order_by("position", "id")
            .values_list("code", flat=True)
        )

    def clean(self) -> None:
        if self.edition_id and self.channel:
            errors = points_errors(self.reference, set(self.criterion_codes()))
            if errors:
                raise ValidationError({"reference": errors})


class CalibrationRating(models.Model):
    """One shopper's points on a calibration round's reference contact."""

    round = models.ForeignKey(
        CalibrationRound, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("calibration round")
    )
    agency = models.ForeignKey(
        "mystery_tests.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    shopper = models.CharField(_("shopper"), max_length=40)
    scores = models.JSONField(_("points"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calibration rating")
        verbose_name_plural = _("calibration ratings")
        ordering = ["round", "agency", "shopper"]
        constraints = [
            models.UniqueConstraint(fields=["round", "agency", "shopper"], name="calibration_one_rating_per_shopper"),
        ]

    def __str__(self) -> str:
        return f"{self.shopper} — {self.round}"

    def clean(self) -> None:
        if self.round_id:
            errors = points_errors(self.scores, set(self.round.criterion_codes()))
            if errors:
                raise ValidationError({"scores": errors})
