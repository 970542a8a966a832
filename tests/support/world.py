"""The one world builder of the tests: small editions, entries and test rows with stated scores.

Test rows carry an explicit score, so each case states exactly the numbers the rule book works on.
``small_edition`` is the one edition builder (small quotas; with ``grid`` its own criteria);
``add_test`` stores one row, ``add_tests`` several with the same shape in one ``bulk_create``.

``small_world`` builds a tiny edition whose every scorecard figure is worked out by hand below,
from METHODOLOGY.md (not from the code):

Edition: quota phone 2, email 1 (other channels out), weights = quotas (phone 2, email 1).
Grid: phone a(1) b(2) c(1); email x(1) y(3).

Entry A ("azur"):
  phone  t1 reached a=2 b=1 c=0 wait 30 s   → 20 × (1·1 + 2·½ + 1·0)/4 = 10
         t2 reached a=2 b=2     wait 90 s   → 20 × (1 + 2)/3 = 20
         t3 unreached           wait 600 s  → 0
         t4 EXCLUDED reached a=0 b=0 c=0    → 0 (does not count)
  email  e1 reached x=1 y=2  response 26 h  → 20 × (1·½ + 3·1)/4 = 17.5
  S_phone = (10+20+0)/3 = 10, sd 10, n 3;  S_email = 17.5, n 1
  overall = (2·10 + 1·17.5)/3 = 12.5
  moe = 1.96 × sqrt((2/3)² × 10²/3) = 7.544…
Entry B ("bleu"):  phone a=1 b=1 c=1 → 10; email x=2 y=2 → 20;  overall (20+20)/3 = 13.333…
Entry C ("cerise"): phone a=0 b=0 c=2 → 5; email unreached → 0; overall 10/3 = 3.333…
Ranks: B 1, A 2, C 3.
Entry D ("dune", with ``entrants=4``): phone a=2 b=1 c=2 → 20 × (1 + 1 + 1)/4 = 15; email x=2 y=1
  → 20 × (1 + 1.5)/4 = 12.5; overall (30 + 12.5)/3 = 14.1666…  Ranks then: D 1, B 2, A 3, C 4.

``world`` and ``iworld`` (fixtures, at the end) are the agency tests' world, built by ``agency_world``,
with the results and files agencies send (``result``, ``json_item``, ``row``, ``csv_bytes``, ``xlsx_bytes``).
"""

import csv
import datetime as dt
import io
import itertools
import random
from dataclasses import dataclass

import openpyxl
import pytest
from django.utils import timezone

from election.channels import CHANNELS
from election.models import BrandMembership, Category, Edition, Entry
from mystery_tests import services
from mystery_tests.models import Agency, Campaign, Criterion, ImportJob, TestResult
from mystery_tests.validation import test_score
from scoring.selectors import rankings_for
from scoring.services import recompute_categories
from tests.conftest import session_client, token_client
from tests.support import factories

_ids = itertools.count(1)

GRID = {
    "phone": [("a", "Accueil", 1), ("b", "Écoute", 2), ("c", "Clôture", 1)],
    "email": [("x", "Délai", 1), ("y", "Réponse", 3)],
}


def small_edition(
    quota: dict[str, int] | None = None,
    weight: dict[str, int] | None = None,
    *,
    grid: dict[str, list[tuple[str, str, int]]] | None = None,
    **fields,
) -> Edition:
    """An edition with small quotas (phone 2, email 1 unless given; other channels out); weights
    default to the quotas. With ``grid`` ({channel: [(code, label, weight)]}) its criteria replace
    the default grid."""
    quota = quota or {"phone": 2, "email": 1}
    values = {f"quota_{c}": quota.get(c, 0) for c in CHANNELS}
    values.update({f"weight_{c}": w for c, w in (weight or {}).items()})
    values.update(fields)
    if grid is None:
        return factories.EditionFactory(**values)
    edition = factories.EditionFactory(grid=False, **values)
    Criterion.objects.bulk_create(
        Criterion(edition=edition, channel=ch, code=code, label=label, weight=w, position=i)
        for ch, rows in grid.items()
        for i, (code, label, w) in enumerate(rows)
    )
    return edition


def graded_edition(year: int = 2031, **fields) -> Edition:
    """``small_edition`` with the hand-worked GRID, as ``small_world`` uses it."""
    return small_edition(grid=GRID, year=year, **fields)


def category(edition: Edition, slug: str = "banque") -> Category:
    return factories.CategoryFactory(edition=edition, slug=slug, name=slug.title())


def entry(cat: Category, brand: str, status: str = Entry.Status.REGISTERED) -> Entry:
    """The entry of brand ``brand`` (its slug; named after it) in ``cat``."""
    return factories.EntryFactory(
        category=cat, brand=factories.BrandFactory(slug=brand, name=brand.title()), status=status
    )


def campaign_for(edition: Edition) -> Campaign:
    return Campaign.objects.filter(edition=edition).first() or factories.CampaignFactory(edition=edition)


def _test_row(
    e: Entry,
    channel: str,
    score: float,
    scores: dict | None = None,
    *,
    reached: bool = True,
    excluded: bool = False,
    wait_seconds: float | None = None,
    response_hours: float | None = None,
    comment: str = "",
    day: int = 1,
) -> TestResult:
    """One unsaved counted (or excluded) test of ``e`` on ``channel`` scoring ``score`` /20."""
    camp = campaign_for(e.category.edition)
    return TestResult(
        agency_id=camp.agency_id,
        campaign=camp,
        external_id=f"T-{next(_ids)}",
        entry=e,
        channel=channel,
        performed_at=timezone.make_aware(dt.datetime(e.category.edition.year - 1, 6, day, 10, 0)),
        reached=reached,
        wait_seconds=wait_seconds,
        response_hours=response_hours,
        scores=scores or {},
        comment=comment,
        score=score,
        excluded=excluded,
        exclusion_reason="Enregistrement inaudible" if excluded else "",
    )


def add_test(e: Entry, channel: str, score: float, scores: dict | None = None, **options) -> TestResult:
    """One stored test (options: reached, excluded, wait_seconds, response_hours, comment, day)."""
    row = _test_row(e, channel, score, scores, **options)
    row.save(force_insert=True)
    return row


def add_tests(
    e: Entry,
    channel: str,
    scores: list[float],
    *,
    wait_seconds: list[float | None] | None = None,
    response_hours: list[float | None] | None = None,
    **options,
) -> list[TestResult]:
    """Tests of one entry on one channel with these scores /20, in one bulk_create."""
    return TestResult.objects.bulk_create(
        _test_row(
            e,
            channel,
            score,
            wait_seconds=wait_seconds[i] if wait_seconds else None,
            response_hours=response_hours[i] if response_hours else None,
            **options,
        )
        for i, score in enumerate(scores)
    )


def ranked(cat: Category) -> dict:
    """Recompute the category and return its body from rankings_for, entries keyed by brand slug."""
    recompute_categories(category_ids=[cat.id])
    body = next(c for c in rankings_for(edition=cat.edition)["categories"] if c["slug"] == cat.slug)
    return {**body, "by_brand": {e["brand"]["slug"]: e for e in body["entries"]}}


def fill_a(entry: Entry) -> None:
    add_test(entry, "phone", 10, {"a": 2, "b": 1, "c": 0}, wait_seconds=30, comment="Conseiller aimable", day=1)
    add_test(entry, "phone", 20, {"a": 2, "b": 2}, wait_seconds=90, day=2)
    add_test(entry, "phone", 0, reached=False, wait_seconds=600, day=3)
    add_test(entry, "phone", 0, {"a": 0, "b": 0, "c": 0}, excluded=True, wait_seconds=5, day=4)
    add_test(entry, "email", 17.5, {"x": 1, "y": 2}, response_hours=26, day=5)


def fill_b(entry: Entry) -> None:
    add_test(entry, "phone", 10, {"a": 1, "b": 1, "c": 1}, wait_seconds=40)
    add_test(entry, "email", 20, {"x": 2, "y": 2}, response_hours=4)


def fill_c(entry: Entry) -> None:
    add_test(entry, "phone", 5, {"a": 0, "b": 0, "c": 2}, wait_seconds=300)
    add_test(entry, "email", 0, reached=False)


def fill_d(entry: Entry) -> None:
    add_test(entry, "phone", 15, {"a": 2, "b": 1, "c": 2}, wait_seconds=60)
    add_test(entry, "email", 12.5, {"x": 2, "y": 1}, response_hours=10)


@dataclass
class World:
    edition: Edition
    category: Category
    a: Entry
    b: Entry
    c: Entry
    member_a: object
    member_b: object
    d: Entry | None = None


def small_world(*, released: bool = True, published: bool = False, entrants: int = 3, **edition_fields) -> World:
    """Entries A, B (and C, D) of one category, computed by the scoring engine; members of A and B."""
    edition = graded_edition(**edition_fields)
    category = factories.CategoryFactory(edition=edition, slug="banque-en-ligne", name="Banque en ligne")
    a = entry(category, "azur")
    b = entry(category, "bleu")
    fill_a(a)
    fill_b(b)
    c = None
    if entrants >= 3:
        c = entry(category, "cerise")
        fill_c(c)
    d = None
    if entrants >= 4:
        d = entry(category, "dune")
        fill_d(d)
    recompute_categories(category_ids=[category.id])
    set_state(edition, released=released, published=published)
    member_a = factories.UserFactory(username="directrice-azur")
    BrandMembership.objects.create(user=member_a, brand=a.brand)
    member_b = factories.UserFactory(username="directeur-bleu")
    BrandMembership.objects.create(user=member_b, brand=b.brand)
    return World(edition, category, a, b, c, member_a, member_b, d)


def set_state(edition: Edition, *, released: bool, published: bool) -> None:
    """Release/publish as the organisers would (state fields written directly: test set-up only)."""
    past = timezone.now() - dt.timedelta(hours=1)
    Edition.objects.filter(pk=edition.pk).update(
        results_released_at=past if (released or published) else None,
        published_at=past if published else None,
        frozen_at=past if published else None,
    )
    edition.refresh_from_db()


# -- a realistic season (browser test, benchmark) ---------------------------------------------------

SEASON_BRANDS = [
    ("banque-azur", "Banque Azur", 0.80),
    ("credit-horizon", "Crédit Horizon", 0.72),
    ("neo-banque-flux", "NéoBanque Flux", 0.64),
    ("banque-des-iles", "Banque des Îles", 0.58),
    ("epargne-plus", "Épargne Plus", 0.50),
    ("finance-directe", "Finance Directe", 0.42),
]
COMMENTS = [
    "Conseillère aimable, réponse exacte et complète.",
    "Attente longue, puis réponse partielle.",
    "Très bonne reformulation du besoin.",
    "Réponse générique, sans personnalisation.",
    "",
    "",
]


def season(*, year: int = 2031, entries: int = 6, seed: int = 7, released: bool = True, published: bool = False):
    """One category of ``entries`` brands with a full season each (225 tests: the default quotas),
    per-brand quality levels, some unreached and excluded tests; computed by the scoring engine."""
    rng = random.Random(seed)
    edition = factories.EditionFactory(year=year)
    category = factories.CategoryFactory(edition=edition, slug="banque-en-ligne", name="Banque en ligne")
    camp = campaign_for(edition)
    grid: dict[str, dict[str, int]] = {}
    for row in Criterion.objects.filter(edition=edition).values("channel", "code", "weight"):
        grid.setdefault(row["channel"], {})[row["code"]] = row["weight"]
    made = []
    rows = []
    for slug, name, quality in SEASON_BRANDS[:entries]:
        entry = factories.EntryFactory(category=category, brand=factories.BrandFactory(slug=slug, name=name))
        made.append(entry)
        for channel, quota in edition.quota.items():
            for i in range(quota):
                reached = rng.random() < 0.55 + quality / 2.5
                excluded = rng.random() < 0.01
                points = {}
                if reached:
                    for code in grid[channel]:
                        if rng.random() < 0.08:
                            continue  # not applicable to this contact
                        draw = rng.random() + rng.uniform(-0.25, 0.25)
                        points[code] = 2 if draw < quality else (1 if draw < quality + 0.25 else 0)
                rows.append(
                    TestResult(
                        agency_id=camp.agency_id,
                        campaign=camp,
                        external_id=f"S-{year}-{slug}-{channel}-{i}",
                        entry=entry,
                        channel=channel,
                        performed_at=timezone.make_aware(dt.datetime(year - 1, 5 + i % 3, 1 + i % 28, 9 + i % 9, 0)),
                        reached=reached,
                        wait_seconds=round(rng.uniform(5, 400 * (1.2 - quality)))
                        if channel in ("phone", "chat")
                        else None,
                        response_hours=round(rng.uniform(1, 72 * (1.2 - quality)), 1)
                        if channel in ("email", "social")
                        else None,
                        scores=points,
                        comment=rng.choice(COMMENTS),
                        score=test_score(weights=grid[channel], points=points, reached=reached),
                        excluded=excluded,
                        exclusion_reason="Protocole non respecté" if excluded else "",
                    )
                )
    TestResult.objects.bulk_create(rows, batch_size=1000)
    recompute_categories(category_ids=[category.id])
    set_state(edition, released=released, published=published)
    return edition, category, made


# -- the agency world (agency API, uploads, imports, review) -----------------------------------------


@dataclass
class AgencyWorld:
    edition: Edition
    banque: Category
    entries: dict[str, Entry]  # "banque-1" …; with the API variant also "assurance-1" …, "banque-withdrawn" …
    agency_a: Agency
    agency_b: Agency
    campaign_a: Campaign
    campaign_b: Campaign
    user_a: object
    user_b: object
    nobody: object
    assurance: Category | None = None
    energie: Category | None = None
    brand_member: object = None
    organiser: object = None

    def client(self, user):
        """A token client asking for English, so that tests read the messages' source text."""
        client = token_client(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    @property
    def api_a(self):
        return self.client(self.user_a)

    def one_shopper_alone(self) -> Entry:
        """The edition's quota becomes phone 4 alone, and banque-1's 4 phone tests are uploaded as done by
        one shopper (SH1) on one Monday morning (3 May 2027, 10:00): a line that breaks the plan."""
        self.edition.quota_email = self.edition.quota_web = self.edition.quota_chat = self.edition.quota_social = 0
        self.edition.quota_phone = 4
        self.edition.save()
        entry = self.entries["banque-1"]
        items = [result(entry, n, performed_at="2027-05-03T10:00:00+02:00", shopper="SH1") for n in range(1, 5)]
        self.api_a.post(f"/api/v1/campaigns/{self.campaign_a.pk}/results/", items, format="json")
        return entry

    def import_job(self, name: str = "a.csv", **fields) -> ImportJob:
        """An import of file ``name`` (no content unless ``file`` is given) by agency A's user into its campaign."""
        return ImportJob.objects.create(
            campaign=self.campaign_a,
            uploaded_by=self.user_a,
            original_name=name,
            format=name.rsplit(".", 1)[-1],
            **fields,
        )


def agency_world(*, api: bool) -> AgencyWorld:
    """France 2027 (default grid) with the category "banque" (three registered entries) in the campaigns
    of agencies A ("terrain-sa") and B ("autre-agence"), an API user of each and a user with no role.

    ``api`` (fixture ``world``, the agency API tests): also "assurance" in both campaigns and "energie" in
    none, three entries each (brands "banque-brand-1", "Banque en ligne 1" …), a withdrawn and a
    disqualified entry in "banque", users "api-terrain-sa" and "api-autre-agence", a member of banque-1's
    brand. Otherwise (fixture ``iworld``, the import and review tests): brands "banque-1" … ("Banque 1" …),
    as the files name them, users "field-a" and "field-b", and an organiser.
    """
    edition = factories.EditionFactory(year=2027, tests_start_on=dt.date(2027, 5, 2), tests_end_on=dt.date(2027, 7, 31))
    names = (
        {"banque": "Banque en ligne", "assurance": "Assurance", "energie": "Énergie"}
        if api
        else {"banque": "Banque en ligne"}
    )
    categories = {
        slug: factories.CategoryFactory(edition=edition, slug=slug, name=name) for slug, name in names.items()
    }
    entries = {}
    for cat in categories.values():
        for i in (1, 2, 3):
            slug, name = (f"{cat.slug}-brand-{i}", f"{cat.name} {i}") if api else (f"banque-{i}", f"Banque {i}")
            brand = factories.BrandFactory(slug=slug, name=name)
            entries[f"{cat.slug}-{i}"] = factories.EntryFactory(category=cat, brand=brand)
    banque = categories["banque"]
    if api:
        for status in ("withdrawn", "disqualified"):
            brand = factories.BrandFactory(slug=f"banque-brand-{status}")
            entries[f"banque-{status}"] = factories.EntryFactory(category=banque, brand=brand, status=status)
    in_campaigns = [banque, categories["assurance"]] if api else [banque]
    agency_a = factories.AgencyFactory(slug="terrain-sa", name="Terrain SA")
    agency_b = factories.AgencyFactory(slug="autre-agence", name="Autre Agence")
    campaign_a = factories.CampaignFactory(edition=edition, agency=agency_a, categories=in_campaigns)
    campaign_b = factories.CampaignFactory(edition=edition, agency=agency_b, categories=in_campaigns)
    usernames = ("api-terrain-sa", "api-autre-agence") if api else ("field-a", "field-b")
    user_a = factories.AgencyMembershipFactory(agency=agency_a, user__username=usernames[0]).user
    user_b = factories.AgencyMembershipFactory(agency=agency_b, user__username=usernames[1]).user
    extra = {}
    if api:
        brand = entries["banque-1"].brand
        extra["brand_member"] = factories.BrandMembershipFactory(brand=brand, user__username="brand-a").user
    else:
        extra["organiser"] = factories.OrganiserFactory(username="organiser", is_superuser=True)
    return AgencyWorld(
        edition=edition,
        banque=banque,
        assurance=categories.get("assurance"),
        energie=categories.get("energie"),
        entries=entries,
        agency_a=agency_a,
        agency_b=agency_b,
        campaign_a=campaign_a,
        campaign_b=campaign_b,
        user_a=user_a,
        user_b=user_b,
        nobody=factories.UserFactory(username="nobody"),
        **extra,
    )


@pytest.fixture
def world(db) -> AgencyWorld:
    """The agency API tests' world (``agency_world(api=True)``); import it where a test requests it."""
    return agency_world(api=True)


@pytest.fixture
def iworld(db, settings) -> AgencyWorld:
    """The import and review tests' world (``agency_world(api=False)``); messages asserted in English
    (test_imports_api checks the French ones)."""
    settings.LANGUAGE_CODE = "en"
    return agency_world(api=False)


@pytest.fixture
def iworld_admin(iworld):
    """A client logged in as the iworld's organiser, for the admin's pages."""
    return session_client(iworld.organiser, language=None)


def result(entry: Entry, n: int = 1, **overrides) -> dict:
    """A valid phone result for ``entry``: weights 1, 1, 3 → 10 × (2 + 1 + 6) / 5 = 18.0."""
    item = {
        "external_id": f"AG-{entry.pk}-{n:06d}",
        "entry": entry.pk,
        "channel": "phone",
        "performed_at": "2027-05-12T10:31:00+02:00",
        "reached": True,
        "wait_seconds": 45,
        "response_hours": None,
        "scores": {"greeting": 2, "courtesy": 1, "answer_accuracy": 2},
        "comment": "Conseillère aimable, réponse exacte.",
    }
    item.update(overrides)
    return item


def result_as_stored(entry: Entry) -> dict:
    """What the platform keeps of ``result(entry)`` beside its identity and time: the wait as a float, no
    shopper or scenario, the score."""
    return {
        "entry": entry.pk,
        "channel": "phone",
        "reached": True,
        "wait_seconds": 45.0,
        "response_hours": None,
        "scores": {"greeting": 2, "courtesy": 1, "answer_accuracy": 2},
        "comment": "Conseillère aimable, réponse exacte.",
        "shopper": "",
        "scenario": "",
        "score": 18.0,
    }


def json_item(n: int, *, brand: str = "banque-1", **overrides) -> dict:
    """A valid phone result on ``brand`` in "banque", named by slugs (the iworld's brands)."""
    item = {
        "external_id": f"J-{n:05d}",
        "brand": brand,
        "category": "banque",
        "channel": "phone",
        "performed_at": "2027-05-12T10:31:00+02:00",
        "reached": True,
        "scores": {"greeting": 2, "courtesy": 1},
    }
    item.update(overrides)
    return item


def upload_results(campaign: Campaign, *items: dict, user=None) -> list[TestResult]:
    """Stores JSON items through the agency-API service (the same path as every upload)."""
    services.results_upload(campaign=campaign, items=list(items), user=user)
    keys = [i["external_id"] for i in items]
    return list(TestResult.objects.filter(agency=campaign.agency, external_id__in=keys).order_by("external_id"))


# Files are written the way field teams write them: Excel's French CSV (``;``, BOM, oui/non, decimal
# commas) or an XLSX workbook with real date cells.
HEADER = [
    "external_id",
    "brand",
    "category",
    "channel",
    "performed_at",
    "reached",
    "wait_seconds",
    "response_hours",
    "comment",
    "greeting",
    "courtesy",
    "answer_accuracy",
    "clarity",
]


def row(n: int, **overrides) -> dict:
    """A valid phone test on banque-1, as a field team writes it (French booleans, decimal comma)."""
    values = {
        "external_id": f"T-{n:05d}",
        "brand": "banque-1",
        "category": "banque",
        "channel": "phone",
        "performed_at": "2027-05-12 10:31:00+02:00",
        "reached": "oui",
        "wait_seconds": "12,5",
        "response_hours": "",
        "comment": "Conseillère aimable; réponse exacte.",
        "greeting": "2",
        "courtesy": "1",
        "answer_accuracy": "2",
        "clarity": "",
    }
    values.update(overrides)
    return values


def csv_bytes(rows: list[dict], *, header: list[str] | None = None, sep: str = ";", bom: bool = True) -> bytes:
    header = header or HEADER
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(name, "") for name in header])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows: list[list], *, header: list[str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
