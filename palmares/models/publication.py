"""What is published: the frozen publication snapshots and their provenance trees."""

from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from common.models import by_user, moment, owner, sha256_hex
from election.models import Edition


class Publication(models.Model):
    """An immutable snapshot of an edition's rankings and figures, frozen when publication
    is decided and public from ``goes_live_at``. Unpublishing keeps the row (recorded)."""

    edition = owner(Edition, "publications", _("edition"))
    decided_at = models.DateTimeField(_("decided at"))
    decided_by = by_user(_("decided by"))
    goes_live_at = models.DateTimeField(_("public from"))
    # {"rankings": <rankings body>, "palmares": <palmarès body>}: nothing outside it is read
    # by public pages, so later recomputes change nothing published.
    snapshot = models.JSONField(_("snapshot"))
    fingerprint = sha256_hex(_("fingerprint"))
    is_current = models.BooleanField(_("current"), default=True)
    unpublished_at = moment(_("unpublished at"))
    unpublished_by = by_user(_("unpublished by"))
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
        # The reader's date format (issue 18: no ISO date on the console's screens).
        return f"{self.edition} — {formats.localize(timezone.localtime(self.goes_live_at))}"


class PublishedTree(models.Model):
    """A category's Merkle tree frozen with a publication (METHODOLOGY §12): its root and leaves.

    ``leaves`` are the 32-byte fingerprints of the tests counted at publication, sorted ascending and
    concatenated, so that an inclusion proof is always given against exactly what was published."""

    publication = owner(Publication, "trees", _("publication"))
    category_slug = models.SlugField(_("category"), max_length=80)
    root = sha256_hex(_("root"))
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
