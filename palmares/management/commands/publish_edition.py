"""manage.py publish_edition EDITION_ID [--at DATETIME]: freeze now, go public now or at DATETIME."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from election.models import Edition
from palmares.publication import services


class Command(BaseCommand):
    help = (
        "Freeze an edition's rankings and figures now (uploads get 409 from then on) and make its "
        "palmarès public now or at --at (a time without offset is read in the edition's time zone)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("edition_id", type=int)
        parser.add_argument("--at", help="go-live time, ISO 8601, e.g. 2027-06-12T21:30 or 2027-06-12T19:30:00+00:00")

    def handle(self, *args, edition_id: int, at: str | None = None, **options) -> None:
        edition = Edition.objects.filter(pk=edition_id).first()
        if edition is None:
            raise CommandError(f"No edition with id {edition_id}.")
        goes_live = self._parse_at(at, edition) if at else None
        try:
            publication = services.edition_publish(edition=edition, at=goes_live)
        except services.PublicationError as exc:
            raise CommandError(str(exc)) from exc
        tz = zoneinfo.ZoneInfo(edition.time_zone)
        palmares = publication.snapshot["palmares"]
        awarded = sum(1 for c in palmares["categories"] if c["laureates"])
        live = publication.goes_live_at <= timezone.now()
        self.stdout.write(
            f"Froze {edition} (edition {edition.pk}) at {publication.decided_at.astimezone(dt.UTC).isoformat()}: "
            f"{len(palmares['categories'])} categories, {awarded} awarded; uploads are now refused."
        )
        when = f"{publication.goes_live_at.astimezone(tz).isoformat()} ({edition.time_zone})"
        self.stdout.write(f"Palmarès {'public since' if live else 'scheduled to go public at'} {when}.")
        self.stdout.write(f"Publication {publication.pk}, fingerprint {publication.fingerprint[:12]}.")

    def _parse_at(self, value: str, edition: Edition) -> dt.datetime:
        parsed = parse_datetime(value)
        if parsed is None:
            try:
                parsed = dt.datetime.fromisoformat(value)
            except ValueError:
                raise CommandError(
                    f"--at {value!r} is not a date and time (ISO 8601, e.g. 2027-06-12T21:30)."
                ) from None
        if timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=zoneinfo.ZoneInfo(edition.time_zone))
        return parsed
