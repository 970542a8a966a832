"""``manage.py seed_demo``: the demo platform (README "Quick start"), idempotent, or rebuilt with --reset."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import services as demo


class Command(BaseCommand):
    help = (
        "Build the demo: France 2026 published, France 2027 open, ~60 brands, 2 agencies and their results, "
        "uploaded through the agencies' path. Running it again completes or keeps the demo; --reset rebuilds it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="delete the demo's data first, then rebuild it")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="fraction of the real quotas to test (1 = the real 225 tests per entry; smaller is quicker)",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The demo is for development: refusing to run with DJANGO_ENV=production.")
        started = time.monotonic()
        if options["reset"]:
            self.stdout.write("Removing the previous demo")
            demo.reset()
        try:
            result = demo.seed(scale=options["scale"], say=self.stdout.write)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        organiser, member, agency = result["organiser"], result["brand_member"], result["agency"]
        self.stdout.write(
            self.style.SUCCESS(f"Demo ready in {time.monotonic() - started:.0f} s.")
            + "\n\n  Demo logins (demo data only, never in production):\n"
            f"    organiser (admin)   {organiser['username']} / {organiser['password']}\n"
            f"    brand member        {member['username']} / {member['password']}   (brand “{member['brand']}”)\n"
            f"    agency API token    {agency['token']}   (agency “{agency['slug']}”)\n"
        )
