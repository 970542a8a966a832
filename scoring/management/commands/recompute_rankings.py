"""python manage.py recompute_rankings EDITION_ID: recompute an edition's rankings synchronously."""

import json

from django.core.management.base import BaseCommand, CommandError

from election.models import Edition
from scoring.services import recompute_edition


class Command(BaseCommand):
    help = "Recompute the rankings of every category of an edition, synchronously."

    def add_arguments(self, parser) -> None:
        parser.add_argument("edition_id", type=int)

    def handle(self, *args, edition_id: int, **options) -> None:
        edition = Edition.objects.filter(pk=edition_id).first()
        if edition is None:
            raise CommandError(f"No edition with id {edition_id}.")
        report = recompute_edition(edition=edition)
        self.stdout.write(json.dumps({"edition": edition.pk, **report.as_dict()}))
        if report.failed:
            raise CommandError(
                f"The rankings of categories {report.failed} could not be recomputed; see the log "
                "and each category's last error. Their previous rankings are kept."
            )
