"""Calibration rounds read and written (issue 20): the season's agreement and drift of an edition's
channel, and a round's ratings imported from a CSV file (all or nothing)."""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.utils.translation import gettext as _

from election.models import Edition

from . import calibration
from .calibration_models import CalibrationRating, CalibrationRound, points_errors
from .models import Agency
from .selectors import criterion_labels


class CalibrationImportError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def season(*, edition: Edition, channel: str) -> dict:
    """The channel's rounds in date order: α per criterion (units = rounds, coders = shoppers, ordinal),
    and the drift (each shopper's deviation round after round, each round's α over the criteria)."""
    criteria = list(criterion_labels(edition.pk, channel).items())  # in the reader's language
    codes = [code for code, _label in criteria]
    rounds = list(
        CalibrationRound.objects.filter(edition=edition, channel=channel)
        .order_by("held_on", "id")
        .prefetch_related("ratings__agency")
    )
    inputs = [
        calibration.RoundInput(
            label=f"{r.title} ({r.held_on:%Y-%m-%d})",
            ratings={_shopper_key(x): x.scores for x in r.ratings.all()},
            reference=r.reference or None,
        )
        for r in rounds
    ]
    alphas = calibration.alpha_per_criterion([i.ratings for i in inputs], codes)
    return {
        "criteria": [
            {"code": code, "label": label, "alpha": alphas[code], "low": _low(alphas[code])} for code, label in criteria
        ],
        "rounds": rounds,
        "drift": calibration.drift(inputs, codes),
        "acceptable": calibration.ACCEPTABLE_ALPHA,
        "level": calibration.LEVEL,
    }


def _shopper_key(rating: CalibrationRating) -> str:
    # Shopper codes are the agency's own: the same code at two agencies is two people.
    return f"{rating.agency.slug}/{rating.shopper}"


def _low(value: float | None) -> bool:
    return value is not None and value < calibration.ACCEPTABLE_ALPHA


def import_ratings(*, round: CalibrationRound, content: bytes) -> int:
    """A round's ratings from CSV (UTF-8, ``,`` or ``;``): columns ``agency`` (slug), ``shopper`` and one per
    criterion code of the channel's grid (blank = not scored). A shopper already rated is replaced.
    All or nothing: any error raises CalibrationImportError listing every error by row, and nothing is stored."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CalibrationImportError([_("The file is not UTF-8 text.")]) from exc
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
    codes = set(round.criterion_codes())
    header = [h.strip() for h in reader.fieldnames or []]
    errors = []
    for needed in ("agency", "shopper"):
        if needed not in header:
            errors.append(_("Row 1: the column “%(column)s” is missing.") % {"column": needed})
    unknown = [h for h in header if h not in codes | {"agency", "shopper"}]
    if unknown:
        errors.append(_("Row 1: unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    if errors:
        raise CalibrationImportError(errors)
    agencies = {a.slug: a for a in Agency.objects.all()}
    rows, seen = [], set()
    for number, raw in enumerate(reader, start=2):
        line = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        agency, shopper = agencies.get(line.get("agency", "")), line.get("shopper", "")
        if agency is None:
            errors.append(_("Row %(row)s: no agency “%(slug)s”.") % {"row": number, "slug": line.get("agency", "")})
        if not shopper or len(shopper) > 40:
            errors.append(_("Row %(row)s: a shopper code (1 to 40 characters) is required.") % {"row": number})
        scores = {}
        for code in codes:
            value = line.get(code, "")
            if value == "":
                continue
            scores[code] = int(value) if value in ("0", "1", "2") else value
        errors.extend(_("Row %(row)s: %(error)s") % {"row": number, "error": e} for e in points_errors(scores, codes))
        if (line.get("agency"), shopper) in seen:
            errors.append(_("Row %(row)s: this shopper is already in the file.") % {"row": number})
        seen.add((line.get("agency"), shopper))
        rows.append((agency, shopper, scores))
    if not rows and not errors:
        errors.append(_("The file has no rating."))
    if errors:
        raise CalibrationImportError(errors)
    with transaction.atomic():
        for agency, shopper, scores in rows:
            CalibrationRating.objects.update_or_create(
                round=round, agency=agency, shopper=shopper, defaults={"scores": scores}
            )
    return len(rows)
