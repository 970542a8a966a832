"""Reads of published palmarès data. Public pages read only frozen snapshots, never live rankings."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from common.pagecache import bump_public_generation, public_generation
from election.models import Brand, Edition
from palmares.models import Publication

# A pointer to an edition's current publication, so a cached page costs no query at all.
# Publishing and unpublishing delete it on commit; the short lifetime bounds staleness for
# per-process caches (locmem) that another process's deletion cannot reach. "No publication"
# is never cached, so a publication decided in another process shows at once.
POINTER_TTL = 10
PAGE_TTL = 60 * 60
# Laureates shown on an edition's card of the palmarès home.
HOME_HIGHLIGHTS = 5


def live_publications() -> QuerySet[Publication]:
    """Current publications whose go-live time has come."""
    return Publication.objects.filter(is_current=True, goes_live_at__lte=timezone.now())


def live_publication(*, edition: Edition) -> Publication | None:
    """The edition's current publication if it is live, else None."""
    return live_publications().filter(edition=edition).first()


def _pointer_key(country: str, year: int) -> str:
    return f"palmares:current:{country.upper()}:{year}"


def current_publication_ref(*, country: str, year: int) -> dict[str, Any] | None:
    """``{"id", "fingerprint", "edition_id", "goes_live_at"}`` of the edition's current publication
    (live or scheduled), or None. Cached briefly; the caller decides whether it is live."""
    key = _pointer_key(country, year)
    ref = cache.get(key)
    if ref is None:
        row = (
            Publication.objects.filter(edition__country=country.upper(), edition__year=year, is_current=True)
            .values("id", "fingerprint", "edition_id", "goes_live_at")
            .first()
        )
        if row is not None:
            cache.set(key, row, POINTER_TTL)
        ref = row
    return ref


def is_live(ref: dict[str, Any] | None, now: dt.datetime | None = None) -> bool:
    return ref is not None and ref["goes_live_at"] <= (now or timezone.now())


def forget_live_publication(*, edition_id: int) -> None:
    edition = Edition.objects.filter(pk=edition_id).values("country", "year").first()
    if edition:
        cache.delete(_pointer_key(edition["country"], edition["year"]))
    bump_public_generation()


def next_go_live(now: dt.datetime | None = None) -> dt.datetime | None:
    """The earliest scheduled go-live of a current publication still to come (a cached page that depends
    on which publications are live must not outlive it)."""
    now = now or timezone.now()
    return (
        Publication.objects.filter(is_current=True, goes_live_at__gt=now)
        .order_by("goes_live_at")
        .values_list("goes_live_at", flat=True)
        .first()
    )


def publication_snapshot(*, publication_id: int) -> dict:
    return Publication.objects.values_list("snapshot", flat=True).get(pk=publication_id)


def palmares_home() -> list[dict[str, Any]]:
    """Live editions, newest first, with their palmarès headline (name, figures, laureates' count)."""
    rows = (
        live_publications()
        .order_by("-edition__year", "edition__country")
        .values(
            "id",
            "fingerprint",
            "goes_live_at",
            "edition__country",
            "edition__year",
            "edition__name",
            "snapshot__palmares__figures",
            "snapshot__palmares__categories",
        )
    )
    editions = []
    for row in rows:
        figures = row["snapshot__palmares__figures"] or {}
        editions.append(
            {
                "publication_id": row["id"],
                "fingerprint": row["fingerprint"],
                "country": row["edition__country"],
                "year": row["edition__year"],
                "name": row["edition__name"],
                "published_at": row["goes_live_at"],
                "figures": figures,
                "highlights": [
                    {
                        # Held for every language (palmares_home_cached): the page picks the reader's (views).
                        "category": c["name"],
                        "category_names": c.get("names") or {},
                        "brands": ", ".join(lau["brand"]["name"] for lau in c["laureates"]),
                    }
                    for c in (row["snapshot__palmares__categories"] or [])
                    if c["laureates"]
                ][:HOME_HIGHLIGHTS],
            }
        )
    return editions


def next_go_live_cached() -> dt.datetime | None:
    """next_go_live(), read once per public generation and at most POINTER_TTL seconds."""
    key = f"palmares:next-go-live:{public_generation()}"
    held = cache.get(key)
    if held is None:
        held = {"at": next_go_live()}
        cache.set(key, held, POINTER_TTL)
    return held["at"]


def palmares_home_cached(now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """palmares_home() read once per public generation (publication, unpublication, revocation) and at most
    POINTER_TTL seconds (per-process caches), and read again when a scheduled publication goes live."""
    now = now or timezone.now()
    key = f"palmares:home:{public_generation()}"
    held = cache.get(key)
    if held is None or (held["until"] is not None and now >= held["until"]):
        held = {"editions": palmares_home(), "until": next_go_live_cached()}
        cache.set(key, held, POINTER_TTL)
    return held["editions"]


def home_fingerprint(editions: list[dict[str, Any]]) -> str:
    """Changes whenever a publication goes live, is withdrawn or replaced."""
    raw = "|".join(f"{e['publication_id']}:{e['fingerprint']}" for e in editions)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def brand_titles(*, slug: str) -> dict[str, Any] | None:
    """A brand's titles across live editions (from their snapshots), newest first; None without any."""
    rows = (
        live_publications()
        .order_by("-edition__year", "edition__country")
        .values("id", "fingerprint", "edition__country", "edition__year", "edition__name", "snapshot__palmares")
    )
    name = None
    titles = []
    fingerprint = hashlib.sha256()
    for row in rows:
        fingerprint.update(f"{row['id']}:{row['fingerprint']}|".encode())
        for category in (row["snapshot__palmares"] or {}).get("categories", []):
            laureates = category["laureates"]
            for laureate in laureates:
                if laureate["brand"]["slug"] != slug:
                    continue
                name = laureate["brand"]["name"]
                titles.append(
                    {
                        "country": row["edition__country"],
                        "year": row["edition__year"],
                        "edition_name": row["edition__name"],
                        "category": {
                            "slug": category["slug"],
                            "name": category["name"],
                            "names": category.get("names") or {},
                        },
                        "overall": laureate["overall"],
                        "ex_aequo": len(laureates) > 1,
                    }
                )
    if not titles:
        return None
    return {"slug": slug, "name": name, "titles": titles, "fingerprint": fingerprint.hexdigest()[:32]}


def brand_logos(*, slugs) -> dict[str, str]:
    """``{brand slug: logo address}`` of the brands among ``slugs`` that have a logo (one query). Logos are
    not part of a frozen palmarès: a page shows the brand's logo as it is now."""
    rows = Brand.objects.filter(slug__in=set(slugs)).exclude(logo="").values_list("slug", "logo")
    return {slug: default_storage.url(name) for slug, name in rows}


def parse_when(value: Any) -> dt.datetime | None:
    """Datetimes come back from JSON snapshots as ISO strings."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return parse_datetime(value)


def live_palmares(*, edition_id: int) -> dict | None:
    """The frozen palmarès body of API.md for a live edition, else None."""
    return live_publications().filter(edition_id=edition_id).values_list("snapshot__palmares", flat=True).first()
