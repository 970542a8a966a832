"""Builders shared by the certificate tests: a decided publication with a snapshot in the
API.md shapes, and a PDF's page rendered to an image."""

import datetime as dt
import hashlib
import json
import subprocess
from pathlib import Path

from django.utils import timezone
from PIL import Image

from election.models import Entry
from palmares.models import Publication


def make_publication(edition, laureates, *, goes_live_at=None, others=()):
    """A current publication whose palmarès names ``laureates`` [(entry, overall)] and whose
    rankings also list ``others`` [(entry, overall)] (never laureates)."""
    now = timezone.now()
    goes_live_at = goes_live_at or now - dt.timedelta(minutes=1)
    categories: dict[str, dict] = {}
    for entry in edition_entries(edition):
        categories.setdefault(
            entry.category.slug, {"slug": entry.category.slug, "name": entry.category.name, "laureates": []}
        )
    for entry, overall in laureates:
        categories[entry.category.slug]["laureates"].append(
            {"brand": {"slug": entry.brand.slug, "name": entry.brand.name}, "overall": overall}
        )
    ranked = [(e, o, True) for e, o in laureates] + [(e, o, False) for e, o in others]
    rankings = {
        "edition": edition.pk,
        "computed_at": now.isoformat(),
        "stale": False,
        "categories": [
            {
                "slug": slug,
                "name": body["name"],
                "contested": True,
                "awarded": bool(body["laureates"]),
                "entries": [
                    {
                        "entry": e.pk,
                        "brand": {"slug": e.brand.slug, "name": e.brand.name},
                        "rank": None,
                        "overall": o,
                        "moe": 0.5,
                        "complete": True,
                        "laureate": is_laureate,
                        "close_call": False,
                        "channels": {},
                    }
                    for e, o, is_laureate in ranked
                    if e.category.slug == slug
                ],
            }
            for slug, body in sorted(categories.items())
        ],
    }
    palmares = {
        "edition": {
            "id": edition.pk,
            "country": edition.country,
            "year": edition.year,
            "name": edition.name,
            "published_at": goes_live_at.isoformat(),
        },
        "figures": {},
        "categories": [body for _slug, body in sorted(categories.items())],
    }
    snapshot = {"rankings": rankings, "palmares": palmares}
    edition.frozen_at = now
    edition.published_at = goes_live_at
    edition.save(update_fields=["frozen_at", "published_at"])
    return Publication.objects.create(
        edition=edition,
        decided_at=now,
        goes_live_at=goes_live_at,
        snapshot=snapshot,
        fingerprint=hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest(),
    )


def edition_entries(edition):
    return Entry.objects.filter(category__edition=edition).select_related("category", "brand")


def pdf_page_image(pdf_path: Path, out_prefix: Path, *, dpi: int = 150) -> Image.Image:
    """Page 1 of the PDF rendered by poppler's pdftoppm, as a PIL image."""
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf_path), str(out_prefix)],
        check=True,
        capture_output=True,
    )
    return Image.open(f"{out_prefix}.png")
