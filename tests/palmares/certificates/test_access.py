"""Who may download a laureate's certificate PDF (/portal/certificates/<code>.pdf)."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from palmares.certificates.selectors import certificates_for
from palmares.certificates.services import certificate_revoke, certificates_issue
from palmares.models import Certificate
from tests.support import factories
from tests.support.certificates import make_publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    edition = factories.EditionFactory(country="FR", year=2031)
    category = factories.CategoryFactory(edition=edition, slug="banque-en-ligne", name="Banque en ligne")
    laureate = factories.EntryFactory(category=category, brand=factories.BrandFactory(slug="azur", name="Azur"))
    other = factories.EntryFactory(category=category, brand=factories.BrandFactory(slug="rouge", name="Rouge"))
    publication = make_publication(edition, [(laureate, 15.0)], others=[(other, 11.0)])
    with django_capture_on_commit_callbacks(execute=True):
        certificates_issue(publication=publication)
    return {
        "certificate": Certificate.objects.get(entry=laureate),
        "member": factories.BrandMembershipFactory(brand=laureate.brand, user__username="azur-member").user,
        "other_member": factories.BrandMembershipFactory(brand=other.brand, user__username="rouge-member").user,
        "agency_user": factories.AgencyMembershipFactory(user__username="agency-user").user,
        "staff": factories.OrganiserFactory(username="staff"),
        "bare_staff": factories.UserFactory(username="translator", is_staff=True),
    }


def url(certificate):
    return f"/portal/certificates/{certificate.code}.pdf"


def test_download_member_of_laureate_brand_gets_pdf(client, world):
    client.force_login(world["member"])

    response = client.get(url(world["certificate"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Disposition"] == ('attachment; filename="certificate-fr-2031-banque-en-ligne-azur.pdf"')


@pytest.mark.parametrize(
    ("persona", "status"),
    [("other_member", 404), ("agency_user", 404), ("staff", 200), ("bare_staff", 404)],
    ids=["member-of-other-brand", "agency-user", "organiser", "staff-without-organiser-permission"],
)
def test_download_by_persona_status(client, world, persona, status):
    client.force_login(world[persona])

    response = client.get(url(world["certificate"]))

    assert response.status_code == status


def test_download_anonymous_is_sent_to_login(client, world):
    response = client.get(url(world["certificate"]))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url(world['certificate'])}"


def test_download_unknown_code_is_404(client, world):
    client.force_login(world["staff"])

    response = client.get("/portal/certificates/K7QF2-MXA9H-TD3WR.pdf")

    assert response.status_code == 404


def _revoke(world):
    certificate_revoke(certificate=world["certificate"], user=world["staff"], reason="Usage abusif du titre.")


def _before_go_live(world):
    publication = world["certificate"].publication
    publication.goes_live_at = timezone.now() + dt.timedelta(hours=2)
    publication.save(update_fields=["goes_live_at"])


@pytest.mark.parametrize("withdraw", [_revoke, _before_go_live], ids=["revoked", "before-go-live"])
def test_download_withdrawn_certificate_member_404_staff_ok(client, world, withdraw):
    withdraw(world)

    client.force_login(world["member"])
    member = client.get(url(world["certificate"])).status_code
    client.force_login(world["staff"])
    staff = client.get(url(world["certificate"])).status_code

    assert (member, staff) == (404, 200)


def test_download_missing_file_is_rendered_on_demand(client, world):
    certificate = world["certificate"]
    certificate.file.delete(save=True)
    client.force_login(world["member"])

    response = client.get(url(certificate))

    certificate.refresh_from_db()
    assert response.status_code == 200
    assert certificate.file.name.startswith(f"certificates/{certificate.code}-")


def test_download_post_is_refused(client, world):
    client.force_login(world["member"])

    response = client.post(url(world["certificate"]))

    assert response.status_code == 405


@pytest.mark.parametrize("n", [1, 3])
def test_certificates_for_member_query_count(n, django_assert_num_queries):
    member = factories.UserFactory(username="multi-member")
    for i in range(n):
        edition = factories.EditionFactory(country="FR", year=2040 + i)
        category = factories.CategoryFactory(edition=edition, slug="telecom")
        brand = factories.BrandFactory(slug="laureat")
        entry = factories.EntryFactory(category=category, brand=brand)
        certificates_issue(publication=make_publication(edition, [(entry, 14.0)]))
    factories.BrandMembershipFactory(brand=brand, user=member)

    with django_assert_num_queries(1):
        rows = [
            (c.code, c.entry.brand.name, c.entry.category.name, c.publication.edition.year)
            for c in certificates_for(user=member)
        ]

    assert [r[3] for r in rows] == [2040 + i for i in reversed(range(n))]


def test_certificates_for_other_member_is_empty(world):
    assert list(certificates_for(user=world["other_member"])) == []


def test_portal_list_partial_links_download_and_verification(world):
    certificates = list(certificates_for(user=world["member"]))

    html = render_to_string("palmares/certificate_portal_list.html", {"certificates": certificates})

    code = world["certificate"].code
    assert [c.state for c in certificates] == ["valid"]
    assert f'href="/portal/certificates/{code}.pdf"' in html
    assert f'href="/verify/{code}/"' in html
