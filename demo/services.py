"""The demo: a published "France 2026" and an open "France 2027", built through the real paths.

Structure goes through ``load_edition`` (the organisers' file loader), results through
``results_upload`` (the agencies' own path), then ``recompute_edition`` and ``edition_publish``.
Every random draw comes from a generator seeded by the entry's identity, so two runs produce
the same demo. Brands, agencies and people are fictional.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F

from common.permissions import grant_organiser
from election.channels import DEFAULT_QUOTA
from election.models import Brand, BrandMembership, Edition, Entry
from election.services import edition_save
from mystery_tests.grid import DEFAULT_GRID
from mystery_tests.loading import load_edition
from mystery_tests.models import Agency, CalibrationRating, CalibrationRound, Campaign, TestResult
from mystery_tests.services import agency_api_token, results_upload
from palmares.models import Audit, Publication
from palmares.publication.services import edition_publish
from scoring.services import recompute_edition

SEED = 2026
COUNTRY = "FR"
TZ = ZoneInfo("Europe/Paris")
CHUNK = 5_000  # results per upload, under the API's 10,000

ORGANISER = {"username": "organisateur", "password": "demo-organisateur-2026", "email": "organisateur@example.org"}
BRAND_MEMBER = {
    "username": "banque-azur",
    "password": "demo-marque-2026",
    "email": "service.client@banque-azur.example",
    "brand": "banque-azur",
}

AGENCIES = [
    {"slug": "terrain-qualite", "name": "Terrain Qualité"},
    {"slug": "client-mystere", "name": "Client Mystère & Associés"},
]

# (slug, name, [(brand slug, brand name, quality)]): quality is the probability of meeting a
# criterion, so a brand's reached tests average about 20 × quality out of 20.
CATEGORIES: list[tuple[str, str, list[tuple[str, str, float]]]] = [
    (
        "banque-en-ligne",
        "Banque en ligne",
        [
            ("banque-azur", "Banque Azur", 0.78),
            ("neobanque-helios", "Néobanque Hélios", 0.70),
            ("credit-mistral", "Crédit Mistral", 0.66),
            ("banque-opale", "Banque Opale", 0.61),
            ("fintech-boreal", "Fintech Boréal", 0.55),
        ],
    ),
    (
        "assurance-auto",
        "Assurance auto",
        [
            ("assur-route", "Assur'Route", 0.72),
            ("mutuelle-horizon", "Mutuelle Horizon", 0.715),
            ("autoprotect", "AutoProtect", 0.64),
            ("assurances-vega", "Assurances Vega", 0.60),
            ("securia-auto", "Sécuria Auto", 0.58),
        ],
    ),
    (
        "fournisseur-energie",
        "Fournisseur d'énergie",
        [
            ("energie-claire", "Énergie Claire", 0.73),
            ("volt-et-vous", "Volt & Vous", 0.68),
            ("gaz-azur", "Gaz Azur", 0.63),
            ("lumen-energie", "Lumen Énergie", 0.59),
            ("watt-nouveau", "Watt Nouveau", 0.54),
        ],
    ),
    (
        "operateur-mobile",
        "Opérateur mobile",
        [
            ("tele-onde", "Télé Onde", 0.69),
            ("mobilis-plus", "Mobilis Plus", 0.67),
            ("reseau-neptune", "Réseau Neptune", 0.62),
            ("cosmo-telecom", "Cosmo Télécom", 0.58),
            ("allo-horizon", "Allô Horizon", 0.53),
        ],
    ),
    (
        "vente-a-distance",
        "Vente à distance",
        [
            ("colis-malin", "Colis Malin", 0.80),
            ("mode-express", "Mode Express", 0.71),
            ("comptoir-web", "Le Comptoir Web", 0.67),
            ("shop-trefle", "Shop Trèfle", 0.62),
            ("maison-directe", "Maison Directe", 0.57),
        ],
    ),
    (
        "transport-ferroviaire",
        "Transport ferroviaire",
        [
            ("rail-express-regions", "Rail Express Régions", 0.70),
            ("transalpin", "TransAlpin", 0.65),
            ("ligne-bleue", "Ligne Bleue", 0.61),
            ("ouest-rail", "Ouest Rail", 0.57),
            ("trains-soleil", "Trains Soleil", 0.52),
        ],
    ),
    (
        # No brand reaches the qualifying mark: the category is not awarded.
        "fournisseur-acces-internet",
        "Fournisseur d'accès internet",
        [
            ("fibrenet", "FibreNet", 0.60),
            ("box-etoile", "Box Étoile", 0.58),
            ("connect-ici", "Connect'Ici", 0.56),
            ("net-ocean", "NetOcéan", 0.53),
            ("hexa-fibre", "Hexa Fibre", 0.50),
        ],
    ),
    (
        "assurance-habitation",
        "Assurance habitation",
        [
            ("toit-serein", "Toit Serein", 0.74),
            ("habitat-assur", "Habitat Assur", 0.69),
            ("maison-sure", "Maison Sûre", 0.64),
            ("logis-protect", "Logis Protect", 0.59),
            ("nid-assurance", "Nid Assurance", 0.56),
        ],
    ),
    (
        "mutuelle-sante",
        "Mutuelle santé",
        [
            ("mutuelle-ondine", "Mutuelle Ondine", 0.71),
            ("sante-avenir", "Santé Avenir", 0.68),
            ("prevoyance-lys", "Prévoyance Lys", 0.65),
            ("mutualliance", "MutuAlliance", 0.60),
            ("vitalis-sante", "Vitalis Santé", 0.56),
        ],
    ),
    (
        "grande-distribution",
        "Grande distribution",
        [
            ("marche-central", "Marché Central", 0.70),
            ("hyper-soleil", "Hyper Soleil", 0.66),
            ("panier-frais", "Panier Frais", 0.64),
            ("super-proxi", "Super Proxi", 0.59),
            ("halles-modernes", "Les Halles Modernes", 0.55),
        ],
    ),
    (
        "location-voitures",
        "Location de voitures",
        [
            ("locauto", "LocAuto", 0.72),
            ("roue-libre", "Roue Libre", 0.68),
            ("drive-and-go", "Drive & Go", 0.63),
            ("auto-relais", "Auto Relais", 0.60),
            ("cite-loc", "CitéLoc", 0.55),
        ],
    ),
    (
        # Three entries get too few tests: fewer than 3 complete entries, the category is not contested.
        "transport-aerien",
        "Transport aérien",
        [
            ("air-azur", "Air Azur", 0.73),
            ("envol-airlines", "Envol Airlines", 0.69),
            ("nuage-express", "Nuage Express", 0.64),
            ("alize-air", "Alizé Air", 0.61),
            ("cap-horizon", "Cap Horizon", 0.57),
        ],
    ),
]
INCOMPLETE_2026 = {("transport-aerien", b) for b in ("nuage-express", "alize-air", "cap-horizon")}
WITHDRAWN_2026 = {("assurance-auto", "securia-auto")}

# France 2027: most brands come back (so the renewal rate means something), a few leave, new ones join.
LEAVING_2027 = {"fintech-boreal", "allo-horizon", "trains-soleil", "hexa-fibre", "cite-loc", "halles-modernes"}
JOINING_2027 = {
    "banque-en-ligne": ("banque-pivoine", "Banque Pivoine", 0.69),
    "operateur-mobile": ("onde-libre", "Onde Libre", 0.70),
    "transport-ferroviaire": ("rail-azur", "Rail Azur", 0.66),
    "fournisseur-acces-internet": ("fibre-alpha", "Fibre Alpha", 0.68),
    "location-voitures": ("loc-eclair", "Loc Éclair", 0.64),
    "grande-distribution": ("epicerie-nouvelle", "L'Épicerie Nouvelle", 0.67),
}

EDITIONS = {
    2026: {
        "name": "Élu Service Client de l'Année 2026",
        "window": (dt.date(2025, 5, 5), dt.date(2025, 7, 25)),
        "registration": (dt.date(2025, 1, 6), dt.date(2025, 4, 11)),
        "share": 1.0,  # the whole season
    },
    2027: {
        "name": "Élu Service Client de l'Année 2027",
        "window": (dt.date(2026, 9, 7), dt.date(2026, 12, 18)),
        "registration": (dt.date(2026, 3, 2), dt.date(2026, 7, 10)),
        "share": 0.45,  # the season is under way: about its first half is uploaded
    },
}
# Unreached contacts (no answer, no reply, chat down), by channel, for an average brand.
UNREACHED = {"phone": 0.05, "email": 0.07, "web": 0.0, "chat": 0.06, "social": 0.09}
# Fieldwork (issue 20): the scenarios played, each agency's shoppers (pseudonymous codes), and in 2027
# one harsh shopper (a point off most criteria) that the calibration, the flags and the shopper-effect
# check all show.
SCENARIOS = [
    {"code": "S1", "label": "Change of address"},
    {"code": "S2", "label": "Billing question"},
    {"code": "S3", "label": "Complaint about a delay"},
]
SHOPPERS_PER_AGENCY = 8
HARSH_SHOPPER = {2027: "TQ-07"}
# A test uploaded long after it was made: so many days after the contact (the others about a day after).
LATE_UPLOAD_DAYS = 40


@dataclass(frozen=True)
class DemoEntry:
    category: str
    brand: str
    quality: float
    complete: bool = True


def entries_for(year: int) -> list[DemoEntry]:
    entries = []
    for slug, _name, brands in CATEGORIES:
        for brand, _brand_name, quality in brands:
            if year == 2027 and brand in LEAVING_2027:
                continue
            complete = year != 2026 or (slug, brand) not in INCOMPLETE_2026
            entries.append(DemoEntry(slug, brand, quality, complete))
        if year == 2027 and slug in JOINING_2027:
            brand, _brand_name, quality = JOINING_2027[slug]
            entries.append(DemoEntry(slug, brand, quality))
    return entries


def agency_for(category_slug: str) -> str:
    """The first six categories are tested by one agency, the others by the second."""
    index = [c[0] for c in CATEGORIES].index(category_slug)
    return AGENCIES[0]["slug"] if index < 6 else AGENCIES[1]["slug"]


def agency_prefix(agency_slug: str) -> str:
    """The agency's prefix of its external ids and shopper codes (« TQ-07 »)."""
    return "TQ" if agency_slug == "terrain-qualite" else "CM"


# The categories' English names (issue 19: names by language where the organiser gives them).
CATEGORY_NAMES_EN = {
    "banque-en-ligne": "Online banking",
    "assurance-auto": "Car insurance",
    "fournisseur-energie": "Energy supplier",
    "operateur-mobile": "Mobile operator",
    "vente-a-distance": "Distance selling",
    "transport-ferroviaire": "Rail transport",
    "assurance-habitation": "Home insurance",
    "mutuelle-sante": "Health insurance",
    "grande-distribution": "Retail chains",
    "location-voitures": "Car rental",
    "fournisseur-acces-internet": "Internet service provider",
    "transport-aerien": "Air transport",
}
# Brands given a generated logo (the first two of each category): the others show none, as brands may.
LOGO_BRANDS_PER_CATEGORY = 2
LOGO_COLOURS = ("#1d4ed8", "#0f766e", "#b45309", "#7c3aed", "#be123c", "#155e75")


def logo_svg(name: str, index: int) -> bytes:
    """A simple square logo: the brand's initials on a colour (a fictional brand's fictional logo)."""
    initials = "".join(word[0] for word in name.replace("'", " ").split()[:2]).upper()
    colour = LOGO_COLOURS[index % len(LOGO_COLOURS)]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
        f'<rect width="64" height="64" rx="12" fill="{colour}"/>'
        '<text x="32" y="41" text-anchor="middle" font-family="Georgia, serif" font-size="26" font-weight="700" '
        f'fill="#fff">{escape(initials)}</text></svg>'
    ).encode()


def _logos() -> None:
    """Give the first brands of each category a logo, once (kept across runs)."""
    index = 0
    for _slug, _name, brands in CATEGORIES:
        for brand_slug, brand_name, _q in brands[:LOGO_BRANDS_PER_CATEGORY]:
            brand = Brand.objects.filter(slug=brand_slug, logo="").first()
            if brand is not None:
                brand.logo.save(f"{brand_slug}.svg", ContentFile(logo_svg(brand_name, index)), save=True)
            index += 1


def edition_document(year: int) -> dict:
    """The edition in load_edition's file shape (API.md "Command line")."""
    info = EDITIONS[year]
    entries = entries_for(year)
    names = {b: n for _s, _c, brands in CATEGORIES for b, n, _q in brands}
    names.update({b: n for b, n, _q in JOINING_2027.values()})
    used = sorted({e.brand for e in entries})
    start, end = info["window"]
    return {
        "country": COUNTRY,
        "year": year,
        "name": info["name"],
        "time_zone": "Europe/Paris",
        "settings": {"threshold": 12.0, "min_entrants": 3, "completion": 1.0, "scenarios": SCENARIOS},
        "categories": [
            {"slug": s, "name": n, **({"names": {"en": CATEGORY_NAMES_EN[s]}} if s in CATEGORY_NAMES_EN else {})}
            for s, n, _b in CATEGORIES
        ],
        "brands": [{"slug": b, "name": names[b]} for b in used],
        "entries": [
            {
                "brand": e.brand,
                "category": e.category,
                **({"status": "withdrawn"} if year == 2026 and (e.category, e.brand) in WITHDRAWN_2026 else {}),
            }
            for e in entries
        ],
        "agencies": AGENCIES,
        "campaigns": [
            {
                "agency": a["slug"],
                "starts_on": start.isoformat(),
                "ends_on": end.isoformat(),
                "categories": [s for s, _n, _b in CATEGORIES if agency_for(s) == a["slug"]],
            }
            for a in AGENCIES
        ],
    }


# -- results ----------------------------------------------------------------------------------


def _points(rng: random.Random, quality: float) -> int | None:
    if rng.random() < 0.04:  # criterion not applicable to this contact
        return None
    return (rng.random() < quality) + (rng.random() < quality)


def _performed_at(rng: random.Random, start: dt.date, days: int) -> str:
    day = start + dt.timedelta(days=rng.randrange(days))
    while day.weekday() == 6:  # no mystery calls on Sundays
        day -= dt.timedelta(days=1)
    moment = dt.datetime.combine(day, dt.time(rng.randrange(9, 19), rng.randrange(60)), tzinfo=TZ)
    return moment.isoformat()


def _test_result(rng: random.Random, entry: DemoEntry, channel: str, external_id: str, when: str) -> dict:
    # Each contact varies around the brand's level; weaker brands also miss more contacts.
    quality = min(0.97, max(0.05, rng.gauss(entry.quality, 0.08)))
    unreached = UNREACHED[channel] * (1.6 - entry.quality)
    reached = rng.random() >= unreached
    item = {"external_id": external_id, "entry": None, "channel": channel, "performed_at": when, "reached": reached}
    if channel in ("phone", "chat"):
        base = 240 if channel == "phone" else 90
        item["wait_seconds"] = round(rng.lognormvariate(math.log(base * (1.2 - entry.quality)), 0.5))
    if channel in ("email", "social") and reached:
        base = 36 if channel == "email" else 8
        item["response_hours"] = round(rng.lognormvariate(math.log(base * (1.2 - entry.quality)), 0.6), 1)
    if reached:
        scores = {code: _points(rng, quality) for code, *_rest in DEFAULT_GRID[channel]}
        if all(v is None for v in scores.values()):
            scores[DEFAULT_GRID[channel][0][0]] = 1
        item["scores"] = scores
    else:
        item["scores"] = {}
    return item


def results_for(year: int, edition: Edition, entry: DemoEntry, entry_id: int, prefix: str) -> list[dict]:
    """One entry's season of tests, drawn from a generator seeded by the entry's identity."""
    info = EDITIONS[year]
    rng = random.Random(f"{SEED}/{year}/{entry.category}/{entry.brand}")
    start, end = info["window"]
    # A season under way has tests from its first weeks only.
    days = max(1, math.floor(((end - start).days + 1) * info["share"]))
    share = info["share"] if entry.complete else 0.6
    # Shoppers and scenarios from a generator of their own: the contacts' points stay those drawn above.
    fieldwork = random.Random(f"{SEED}/{year}/{entry.category}/{entry.brand}/fieldwork")
    items = []
    for channel, quota in edition.quota.items():
        n = quota if share >= 1 else math.floor(quota * share)
        for i in range(n):
            external_id = f"{prefix}-{year}-{entry.category[:12]}-{entry.brand[:16]}-{channel}-{i + 1:03d}"
            item = _test_result(rng, entry, channel, external_id, _performed_at(rng, start, days))
            item["entry"] = entry_id
            _fieldwork(fieldwork, item, year, prefix)
            items.append(item)
    return items


def _fieldwork(rng: random.Random, item: dict, year: int, prefix: str) -> None:
    item["shopper"] = f"{prefix}-{rng.randrange(1, SHOPPERS_PER_AGENCY + 1):02d}"
    item["scenario"] = SCENARIOS[rng.randrange(len(SCENARIOS))]["code"]
    if item["shopper"] == HARSH_SHOPPER.get(year):
        item["scores"] = {k: v if v is None or rng.random() < 0.3 else max(0, v - 1) for k, v in item["scores"].items()}


def planted_anomalies(year: int, entry_ids: dict[tuple[str, str], int], prefix: str) -> list[dict]:
    """A few tests of the open season that the quality review's flags find (issue 20): a burst of three
    calls to one entry within minutes, a call at night, one comment on two brands, a test uploaded late
    (its upload time is set after the upload, by _backdate_uploads)."""
    if year != 2027 or prefix != "TQ":
        return []
    mine = [e for e in entries_for(year) if agency_for(e.category) == "terrain-qualite" and e.complete]
    first, second = mine[0], mine[1]
    one, two = entry_ids[(first.category, first.brand)], entry_ids[(second.category, second.brand)]
    copied = "Réponse type copiée-collée, sans rapport avec la question posée."

    def test(n: int, entry_id: int, channel: str, when: dt.datetime, **extra) -> dict:
        item = {
            "external_id": f"TQ-2027-PLANTED-{n:02d}",
            "entry": entry_id,
            "channel": channel,
            "performed_at": when.replace(tzinfo=TZ).isoformat(),
            "reached": True,
            "scores": {code: 1 for code, *_rest in DEFAULT_GRID[channel]},
            "shopper": "TQ-03",
            "scenario": "S1",
        }
        item.update(extra)
        return item

    return [
        *(test(n, one, "phone", dt.datetime(2026, 10, 6, 10, minute)) for n, minute in ((1, 0), (2, 3), (3, 7))),
        test(4, two, "phone", dt.datetime(2026, 10, 7, 22, 40)),
        test(5, one, "email", dt.datetime(2026, 10, 8, 9, 15), comment=copied),
        test(6, two, "email", dt.datetime(2026, 10, 8, 9, 50), comment=copied),
        test(7, two, "chat", dt.datetime(2026, 9, 15, 10, 0)),
    ]


LATE_PLANTED = "TQ-2027-PLANTED-07"


def _backdate_uploads(campaign: Campaign) -> None:
    """The demo uploads a whole season at once; agencies upload as they go: each test's upload time is
    set to about a day after its contact (the planted late one, LATE_UPLOAD_DAYS after)."""
    results = TestResult.objects.filter(campaign=campaign)
    results.exclude(external_id=LATE_PLANTED).update(created_at=F("performed_at") + dt.timedelta(hours=27))
    results.filter(external_id=LATE_PLANTED).update(created_at=F("performed_at") + dt.timedelta(days=LATE_UPLOAD_DAYS))


# -- the whole demo ------------------------------------------------------------------------------


def _scaled_quota(scale: float) -> dict:
    return {"quota": {c: math.ceil(q * scale) for c, q in DEFAULT_QUOTA.items()}}


def _load(year: int, scale: float) -> Edition:
    document = edition_document(year)
    if scale != 1.0:
        document["settings"].update(_scaled_quota(scale))
    ids = load_edition(data=document)
    edition = Edition.objects.get(pk=ids["edition"])
    info = EDITIONS[year]
    changes = {
        "registration_opens_on": info["registration"][0],
        "registration_closes_on": info["registration"][1],
        "tests_start_on": info["window"][0],
        "tests_end_on": info["window"][1],
    }
    changed = [f for f, v in changes.items() if getattr(edition, f) != v]
    if changed:
        for f in changed:
            setattr(edition, f, changes[f])
        edition_save(edition=edition, changed_fields=changed)
    return edition


def _upload(year: int, edition: Edition, say: Callable[[str], None]) -> int:
    campaigns = {c.agency.slug: c for c in Campaign.objects.filter(edition=edition).select_related("agency", "edition")}
    entry_ids = {
        (e.category.slug, e.brand.slug): e.pk
        for e in Entry.objects.filter(category__edition=edition).select_related("category", "brand")
    }
    statuses = dict(Entry.objects.filter(category__edition=edition).values_list("pk", "status"))
    total = 0
    for agency in AGENCIES:
        campaign = campaigns[agency["slug"]]
        prefix = agency_prefix(agency["slug"])
        items = []
        for entry in entries_for(year):
            entry_id = entry_ids[(entry.category, entry.brand)]
            if agency_for(entry.category) != agency["slug"] or statuses[entry_id] != Entry.Status.REGISTERED:
                continue
            items.extend(results_for(year, edition, entry, entry_id, prefix))
        items.extend(planted_anomalies(year, entry_ids, prefix))
        if TestResult.objects.filter(campaign=campaign).count() >= len(items):
            continue  # already uploaded by an earlier run
        for start in range(0, len(items), CHUNK):
            counts = results_upload(campaign=campaign, items=items[start : start + CHUNK])
            total += counts["created"] + counts["updated"]
        _backdate_uploads(campaign)
        say(f"  {agency['name']}: {len(items)} results uploaded to {edition.name}")
    return total


CALIBRATION_ROUNDS = [
    ("Appel de référence — déménagement", dt.date(2026, 9, 4)),
    ("Appel de référence — facture contestée", dt.date(2026, 10, 2)),
    ("Appel de référence — retard de livraison", dt.date(2026, 10, 30)),
]


def _calibration(edition: Edition) -> None:
    """The open season's phone calibration: three reference calls every shopper scored; most agree
    with the reference within a point here and there, the harsh shopper drifts lower round after round."""
    codes = [code for code, *_rest in DEFAULT_GRID["phone"]]
    agencies = {a.slug: a for a in Agency.objects.filter(slug__in=[a["slug"] for a in AGENCIES])}
    for number, (title, held_on) in enumerate(CALIBRATION_ROUNDS):
        rng = random.Random(f"{SEED}/{edition.year}/calibration/{number}")
        reference = {code: rng.choice((1, 2, 2)) for code in codes}
        round_, _created = CalibrationRound.objects.get_or_create(
            edition=edition,
            channel="phone",
            title=title,
            defaults={"held_on": held_on, "reference": reference, "contact": "Enregistrement de l'appel, 4 min."},
        )
        for agency in AGENCIES:
            prefix = agency_prefix(agency["slug"])
            for k in range(1, SHOPPERS_PER_AGENCY + 1):
                shopper = f"{prefix}-{k:02d}"
                harsh = shopper == HARSH_SHOPPER.get(edition.year)
                slip = 0.3 + 0.2 * number if harsh else 0.1
                scores = {
                    code: max(0, p - 1) if rng.random() < slip else (min(2, p + 1) if rng.random() < 0.05 else p)
                    for code, p in reference.items()
                }
                CalibrationRating.objects.get_or_create(
                    round=round_, agency=agencies[agency["slug"]], shopper=shopper, defaults={"scores": scores}
                )


def _users() -> None:
    user_model = get_user_model()
    organiser, _ = user_model.objects.get_or_create(username=ORGANISER["username"])
    organiser.email, organiser.is_staff, organiser.is_superuser = ORGANISER["email"], True, True
    organiser.set_password(ORGANISER["password"])
    organiser.save()
    grant_organiser(organiser)
    member, _ = user_model.objects.get_or_create(username=BRAND_MEMBER["username"])
    member.email, member.first_name, member.last_name = BRAND_MEMBER["email"], "Camille", "Martin"
    member.set_password(BRAND_MEMBER["password"])
    member.save()
    BrandMembership.objects.get_or_create(user=member, brand=Brand.objects.get(slug=BRAND_MEMBER["brand"]))


def reset() -> None:
    """Remove the demo's editions, their results, brands, agencies and people."""
    editions = Edition.objects.filter(country=COUNTRY, year__in=EDITIONS)
    with transaction.atomic():
        # An audit protects the tests it drew: it goes first.
        Audit.objects.filter(edition__in=editions).delete()
        TestResult.objects.filter(campaign__edition__in=editions).delete()
        Publication.objects.filter(edition__in=editions).delete()
        editions.delete()
        brands = {b for _s, _n, bs in CATEGORIES for b, _bn, _q in bs} | {b for b, _n, _q in JOINING_2027.values()}
        Brand.objects.filter(slug__in=brands, entries__isnull=True).delete()
        slugs = [a["slug"] for a in AGENCIES]
        get_user_model().objects.filter(agency_membership__agency__slug__in=slugs).delete()
        Agency.objects.filter(slug__in=slugs, campaigns__isnull=True).delete()
        get_user_model().objects.filter(username__in=[ORGANISER["username"], BRAND_MEMBER["username"]]).delete()


def seed(*, scale: float = 1.0, say: Callable[[str], None] = print) -> dict:
    """Build (or complete) the demo; returns what to tell the person who asked for it."""
    if scale <= 0 or scale > 1:
        raise ValueError("scale must be in (0, 1].")
    say("France 2026: editions, categories, brands, entries, agencies, campaigns")
    edition_2026 = _load(2026, scale)
    _logos()
    if not edition_2026.is_frozen:
        _upload(2026, edition_2026, say)
        say("France 2026: recomputing the rankings")
        recompute_edition(edition=edition_2026)
        say("France 2026: publishing the palmarès")
        edition_publish(edition=edition_2026)
    say("France 2027: open edition, season under way")
    edition_2027 = _load(2027, scale)
    if _upload(2027, edition_2027, say):
        recompute_edition(edition=edition_2027)
    _calibration(edition_2027)
    _users()
    token, _created = agency_api_token(agency=Agency.objects.get(slug=AGENCIES[0]["slug"]))
    return {
        "editions": {2026: edition_2026.pk, 2027: edition_2027.pk},
        "organiser": ORGANISER,
        "brand_member": BRAND_MEMBER,
        "agency": {"slug": AGENCIES[0]["slug"], "token": token},
    }
