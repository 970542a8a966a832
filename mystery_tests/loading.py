"""``load_edition``: create or update a whole edition from one JSON document (API.md "Command line").

The document is validated completely first (every problem, each named by its path in the
file, e.g. ``entries[3].brand``), then written in one transaction: a bad file changes
nothing. Objects are keyed by country/year (edition), slug (categories, brands, agencies),
brand + category (entries) and agency (campaigns), and a row is only written when its
content differs, so loading the same file twice changes nothing.

It lives in mystery_tests because an edition file also carries agencies, campaigns and the
grid; it signals changed ranking inputs with ``inputs_changed`` like every other writer here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from election.channels import CHANNELS
from election.fieldwork import scenario_errors, slot_errors
from election.models import FIELDWORK_FIELDS, SETTING_FIELDS, Brand, Category, Edition, Entry

from .grid import default_grid
from .models import Agency, Campaign, Criterion, TestResult
from .services import grid_recompute_scores
from .signals import inputs_changed

TOP_KEYS = {"country", "year", "name", "time_zone", "settings", "grid"} | {
    "categories",
    "brands",
    "entries",
    "agencies",
    "campaigns",
}
SETTING_KEYS = {"threshold", "min_entrants", "completion", "quota", "weight", *FIELDWORK_FIELDS}
ITEM_KEYS = {
    # A category's name in the edition's language and/or its names by language (issue 19); one is required.
    "categories": ({"slug", "name", "names"}, {"slug"}),
    "brands": ({"slug", "name"}, {"slug", "name"}),
    "agencies": ({"slug", "name"}, {"slug", "name"}),
    "entries": ({"brand", "category", "status"}, {"brand", "category"}),
    "campaigns": ({"agency", "starts_on", "ends_on", "categories"}, {"agency", "starts_on", "ends_on"}),
}
GRID_KEYS = ({"code", "label", "labels", "weight"}, {"code", "weight"})
# Edition model field → its path in the file, so that a model validation error names the file's key.
FIELD_PATHS = {
    "threshold": "settings.threshold",
    "min_entrants": "settings.min_entrants",
    "completion": "settings.completion",
    **{f"quota_{c}": f"settings.quota.{c}" for c in CHANNELS},
    **{f"weight_{c}": f"settings.weight.{c}" for c in CHANNELS},
    **{name: f"settings.{name}" for name in FIELDWORK_FIELDS},
}


class EditionFileInvalid(Exception):
    """The document cannot be loaded; ``errors`` lists every problem as ``{"path", "message"}``."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{e['path'] or '(file)'}: {e['message']}" for e in errors))


@dataclass
class _Plan:
    """The validated document, ready to write."""

    edition: Edition
    edition_changed: bool
    settings_changed: bool
    grid: dict[str, list[dict]]
    categories: list[dict] = field(default_factory=list)
    brands: list[dict] = field(default_factory=list)
    entries: list[dict] = field(default_factory=list)
    agencies: list[dict] = field(default_factory=list)
    campaigns: list[dict] = field(default_factory=list)


class _Checker:
    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append({"path": path, "message": message})

    def keys(self, obj: Any, path: str, allowed: set[str], required: set[str]) -> bool:
        if not isinstance(obj, dict):
            self.error(path, _("Expected an object."))
            return False
        for key in sorted(set(obj) - allowed):
            self.error(
                f"{path}.{key}" if path else key,
                _("Unknown key (allowed: %(keys)s).") % {"keys": ", ".join(sorted(allowed))},
            )
        for key in sorted(required - set(obj)):
            self.error(f"{path}.{key}" if path else key, _("This key is required."))
        return True

    def text(self, obj: dict, key: str, path: str, max_length: int = 200) -> str | None:
        value = obj.get(key)
        if key not in obj:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(path, _("Expected a non-empty text."))
            return None
        if len(value) > max_length:
            self.error(path, _("At most %(n)d characters.") % {"n": max_length})
            return None
        return value.strip()

    def slug(self, obj: dict, key: str, path: str) -> str | None:
        value = self.text(obj, key, path, max_length=80)
        if value is None:
            return None
        try:
            validate_slug(value)
        except ValidationError:
            self.error(path, _("“%(value)s” is not a slug (letters, digits, hyphens, underscores).") % {"value": value})
            return None
        return value

    def integer(self, value: Any, path: str, minimum: int = 0) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, _("Expected a whole number."))
            return None
        if value < minimum:
            self.error(path, _("Expected a number of at least %(n)d.") % {"n": minimum})
            return None
        return value

    def decimal(self, value: Any, path: str) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            self.error(path, _("Expected a number."))
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            self.error(path, _("Expected a number."))
            return None

    def date(self, obj: dict, key: str, path: str) -> dt.date | None:
        value = obj.get(key)
        if isinstance(value, str) and len(value) == 10:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.error(path, _("Expected a date as YYYY-MM-DD."))
        return None

    def unique(self, key, path: str, seen: dict, label: str) -> bool:
        if key in seen:
            self.error(
                path,
                _("Duplicate %(what)s “%(key)s” (already at %(first)s).")
                % {"what": label, "key": _key_text(key), "first": seen[key]},
            )
            return False
        seen[key] = path
        return True


def _key_text(key) -> str:
    return " / ".join(key) if isinstance(key, tuple) else str(key)


def _list(checker: _Checker, data: dict, key: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        checker.error(key, _("Expected a list."))
        return []
    return value


# -- validation ---------------------------------------------------------------------------


def _check_edition(c: _Checker, data: dict) -> tuple[Edition | None, bool, bool]:
    country = c.text(data, "country", "country", max_length=2)
    year = c.integer(data["year"], "year", minimum=1) if "year" in data else None
    name = c.text(data, "name", "name")
    if country is None or year is None:
        return None, False, False
    country = country.upper()
    edition = Edition.objects.filter(country=country, year=year).first() or Edition(country=country, year=year)
    before = {f: getattr(edition, f) for f in ("name", "time_zone", *SETTING_FIELDS, *FIELDWORK_FIELDS)}
    if name is not None:
        edition.name = name
    if "time_zone" in data:
        if (tz := c.text(data, "time_zone", "time_zone", max_length=64)) is not None:
            edition.time_zone = tz
    elif edition.pk is None:
        edition.time_zone = "Europe/Paris"
    _apply_settings(c, data.get("settings", {}), edition)
    try:
        edition.full_clean(validate_unique=False)
    except ValidationError as exc:
        reported = {e["path"] for e in c.errors}  # e.g. a missing name is already said once
        for model_field, messages in exc.message_dict.items():
            path = FIELD_PATHS.get(model_field, "" if model_field == "__all__" else model_field)
            for message in messages if path not in reported else ():
                c.error(path, message)
    after = {f: getattr(edition, f) for f in before}
    changed = {f for f in before if before[f] != after[f]}
    return edition, edition.pk is None or bool(changed), bool(changed & set(SETTING_FIELDS))


def _apply_settings(c: _Checker, settings: Any, edition: Edition) -> None:
    if not c.keys(settings, "settings", SETTING_KEYS, set()):
        return
    if "threshold" in settings and (v := c.decimal(settings["threshold"], "settings.threshold")) is not None:
        edition.threshold = v
    if "completion" in settings and (v := c.decimal(settings["completion"], "settings.completion")) is not None:
        edition.completion = v
    if (
        "min_entrants" in settings
        and (v := c.integer(settings["min_entrants"], "settings.min_entrants", 1)) is not None
    ):
        edition.min_entrants = v
    _apply_fieldwork(c, settings, edition)
    for kind in ("quota", "weight"):
        values = settings.get(kind, {})
        if not c.keys(values, f"settings.{kind}", set(CHANNELS), set()):
            continue
        for channel, value in values.items():
            if channel not in CHANNELS:
                continue
            path = f"settings.{kind}.{channel}"
            if kind == "weight" and value is None:  # null: equal to the quota (METHODOLOGY §2)
                setattr(edition, f"weight_{channel}", None)
                continue
            if (v := c.integer(value, path, 0)) is not None:
                setattr(edition, f"{kind}_{channel}", v)


def _apply_fieldwork(c: _Checker, settings: dict, edition: Edition) -> None:
    """Issue 20's settings: ``slots``, ``scenarios`` (checked item by item, every problem at its place)
    and ``max_shopper_share`` (a number, e.g. 0.2)."""
    for name, check in (("slots", slot_errors), ("scenarios", scenario_errors)):
        if name not in settings:
            continue
        problems = check(settings[name])
        for where, message in problems:
            c.error(f"settings.{where}", message)
        if not problems:
            setattr(edition, name, settings[name])
    if "max_shopper_share" in settings:
        value = c.decimal(settings["max_shopper_share"], "settings.max_shopper_share")
        if value is not None:
            edition.max_shopper_share = value


def _check_grid(c: _Checker, data: dict, edition: Edition | None) -> dict[str, list[dict]]:
    grid = data.get("grid", {})
    if not c.keys(grid, "grid", set(CHANNELS), set()):
        return {}
    result: dict[str, list[dict]] = {}
    language = edition.language if edition else "fr"
    defaults = {ch: {r["code"]: r for r in rows} for ch, rows in default_grid(language).items()}
    for channel, rows in grid.items():
        if channel not in CHANNELS:
            continue
        if not isinstance(rows, list) or not rows:
            c.error(f"grid.{channel}", _("Expected a non-empty list of criteria."))
            continue
        seen: dict = {}
        clean_rows = []
        for i, row in enumerate(rows):
            path = f"grid.{channel}[{i}]"
            if not c.keys(row, path, *GRID_KEYS):
                continue
            code = c.slug(row, "code", f"{path}.code")
            weight = c.integer(row["weight"], f"{path}.weight", 1) if "weight" in row else None
            label = c.text(row, "label", f"{path}.label") if "label" in row else None
            labels = _check_labels(c, row, path) if "labels" in row else None
            if code is None or weight is None or not c.unique(code, f"{path}.code", seen, _("criterion code")):
                continue
            clean_rows.append(
                {
                    "code": code,
                    "weight": weight,
                    **_grid_labels(label, labels, language, defaults[channel].get(code), code),
                }
            )
        result[channel] = clean_rows
    return result


def _check_labels(c: _Checker, row: dict, path: str, key: str = "labels") -> dict[str, str] | None:
    """``labels`` (a criterion's) or ``names`` (a category's): {"fr": …, "en": …}, one or both, each a
    non-empty text."""
    labels = row[key]
    languages = {code for code, _name in django_settings.LANGUAGES}
    if not c.keys(labels, f"{path}.{key}", languages, set()):
        return None
    clean = {lang: c.text(labels, lang, f"{path}.{key}.{lang}") for lang in sorted(languages & set(labels))}
    return None if None in clean.values() else clean


def _grid_labels(label: str | None, labels: dict | None, language: str, default: dict | None, code: str) -> dict:
    """A criterion's ``label`` (the edition's language) and ``labels`` (every language known):
    the item's ``label`` wins for the edition's language; with neither ``label`` nor ``labels``,
    a criterion of the default grid keeps its default labels in both languages."""
    if label is None and labels is None and default is not None:
        return {"label": default["label"], "labels": dict(default["labels"])}
    labels = dict(labels or {})
    if label is not None:
        labels[language] = label
    label = labels.get(language) or (default or {}).get("label") or next(iter(labels.values()), code)
    return {"label": label, "labels": labels}


def _check_items(c: _Checker, data: dict, kind: str, label: str, language: str = "fr") -> list[dict]:
    items = []
    seen: dict = {}
    named_by_language = "names" in ITEM_KEYS[kind][0]
    for path, item in _keyed_items(c, data, kind):
        slug = c.slug(item, "slug", f"{path}.slug")
        if named_by_language:
            named = _item_names(c, item, path, language) or {}
        else:
            named = {"name": c.text(item, "name", f"{path}.name")}
        if slug is not None and c.unique(slug, f"{path}.slug", seen, label) and named.get("name") is not None:
            items.append({"slug": slug, **named})
    return items


def _item_names(c: _Checker, item: dict, path: str, language: str) -> dict | None:
    """A category's ``name`` (the edition's language; it wins) and/or ``names`` by language (one is required):
    ``{"name"}`` or ``{"name", "names"}``, None when invalid."""
    name = c.text(item, "name", f"{path}.name") if "name" in item else None
    names = _check_labels(c, item, path, "names") if "names" in item else None
    if ("name" in item and name is None) or ("names" in item and names is None):
        return None
    if names is None:  # the name alone: the names already given in other languages stay (Category.save)
        return {"name": name} if name is not None else c.error(f"{path}.name", _("This key is required."))
    if name is not None:
        names[language] = name
    name = names.get(language) or next(iter(names.values()))
    return {"name": name, "names": {language: name, **names}}


def _keyed_items(c: _Checker, data: dict, kind: str) -> Iterator[tuple[str, dict]]:
    """(path, item) of each item of the list ``kind`` whose keys are as ITEM_KEYS says (the others are reported)."""
    allowed, required = ITEM_KEYS[kind]
    for i, item in enumerate(_list(c, data, kind)):
        path = f"{kind}[{i}]"
        if c.keys(item, path, allowed, required):
            yield path, item


def _known_categories(edition: Edition | None, categories: list) -> set[str]:
    """The category slugs an entry or a campaign may name: the file's and the edition's already stored."""
    known = {x["slug"] for x in categories}
    if edition is not None and edition.pk:
        known |= set(edition.categories.values_list("slug", flat=True))
    return known


def _check_entries(c: _Checker, data: dict, edition: Edition | None, categories: list, brands: list) -> list[dict]:
    known_categories = _known_categories(edition, categories)
    file_brands = {x["slug"] for x in brands}
    wanted_brands = {e.get("brand") for e in data.get("entries", []) if isinstance(e, dict)} - file_brands
    known_brands = file_brands | set(
        Brand.objects.filter(slug__in=[b for b in wanted_brands if isinstance(b, str)]).values_list("slug", flat=True)
    )
    entries, seen = [], {}
    for path, item in _keyed_items(c, data, "entries"):
        brand = c.slug(item, "brand", f"{path}.brand")
        category = c.slug(item, "category", f"{path}.category")
        status = item.get("status", Entry.Status.REGISTERED)
        ok = brand is not None and category is not None
        if brand is not None and brand not in known_brands:
            c.error(
                f"{path}.brand",
                _("Unknown brand “%(slug)s”: it is neither in “brands” nor already registered.") % {"slug": brand},
            )
            ok = False
        if category is not None and category not in known_categories:
            c.error(
                f"{path}.category",
                _("Unknown category “%(slug)s”: it is neither in “categories” nor already in this edition.")
                % {"slug": category},
            )
            ok = False
        if status not in Entry.Status.values:
            c.error(
                f"{path}.status",
                _("Unknown status “%(value)s” (allowed: %(choices)s).")
                % {"value": status, "choices": ", ".join(Entry.Status.values)},
            )
            ok = False
        if ok and c.unique((brand, category), path, seen, _("entry")):
            entries.append({"brand": brand, "category": category, "status": status, "path": path})
    return entries


def _check_campaigns(c: _Checker, data: dict, edition: Edition | None, categories: list, agencies: list) -> list[dict]:
    known_categories = _known_categories(edition, categories)
    known_agencies = {x["slug"] for x in agencies}
    campaigns, seen = [], {}
    for path, item in _keyed_items(c, data, "campaigns"):
        agency = c.slug(item, "agency", f"{path}.agency")
        starts_on = c.date(item, "starts_on", f"{path}.starts_on") if "starts_on" in item else None
        ends_on = c.date(item, "ends_on", f"{path}.ends_on") if "ends_on" in item else None
        ok = agency is not None and starts_on is not None and ends_on is not None
        if agency is not None and agency not in known_agencies and not Agency.objects.filter(slug=agency).exists():
            c.error(
                f"{path}.agency",
                _("Unknown agency “%(slug)s”: it is neither in “agencies” nor already registered.") % {"slug": agency},
            )
            ok = False
        if starts_on and ends_on and ends_on < starts_on:
            c.error(f"{path}.ends_on", _("The campaign ends before it starts."))
            ok = False
        slugs = item.get("categories")
        if slugs is None:
            slugs = sorted(known_categories)  # no list: the campaign covers the whole edition
        elif not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
            c.error(f"{path}.categories", _("Expected a list of category slugs."))
            ok = False
            slugs = []
        for j, slug in enumerate(slugs):
            if slug not in known_categories:
                c.error(f"{path}.categories[{j}]", _("Unknown category “%(slug)s” in this edition.") % {"slug": slug})
                ok = False
        if ok and c.unique(agency, f"{path}.agency", seen, _("campaign for agency")):
            campaigns.append(
                {"agency": agency, "starts_on": starts_on, "ends_on": ends_on, "categories": sorted(set(slugs))}
            )
    return campaigns


def _current_grid(edition: Edition) -> dict[str, list[dict]]:
    grid: dict[str, list[dict]] = {}
    for row in Criterion.objects.filter(edition=edition).order_by("channel", "position", "id"):
        grid.setdefault(row.channel, []).append(
            {"code": row.code, "weight": row.weight, "label": row.label, "labels": row.labels}
        )
    return grid


def _check_frozen(c: _Checker, plan: _Plan) -> None:
    """A frozen edition's result is decided: its settings, grid and entries can no longer change."""
    edition = plan.edition
    if edition.pk is None or not edition.is_frozen:
        return
    message = _("The results of this edition are frozen (published): this can no longer change.")
    current = _current_grid(edition)
    for channel, rows in plan.grid.items():
        if current.get(channel, []) != rows:
            c.error(f"grid.{channel}", message)
    rows = Entry.objects.filter(category__edition=edition).values_list("brand__slug", "category__slug", "status")
    existing = {(brand, category): status for brand, category, status in rows}
    for entry in plan.entries:
        if existing.get((entry["brand"], entry["category"])) != entry["status"]:
            c.error(entry["path"], message)


def _validate(data: Any) -> _Plan:
    c = _Checker()
    if not c.keys(data, "", TOP_KEYS, {"country", "year", "name"}):
        raise EditionFileInvalid(c.errors)
    edition, edition_changed, settings_changed = _check_edition(c, data)
    grid = _check_grid(c, data, edition)
    language = edition.language if edition is not None else "fr"
    categories = _check_items(c, data, "categories", _("category slug"), language)
    brands = _check_items(c, data, "brands", _("brand slug"))
    agencies = _check_items(c, data, "agencies", _("agency slug"))
    entries = _check_entries(c, data, edition, categories, brands)
    campaigns = _check_campaigns(c, data, edition, categories, agencies)
    if edition is None:
        raise EditionFileInvalid(c.errors)
    plan = _Plan(edition, edition_changed, settings_changed, grid, categories, brands, entries, agencies, campaigns)
    _check_frozen(c, plan)
    if c.errors:
        raise EditionFileInvalid(c.errors)
    return plan


# -- writing ------------------------------------------------------------------------------


def _upsert(model, lookup: dict, values: dict) -> tuple[Any, bool]:
    """Get or create by ``lookup``; save only when ``values`` differ. Returns (object, written)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), True
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save()
    return obj, bool(changed)


def _write_grid(edition: Edition, grid: dict[str, list[dict]]) -> bool:
    """Replace the named channels' grid; a channel with no grid at all gets the default (§3)."""
    current = _current_grid(edition)
    wanted = dict(grid)
    for channel, rows in default_grid(edition.language).items():
        if channel not in wanted and not current.get(channel):
            wanted[channel] = rows
    changed = False
    for channel, rows in wanted.items():
        if current.get(channel, []) == rows:
            continue
        # Filling an empty channel changes no stored score; replacing criteria may.
        changed = changed or bool(current.get(channel))
        Criterion.objects.filter(edition=edition, channel=channel).delete()
        Criterion.objects.bulk_create(
            Criterion(edition=edition, channel=channel, position=i, **row) for i, row in enumerate(rows)
        )
    return changed


def _write_entries(items: list[dict], categories: dict, brands: dict) -> set[int]:
    """Create or update entries in bulk; returns the ids of the categories whose entries changed.

    Bulk writes send no per-row model signal: the caller signals the changed categories once.
    """
    existing = {(e.category_id, e.brand_id): e for e in Entry.objects.filter(category__in=list(categories.values()))}
    new, changed = [], []
    for item in items:
        category, brand = categories[item["category"]], brands[item["brand"]]
        entry = existing.get((category.pk, brand.pk))
        if entry is None:
            new.append(Entry(category=category, brand=brand, status=item["status"]))
        elif entry.status != item["status"]:
            entry.status, entry.updated_at = item["status"], timezone.now()
            changed.append(entry)
    Entry.objects.bulk_create(new)
    Entry.objects.bulk_update(changed, ["status", "updated_at"])
    return {e.category_id for e in new + changed}


def _write(plan: _Plan) -> dict:
    edition = plan.edition
    if plan.edition_changed:
        edition.save()
    grid_changed = _write_grid(edition, plan.grid)
    categories = {c.slug: c for c in Category.objects.filter(edition=edition)}
    for item in plan.categories:
        categories[item["slug"]], _w = _upsert(
            Category,
            {"edition": edition, "slug": item["slug"]},
            {k: item[k] for k in ("name", "names") if k in item},
        )
    brands = {}
    for item in plan.brands:
        brands[item["slug"]], _w = _upsert(Brand, {"slug": item["slug"]}, {"name": item["name"]})
    missing = {e["brand"] for e in plan.entries} - set(brands)
    brands.update({b.slug: b for b in Brand.objects.filter(slug__in=missing)})
    touched = _write_entries(plan.entries, categories, brands)
    agencies = {}
    for item in plan.agencies:
        agencies[item["slug"]], _w = _upsert(Agency, {"slug": item["slug"]}, {"name": item["name"]})
    missing = {c["agency"] for c in plan.campaigns} - set(agencies)
    agencies.update({a.slug: a for a in Agency.objects.filter(slug__in=missing)})
    campaign_ids = {}
    for item in plan.campaigns:
        campaign, _w = _upsert(
            Campaign,
            {"edition": edition, "agency": agencies[item["agency"]]},
            {"starts_on": item["starts_on"], "ends_on": item["ends_on"]},
        )
        wanted = {categories[s].pk for s in item["categories"]}
        if set(campaign.categories.values_list("id", flat=True)) != wanted:
            campaign.categories.set(wanted)
        campaign_ids[item["agency"]] = campaign.pk
    if grid_changed and TestResult.objects.filter(campaign__edition=edition).exists():
        grid_recompute_scores(edition=edition)
    if plan.settings_changed or grid_changed:
        touched |= {c.pk for c in categories.values()}
    if touched:
        inputs_changed.send(sender=Edition, category_ids=touched, reason="edition file loaded")
    return {"edition": edition.pk, "campaigns": campaign_ids}


def load_edition(*, data: Any) -> dict:
    """Create or update an edition from an edition document (API.md "Command line"), all or nothing.

    Returns ``{"edition": id, "campaigns": {agency_slug: id}}``; raises EditionFileInvalid listing
    every problem, leaving the database unchanged.
    """
    with transaction.atomic():
        return _write(_validate(data))
