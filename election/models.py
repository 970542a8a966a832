"""Who competes: editions, categories, brands, entries and brand memberships."""

from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.display import country_name, localised
from common.models import SlugNamed, by_user, creation_time, moment, owner, update_time

from .channels import CHANNELS, DEFAULT_QUOTA
from .fieldwork import DEFAULT_MAX_SHOPPER_SHARE, default_scenarios, default_slots, scenario_errors, slot_errors

# Settings of METHODOLOGY §2 that may not change once an edition's results are frozen.
SETTING_FIELDS = (
    "threshold",
    "min_entrants",
    "completion",
    *(f"quota_{c}" for c in CHANNELS),
    *(f"weight_{c}" for c in CHANNELS),
)
# Fieldwork settings (issue 20, election/fieldwork.py): how tests are spread, never a score; editable when frozen.
FIELDWORK_FIELDS = ("slots", "scenarios", "max_shopper_share")


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def _quota_field(channel: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        # Formatted lazily: an eager "%" would freeze the start-up language into the migration state.
        format_lazy(_("quota: {channel}"), channel=channel),
        default=DEFAULT_QUOTA[channel],
        help_text=_("Tests planned per entry on this channel; 0 leaves the channel out of the edition."),
    )


def _weight_field(channel: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        format_lazy(_("weight: {channel}"), channel=channel),
        null=True,
        blank=True,
        help_text=_("Relative weight in the overall score; blank means equal to the quota."),
    )


class Edition(models.Model):
    class Language(models.TextChoices):
        FRENCH = "fr", _("French")
        ENGLISH = "en", _("English")
        SPANISH = "es", _("Spanish")
        GERMAN = "de", _("German")

    country = models.CharField(
        _("country"),
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter ISO code in capitals, e.g. FR."))],
        help_text=_("ISO 3166 code in capitals, e.g. FR."),
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.FRENCH)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone])

    # The season.
    registration_opens_on = models.DateField(_("registration opens"), null=True, blank=True)
    registration_closes_on = models.DateField(_("registration closes"), null=True, blank=True)
    tests_start_on = models.DateField(_("tests start"), null=True, blank=True)
    tests_end_on = models.DateField(_("tests end"), null=True, blank=True)
    results_released_at = models.DateTimeField(
        _("results released to brands"),
        null=True,
        blank=True,
        help_text=_("From this moment brands read their scorecards (and may appeal until appeals close)."),
    )
    appeals_close_at = moment(_("appeals close"))
    ceremony_at = moment(_("ceremony"))

    # The settings of METHODOLOGY §2.
    threshold = models.DecimalField(
        _("qualifying mark"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("12.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("20"))],
        help_text=_("Out of 20: a laureate's overall score must reach it."),
    )
    min_entrants = models.PositiveSmallIntegerField(
        _("minimum complete entries"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("Complete entries a category needs before it can be awarded."),
    )
    completion = models.DecimalField(
        _("completion"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("1.000"),
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of each channel's quota that must be counted for an entry to be complete."),
    )
    quota_phone = _quota_field("phone")
    quota_email = _quota_field("email")
    quota_web = _quota_field("web")
    quota_chat = _quota_field("chat")
    quota_social = _quota_field("social")
    weight_phone = _weight_field("phone")
    weight_email = _weight_field("email")
    weight_web = _weight_field("web")
    weight_chat = _weight_field("chat")
    weight_social = _weight_field("social")

    # Fieldwork (issue 20): the plan's time slots, the scenario list, one shopper's largest share of an entry's tests.
    slots = models.JSONField(
        _("time slots"),
        default=default_slots,
        help_text=_(
            'Local time slots of the fieldwork plan, e.g. [{"code": "morning", "start": "09:00", "end": "12:00"}].'
        ),
    )
    scenarios = models.JSONField(
        _("scenarios"),
        default=default_scenarios,
        blank=True,
        help_text=_(
            'Scenario codes results may name, e.g. [{"code": "S1", "label": "Change of address"}]; '
            "empty: any scenario code is accepted."
        ),
    )
    max_shopper_share = models.DecimalField(
        _("largest share of one shopper"),
        max_digits=4,
        decimal_places=3,
        default=DEFAULT_MAX_SHOPPER_SHARE,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("1"))],
        help_text=_("Largest share of one entry's tests on a channel that one shopper may make, e.g. 0.2 for a fifth."),
    )

    # The independent controller (API.md "Provenance, audit and credentials"): read-only on this
    # edition's tests, draws the sample, records checks and signs the audit off.
    auditor = by_user(
        _("auditor"),
        "audited_editions",
        on_delete=models.PROTECT,
        help_text=_("The independent controller (e.g. a commissaire de justice) who audits this edition's tests."),
    )
    auditor_name = models.CharField(
        _("auditor's public name"),
        max_length=200,
        blank=True,
        help_text=_("As printed on the palmarès and certificates, e.g. “Maître Jeanne Martin”."),
    )
    audit_required = models.BooleanField(
        _("audit required"),
        default=False,
        help_text=_("Publication is refused until the auditor has signed the audit off."),
    )

    # Publication state, written by palmares' services only.
    frozen_at = models.DateTimeField(_("results frozen"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("palmarès public from"), null=True, blank=True, editable=False)

    created_at = creation_time()
    updated_at = update_time()

    class Meta:
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        ordering = ["-year", "country"]
        # Organisers' capabilities outside the admin (common.permissions.is_organiser).
        permissions = [
            ("organise_competition", _("Can organise the competition (rankings, previews, every scorecard)"))
        ]
        constraints = [
            models.UniqueConstraint(fields=["country", "year"], name="edition_unique_country_year"),
            models.CheckConstraint(condition=Q(threshold__gte=0) & Q(threshold__lte=20), name="edition_threshold_0_20"),
            models.CheckConstraint(condition=Q(completion__gt=0) & Q(completion__lte=1), name="edition_completion_0_1"),
            models.CheckConstraint(condition=Q(min_entrants__gte=1), name="edition_min_entrants_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    # -- settings, as the rule book names them ------------------------------------------
    @property
    def quota(self) -> dict[str, int]:
        return {c: getattr(self, f"quota_{c}") for c in CHANNELS}

    @property
    def weight(self) -> dict[str, int]:
        """Effective weights: a blank weight equals the channel's quota (§2)."""
        return {
            c: (w if (w := getattr(self, f"weight_{c}")) is not None else getattr(self, f"quota_{c}")) for c in CHANNELS
        }

    @property
    def channels(self) -> list[str]:
        """The channels of the edition (quota above 0), in the rule book's order."""
        return [c for c in CHANNELS if getattr(self, f"quota_{c}") > 0]

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.published_at <= timezone.now()

    @property
    def results_released(self) -> bool:
        return self.results_released_at is not None and self.results_released_at <= timezone.now()

    @property
    def scenario_codes(self) -> frozenset[str]:
        return frozenset(s["code"] for s in self.scenarios or ())

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if not self.channels:
            errors.setdefault("quota_phone", []).append(_("At least one channel needs a quota above 0."))
        for c in CHANNELS:
            if getattr(self, f"quota_{c}") > 0 and getattr(self, f"weight_{c}") == 0:
                errors.setdefault(f"weight_{c}", []).append(
                    _("A channel of the edition (quota above 0) needs a weight above 0.")
                )
        pairs = [
            ("registration_opens_on", "registration_closes_on"),
            ("tests_start_on", "tests_end_on"),
            ("results_released_at", "appeals_close_at"),
        ]
        for start, end in pairs:
            a, b = getattr(self, start), getattr(self, end)
            if a and b and b < a:
                errors.setdefault(end, []).append(_("This date comes before the one it follows."))
        for field_name, check in (("slots", slot_errors), ("scenarios", scenario_errors)):
            for where, message in check(getattr(self, field_name)):
                errors.setdefault(field_name, []).append(f"{where}: {message}")
        if self.pk and self.frozen_at:
            stored = Edition.objects.filter(pk=self.pk).values(*SETTING_FIELDS).first() or {}
            changed = [f for f in SETTING_FIELDS if f in stored and stored[f] != getattr(self, f)]
            for f in changed:
                errors.setdefault(f, []).append(
                    _("The results of this edition are frozen (published): its settings can no longer change.")
                )
        if errors:
            raise ValidationError(errors)


class Category(models.Model):
    edition = owner(Edition, "categories", _("edition"))
    slug = models.SlugField(_("slug"), max_length=80)
    # In the edition's language (the contract's ``name``); ``names`` holds it in every language the
    # organiser gives, {"fr": …, "en": …}, for readers of the other language (name_for).
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(_("names by language"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["edition", "slug"]
        constraints = [models.UniqueConstraint(fields=["edition", "slug"], name="category_unique_slug_in_edition")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # ``name`` edited alone stays the edition language's entry of ``names``.
        if self.name:
            self.names = {**(self.names or {}), self.edition.language: self.name}
        super().save(*args, **kwargs)

    def name_for(self, language: str | None) -> str:
        """The name in ``language`` ("fr", "en", "en-gb"), falling back to the edition's language."""
        return localised(self.name, self.names, language)

    @property
    def reader_name(self) -> str:
        """The name in the active language (the reader's, in a page or a PDF), else the edition's."""
        return self.name_for(get_language())


class Brand(SlugNamed):
    logo = models.ImageField(_("logo"), upload_to="brands/", blank=True)
    website = models.URLField(_("website"), blank=True)
    created_at = creation_time()

    class Meta(SlugNamed.Meta):
        verbose_name = _("brand")
        verbose_name_plural = _("brands")


class Entry(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DISQUALIFIED = "disqualified", _("Disqualified")

    category = owner(Category, "entries", _("category"))
    brand = owner(Brand, "entries", _("brand"), on_delete=models.PROTECT)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REGISTERED)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    created_at = creation_time()
    updated_at = update_time()

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["category", "brand__name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "brand"], name="entry_unique_brand_in_category"),
            models.CheckConstraint(
                condition=Q(status__in=["registered", "withdrawn", "disqualified"]), name="entry_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} — {self.category}"

    @property
    def is_registered(self) -> bool:
        return self.status == self.Status.REGISTERED


class BrandMembership(models.Model):
    """A portal user who reads a brand's scorecards."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="brand_memberships", verbose_name=_("user")
    )
    brand = owner(Brand, "memberships", _("brand"))
    created_at = creation_time()

    class Meta:
        verbose_name = _("brand member")
        verbose_name_plural = _("brand members")
        constraints = [models.UniqueConstraint(fields=["user", "brand"], name="membership_unique_user_brand")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.brand}"
