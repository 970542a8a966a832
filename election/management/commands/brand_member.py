"""``manage.py brand_member BRAND_SLUG USERNAME --password PASSWORD [--email E]`` (API.md "Command line")."""

from django.core.management.base import BaseCommand, CommandError

from election.members import MemberInvalid, member_set
from election.models import Brand


class Command(BaseCommand):
    help = "Create or update a portal member of a brand (organisers normally invite members from the admin)."

    def add_arguments(self, parser):
        parser.add_argument("brand", help="the brand's slug")
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", default=None)

    def handle(self, *args, brand: str, username: str, password: str, email: str | None, **options):
        try:
            brand_obj = Brand.objects.get(slug=brand)
        except Brand.DoesNotExist:
            raise CommandError(f"Unknown brand “{brand}” (no brand has this slug).")
        try:
            membership, created = member_set(brand=brand_obj, username=username, password=password, email=email)
        except MemberInvalid as exc:
            raise CommandError("; ".join(f"{field}: {message}" for field, message in exc.errors.items()))
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} user “{membership.user.get_username()}”, member of {brand_obj.slug}.")
