"""``python manage.py agency_token AGENCY_SLUG``: the API token of an agency, its key alone on the last line."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mystery_tests.models import Agency
from mystery_tests.services import agency_api_token


class Command(BaseCommand):
    help = _("Print the API token of an agency (creating its API user “api-<slug>” on first use).")

    def add_arguments(self, parser):
        parser.add_argument("agency_slug", help=_("The agency's slug."))

    def handle(self, *args, agency_slug: str, **options):
        agency = Agency.objects.filter(slug=agency_slug).first()
        if agency is None:
            raise CommandError(_("No agency with the slug “%(slug)s”.") % {"slug": agency_slug})
        try:
            key, created = agency_api_token(agency=agency)
        except ValueError as exc:
            raise CommandError(str(exc))
        status = _("New token") if created else _("Existing token")
        self.stderr.write(
            _("%(status)s for agency “%(agency)s” (user api-%(slug)s); send it as “Authorization: Token <key>”:")
            % {"status": status, "agency": agency.name, "slug": agency.slug}
        )
        self.stdout.write(key)
