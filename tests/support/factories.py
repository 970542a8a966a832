"""factory_boy factories for every model the tests build."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from common.permissions import grant_organiser
from election.models import Brand, BrandMembership, Category, Edition, Entry
from mystery_tests.models import Agency, AgencyMembership, Campaign, Criterion

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class OrganiserFactory(UserFactory):
    """A staff account in the "Organisers" group (common.permissions): an organiser without being superuser."""

    is_staff = True

    @factory.post_generation
    def _organiser(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            grant_organiser(obj)


class EditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Edition
        skip_postgeneration_save = True

    country = "FR"
    # Within Edition's valid years (2000–2100) however many editions the whole suite creates.
    year = factory.Sequence(lambda n: 2030 + n % 70)
    name = factory.LazyAttribute(lambda e: f"Élu Service Client de l'Année {e.year}")
    time_zone = "Europe/Paris"
    tests_start_on = factory.LazyAttribute(lambda e: dt.date(e.year - 1, 5, 1))
    tests_end_on = factory.LazyAttribute(lambda e: dt.date(e.year - 1, 7, 31))

    @factory.post_generation
    def grid(obj, create, extracted, **kwargs):  # noqa: N805
        """A new edition gets the default grid of METHODOLOGY §3; pass ``grid=False`` for none."""
        if create and extracted is False:
            Criterion.objects.filter(edition=obj).delete()


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    edition = factory.SubFactory(EditionFactory)
    slug = factory.Sequence(lambda n: f"categorie-{n}")
    name = factory.LazyAttribute(lambda c: c.slug.replace("-", " ").title())


class _NamedBySlugFactory(factory.django.DjangoModelFactory):
    """A brand or an agency: found again by its slug, named after it unless a name is given."""

    class Meta:
        abstract = True
        django_get_or_create = ("slug",)

    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class BrandFactory(_NamedBySlugFactory):
    class Meta:
        model = Brand

    slug = factory.Sequence(lambda n: f"marque-{n}")


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    category = factory.SubFactory(CategoryFactory)
    brand = factory.SubFactory(BrandFactory)


class BrandMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandMembership

    user = factory.SubFactory(UserFactory)
    brand = factory.SubFactory(BrandFactory)


class AgencyFactory(_NamedBySlugFactory):
    class Meta:
        model = Agency

    slug = factory.Sequence(lambda n: f"agence-{n}")


class AgencyMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyMembership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    edition = factory.SubFactory(EditionFactory)
    agency = factory.SubFactory(AgencyFactory)
    starts_on = factory.LazyAttribute(lambda c: c.edition.tests_start_on)
    ends_on = factory.LazyAttribute(lambda c: c.edition.tests_end_on)

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):  # noqa: N805
        """All the edition's categories unless a list is given."""
        if not create:
            return
        obj.categories.set(extracted if extracted is not None else obj.edition.categories.all())
