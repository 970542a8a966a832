"""Organiser administration of certificates: list, progress counts, revoke, generate."""

import pytest
from django.contrib.auth.models import Permission

from palmares.certificates.services import certificate_revoke, certificates_issue
from palmares.models import Certificate
from tests.support import factories
from tests.support.certificates import make_publication

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/palmares/certificate/"


def issue_edition(n, *, year=2031):
    edition = factories.EditionFactory(country="FR", year=year)
    entries = []
    for i in range(n):
        category = factories.CategoryFactory(edition=edition, slug=f"cat-{year}-{i}", name=f"Catégorie {i}")
        entries.append(factories.EntryFactory(category=category, brand=factories.BrandFactory(slug=f"b-{year}-{i}")))
    publication = make_publication(edition, [(e, 14.0 + i) for i, e in enumerate(entries)])
    certificates_issue(publication=publication)
    return edition


def test_changelist_shows_pending_counts(organiser_client):
    issue_edition(2)

    response = organiser_client.get(CHANGELIST)

    assert response.status_code == 200
    assert response.context["generation"] == {"total": 2, "generated": 0, "pending": 2, "percent": 0}


@pytest.mark.parametrize("n", [1, 3])
def test_changelist_query_count(organiser_client, n, django_assert_num_queries):
    issue_edition(n)

    # session, user, count, total count, page of certificates with facts and state, the
    # certificates again for the progress counts, the edition filter's choices
    with django_assert_num_queries(7):
        response = organiser_client.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == n


def test_generate_action_renders_and_counts(organiser_client, django_capture_on_commit_callbacks):
    issue_edition(2)
    ids = [str(pk) for pk in Certificate.objects.values_list("pk", flat=True)]

    with django_capture_on_commit_callbacks(execute=True):
        organiser_client.post(CHANGELIST, {"action": "generate_selected", "_selected_action": ids})
    response = organiser_client.get(CHANGELIST)

    assert response.context["generation"] == {"total": 2, "generated": 2, "pending": 0, "percent": 100}


def test_regenerate_action_replaces_files(organiser_client, django_capture_on_commit_callbacks):
    issue_edition(1)
    ids = [str(pk) for pk in Certificate.objects.values_list("pk", flat=True)]
    with django_capture_on_commit_callbacks(execute=True):
        organiser_client.post(CHANGELIST, {"action": "generate_selected", "_selected_action": ids})
    first = Certificate.objects.get().generated_at

    with django_capture_on_commit_callbacks(execute=True):
        organiser_client.post(CHANGELIST, {"action": "regenerate_selected", "_selected_action": ids})

    assert Certificate.objects.get().generated_at > first


def test_generate_edition_view_queues_whole_edition(organiser_client, django_capture_on_commit_callbacks):
    edition = issue_edition(3)
    issue_edition(1, year=2032)

    with django_capture_on_commit_callbacks(execute=True):
        response = organiser_client.post(f"{CHANGELIST}generate/", {"edition": edition.pk})

    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}?publication__edition__id__exact={edition.pk}"
    assert Certificate.objects.exclude(file="").filter(publication__edition=edition).count() == 3
    assert Certificate.objects.exclude(file="").exclude(publication__edition=edition).count() == 0


def test_revoke_action_asks_for_reason(organiser_client):
    issue_edition(1)
    pk = Certificate.objects.get().pk

    response = organiser_client.post(CHANGELIST, {"action": "revoke_selected", "_selected_action": [pk]})

    assert response.status_code == 200
    assert "reason" in response.context["form"].fields
    assert Certificate.objects.get().revoked_at is None


def test_revoke_action_empty_reason_revokes_nothing(organiser_client):
    issue_edition(1)
    pk = Certificate.objects.get().pk

    response = organiser_client.post(
        CHANGELIST, {"action": "revoke_selected", "_selected_action": [pk], "apply": "1", "reason": ""}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert Certificate.objects.get().revoked_at is None


def test_revoke_action_with_reason_revokes(organiser_client):
    issue_edition(2)
    pks = list(Certificate.objects.values_list("pk", flat=True))

    response = organiser_client.post(
        CHANGELIST,
        {"action": "revoke_selected", "_selected_action": pks, "apply": "1", "reason": "Fraude aux tests."},
    )

    assert response.status_code == 302
    assert list(Certificate.objects.values_list("revoked_reason", flat=True)) == ["Fraude aux tests."] * 2


def test_state_filter_lists_revoked_only(organiser_client, organiser):
    issue_edition(2)
    revoked = Certificate.objects.first()
    certificate_revoke(certificate=revoked, user=organiser, reason="Motif")

    response = organiser_client.get(CHANGELIST, {"state": "revoked"})

    assert [c.pk for c in response.context["cl"].result_list] == [revoked.pk]


def test_changelist_refused_to_non_staff(client):
    client.force_login(factories.UserFactory(username="member"))

    response = client.get(CHANGELIST)

    assert response.status_code == 302


def test_generate_edition_view_issues_missing_certificates(organiser_client, django_capture_on_commit_callbacks):
    edition = factories.EditionFactory(country="FR", year=2033)
    entry = factories.EntryFactory(category=factories.CategoryFactory(edition=edition, slug="telecom"))
    make_publication(edition, [(entry, 16.0)])  # decided, but its certificates were never issued

    with django_capture_on_commit_callbacks(execute=True):
        organiser_client.post(f"{CHANGELIST}generate/", {"edition": edition.pk})

    certificate = Certificate.objects.get()
    assert (certificate.entry, bool(certificate.file)) == (entry, True)


def test_view_only_staff_cannot_revoke_or_generate(client):
    issue_edition(1)
    viewer = factories.UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_certificate"))
    client.force_login(viewer)
    pk = Certificate.objects.get().pk

    listing = client.get(CHANGELIST)
    revoke = client.post(
        CHANGELIST, {"action": "revoke_selected", "_selected_action": [pk], "apply": "1", "reason": "Motif"}
    )
    generate = client.get(f"{CHANGELIST}generate/")

    assert listing.status_code == 200
    assert Certificate.objects.get().revoked_at is None
    assert revoke.status_code == 200  # the list again: the action is not offered
    assert listing.context["action_form"] is None  # no action offered to a viewer
    assert generate.status_code == 403


def test_certificate_page_is_read_only(organiser_client):
    issue_edition(1)
    certificate = Certificate.objects.get()

    response = organiser_client.get(f"{CHANGELIST}{certificate.pk}/change/")

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert certificate.code in response.content.decode()


def test_changelist_marks_outdated_pdf(organiser_client, django_capture_on_commit_callbacks):
    issue_edition(1)
    ids = [str(pk) for pk in Certificate.objects.values_list("pk", flat=True)]
    with django_capture_on_commit_callbacks(execute=True):
        organiser_client.post(CHANGELIST, {"action": "generate_selected", "_selected_action": ids})
    brand = Certificate.objects.get().entry.brand
    brand.name = "Nouveau nom"
    brand.save(update_fields=["name"])

    response = organiser_client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")

    assert "outdated, waiting to be regenerated" in response.content.decode()
    assert response.context["generation"]["pending"] == 1
