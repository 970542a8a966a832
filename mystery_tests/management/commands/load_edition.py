"""``manage.py load_edition FILE.json`` (API.md "Command line")."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mystery_tests.loading import EditionFileInvalid, load_edition


class Command(BaseCommand):
    help = (
        "Create or update an edition with its settings, grid, categories, brands, entries, agencies and "
        'campaigns from a JSON file, all or nothing. Prints {"edition": ID, "campaigns": {"AGENCY_SLUG": ID}}.'
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the edition file (JSON)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc}) from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                _("%(file)s is not valid JSON: %(error)s at line %(line)d, column %(column)d. Nothing was changed.")
                % {"file": path, "error": exc.msg, "line": exc.lineno, "column": exc.colno}
            ) from exc
        try:
            result = load_edition(data=data)
        except EditionFileInvalid as exc:
            lines = [f"  {e['path'] or '(file)'}: {e['message']}" for e in exc.errors]
            raise CommandError(
                _("%(file)s is invalid (%(n)d problem(s)); nothing was changed:") % {"file": path, "n": len(lines)}
                + "\n"
                + "\n".join(lines)
            ) from exc
        self.stdout.write(json.dumps(result))
