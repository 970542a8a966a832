"""The brand portal's home lists the laureate's certificates (PDF and verification page)."""

import pytest

from palmares.certificates.services import certificate_revoke, certificates_issue
from palmares.models import Certificate
from tests.support import factories
from tests.support.certificates import make_publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    edition = factories.EditionFactory(country="FR", year=2031, name="France 2031")
    category = factories.CategoryFactory(edition=edition, slug="banque-en-ligne", name="Banque en ligne")
    laureate = factories.EntryFactory(category=category, brand=factories.BrandFactory(slug="azur", name="Azur"))
    other = factories.EntryFactory(category=category, brand=factories.BrandFactory(slug="rouge", name="Rouge"))
    publication = make_publication(edition, [(laureate, 15.0)], others=[(other, 11.0)])
    # The PDFs are rendered on commit; the list needs only the certificate rows.
    certificates_issue(publication=publication)
    return {
        "certificate": Certificate.objects.get(entry=laureate),
        "member": factories.BrandMembershipFactory(brand=laureate.brand, user__username="azur-member").user,
        "other_member": factories.BrandMembershipFactory(brand=other.brand, user__username="rouge-member").user,
    }


def _links(certificate):
    return f"/portal/certificates/{certificate.code}.pdf", f"/verify/{certificate.code}/"


def test_portal_home_laureate_member_sees_certificate_links(client, world):
    client.force_login(world["member"])
    download, verify = _links(world["certificate"])

    body = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Your laureate certificates" in body
    assert body.count(f'href="{download}"') == 1
    assert body.count(f'href="{verify}"') == 1


def test_portal_home_other_brand_member_sees_no_certificate(client, world):
    client.force_login(world["other_member"])
    download, verify = _links(world["certificate"])

    body = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Your laureate certificates" not in body
    assert download not in body
    assert verify not in body


def test_portal_home_revoked_certificate_is_listed_revoked_with_reason_and_no_download(client, world):
    # Issue 17: a brand sees its revoked certificate and why (it used to vanish from the list).
    certificate_revoke(
        certificate=world["certificate"], user=factories.UserFactory(is_staff=True), reason="End of the logo licence"
    )
    client.force_login(world["member"])
    download, verify = _links(world["certificate"])

    body = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Revoked on" in body
    assert "End of the logo licence" in body
    assert f'href="{verify}"' in body
    assert download not in body
    assert client.get(download).status_code == 404


def test_portal_home_certificates_in_french(client, world):
    client.force_login(world["member"])

    body = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Vos certificats de lauréat" in body
    assert "Page de vérification" in body


@pytest.mark.parametrize("n", [1, 3])
def test_portal_home_certificates_query_count_constant(n, client, django_assert_num_queries):
    edition = factories.EditionFactory(country="FR", year=2032)
    user = factories.UserFactory(username="member")
    laureates = []
    for i in range(n):
        category = factories.CategoryFactory(edition=edition, slug=f"cat-{i}", name=f"Catégorie {i}")
        entry = factories.EntryFactory(category=category, brand=factories.BrandFactory(slug=f"brand-{i}"))
        factories.BrandMembershipFactory(brand=entry.brand, user=user)
        laureates.append((entry, 15.0))
    certificates_issue(publication=make_publication(edition, laureates))
    client.force_login(user)

    # session, user, paginator count, entries, certificates (one join), the appeals' states, the
    # membership check of the appeals link, the menu's membership check.
    with django_assert_num_queries(8):
        body = client.get("/portal/").content.decode()

    assert body.count("/portal/certificates/") == n
