"""What it means: stored rankings per category and entry (the edition figures are computed
from them on demand by ``scoring.selectors.figures_for``).

Every row is overwritten by a recompute from the source rows (never incremented), and
stamped with its time and a fingerprint of its inputs and settings.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import moment, owner, sha256_hex
from election.models import Category, Entry


class CategoryRanking(models.Model):
    """A category's computed state. ``input_version`` grows with every change of its inputs;
    the ranking is stale while ``computed_version`` is behind it."""

    category = models.OneToOneField(
        Category, on_delete=models.CASCADE, primary_key=True, related_name="ranking", verbose_name=_("category")
    )
    input_version = models.PositiveBigIntegerField(_("inputs version"), default=0)
    computed_version = models.PositiveBigIntegerField(_("computed version"), default=0)
    computed_at = moment(_("computed at"))
    fingerprint = sha256_hex(_("inputs fingerprint"), blank=True)
    contested = models.BooleanField(_("contested"), default=False)
    awarded = models.BooleanField(_("awarded"), default=False)
    # For the jury (METHODOLOGY §8): the best complete entry ranked below the laureate(s),
    # the laureates' lead over it and their combined margin sqrt(moe_a² + moe_b²).
    runner_up = models.ForeignKey(
        Entry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("runner-up")
    )
    lead = models.FloatField(_("lead"), null=True, blank=True)
    margin = models.FloatField(_("combined margin"), null=True, blank=True)
    # METHODOLOGY §11: the sole laureate's weight robustness δ (null: no sole laureate, or a
    # complete entry without a score on some channel).
    robustness = models.FloatField(_("weight robustness"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("category ranking")
        verbose_name_plural = _("category rankings")

    def __str__(self) -> str:
        return str(self.category)

    @property
    def stale(self) -> bool:
        return self.computed_version < self.input_version


class EntryScore(models.Model):
    """One entry's scores and place in its category's current ranking (METHODOLOGY §6–§8)."""

    entry = models.OneToOneField(
        Entry, on_delete=models.CASCADE, primary_key=True, related_name="computed", verbose_name=_("entry")
    )
    category = owner(Category, "entry_scores", _("category"))
    overall = models.FloatField(_("overall"), null=True, blank=True)
    moe = models.FloatField(_("margin of error"), null=True, blank=True)
    complete = models.BooleanField(_("complete"), default=False)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    laureate = models.BooleanField(_("laureate"), default=False)
    close_call = models.BooleanField(_("close call"), default=False)
    counted_tests = models.PositiveIntegerField(_("counted tests"), default=0)
    # {channel: {"score": float, "n": int, "sd": float}} for channels with a counted test.
    channels = models.JSONField(_("channels"), default=dict)
    # METHODOLOGY §11 (null for an incomplete entry; p_best also outside a contested category).
    p_threshold = models.FloatField(_("P(threshold)"), null=True, blank=True)
    p_best = models.FloatField(_("P(best)"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))
    fingerprint = sha256_hex(_("inputs fingerprint"))

    class Meta:
        verbose_name = _("entry score")
        verbose_name_plural = _("entry scores")
        ordering = ["category", "rank"]

    def __str__(self) -> str:
        return f"{self.entry} #{self.rank}"
