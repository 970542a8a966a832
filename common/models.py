"""Field shapes the apps' tables share: no table here, only an abstract base and field factories.

Each factory returns exactly the field the tables declared by hand before (same arguments), so using
one changes no schema; what the field means stays written where it is used (its verbose name)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SlugNamed(models.Model):
    """A party known by a public slug and a display name (a brand, an agency), listed by name."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def owner(model, related_name: str, verbose_name, *, on_delete=models.CASCADE) -> models.ForeignKey:
    """The row this one belongs to (deleted with it unless ``on_delete`` says otherwise)."""
    return models.ForeignKey(model, on_delete=on_delete, related_name=related_name, verbose_name=verbose_name)


def by_user(verbose_name, related_name: str = "+", *, on_delete=models.SET_NULL, **options) -> models.ForeignKey:
    """Who did something, optional (a deleted account leaves it empty unless ``on_delete`` says otherwise)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
        **options,
    )


def moment(verbose_name) -> models.DateTimeField:
    """When something happened, empty until it has."""
    return models.DateTimeField(verbose_name, null=True, blank=True)


def creation_time(verbose_name=None) -> models.DateTimeField:
    return models.DateTimeField(verbose_name or _("created at"), auto_now_add=True)


def update_time() -> models.DateTimeField:
    return models.DateTimeField(_("updated at"), auto_now=True)


def sha256_hex(verbose_name, **options) -> models.CharField:
    """A SHA-256 digest in hex (64 characters): fingerprints and roots."""
    return models.CharField(verbose_name, max_length=64, **options)
