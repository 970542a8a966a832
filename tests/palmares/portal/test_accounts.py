"""Login (throttled), logout, password reset, invitations from the admin, the brand_member command."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from election.members import MemberInvalid, member_invite, member_set
from election.models import BrandMembership
from palmares.models import ScorecardReport
from tests.support import factories
from tests.support.factories import PASSWORD
from tests.support.logins import fail_logins, login
from tests.support.world import small_world

pytestmark = pytest.mark.django_db


# -- login, logout, reset -----------------------------------------------------------------------


def test_login_page_renders_form():
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_login_member_lands_on_portal():
    factories.UserFactory(username="claire")

    response = login(Client(), "claire", PASSWORD)

    assert (response.status_code, response["Location"]) == (302, "/portal/")


def test_login_wrong_password_shows_error():
    factories.UserFactory(username="claire")

    response = login(Client(), "claire", "wrong")

    assert response.status_code == 200
    assert len(response.context["form"].non_field_errors()) == 1
    assert "_auth_user_id" not in response.wsgi_request.session


def test_login_throttled_after_failures_even_with_right_password(settings):
    settings.LOGIN_THROTTLE_RATE = "3/min"
    factories.UserFactory(username="claire")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the message is asserted in English (the default is French)
    fail_logins(client, "claire", 3)

    response = login(client, "claire", PASSWORD)

    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [
        "Too many failed attempts for this username. Please wait 1 minute and try again, or reset your password."
    ]
    assert "_auth_user_id" not in client.session


def test_login_throttle_is_per_username(settings):
    settings.LOGIN_THROTTLE_RATE = "3/min"
    factories.UserFactory(username="claire")
    factories.UserFactory(username="paul")
    client = Client()
    fail_logins(client, "claire", 3)

    response = login(client, "paul", PASSWORD)

    assert response.status_code == 302


def test_login_success_resets_failure_count(settings):
    settings.LOGIN_THROTTLE_RATE = "3/min"
    factories.UserFactory(username="claire")
    client = Client()
    fail_logins(client, "claire", 2)
    login(client, "claire", PASSWORD)
    client.logout()

    fail_logins(client, "claire", 2)
    response = login(client, "claire", PASSWORD)

    assert response.status_code == 302


def test_logout_ends_session_and_redirects():
    user = factories.UserFactory(username="claire")
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/logout/")

    assert (response.status_code, response["Location"]) == (302, "/palmares/")
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_link_that_sets_password():
    factories.UserFactory(username="claire", email="claire@azur.example")
    client = Client()

    response = client.post("/accounts/password_reset/", {"email": "claire@azur.example"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Un-nouveau-mot-2027", "new_password2": "Un-nouveau-mot-2027"},
    )
    assert done.status_code == 302
    assert get_user_model().objects.get(username="claire").check_password("Un-nouveau-mot-2027")


# -- invitations ---------------------------------------------------------------------------------


def test_member_invite_creates_user_membership_and_emails_link(django_capture_on_commit_callbacks):
    brand = factories.BrandFactory(slug="azur", name="Banque Azur")

    with django_capture_on_commit_callbacks(execute=True):
        membership = member_invite(brand=brand, email="Claire@Azur.example", first_name="Claire", language="fr")

    user = membership.user
    assert (user.username, user.email, user.has_usable_password()) == (
        "claire@azur.example",
        "Claire@Azur.example",
        False,
    )
    assert list(BrandMembership.objects.values_list("user__username", "brand__slug")) == [
        ("claire@azur.example", "azur")
    ]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Claire@Azur.example"]
    assert "Banque Azur" in mail.outbox[0].subject
    assert re.search(r"/accounts/reset/[^/]+/[^/]+/", mail.outbox[0].body)


def test_member_invite_link_lets_member_choose_password_and_log_in(django_capture_on_commit_callbacks):
    brand = factories.BrandFactory(slug="azur")
    with django_capture_on_commit_callbacks(execute=True):
        member_invite(brand=brand, email="claire@azur.example")
    client = Client()
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)

    page = client.get(link, follow=True)
    client.post(
        page.redirect_chain[-1][0], {"new_password1": "Azur-portail-2027", "new_password2": "Azur-portail-2027"}
    )
    response = login(Client(), "claire@azur.example", "Azur-portail-2027")

    assert (response.status_code, response["Location"]) == (302, "/portal/")


def test_member_invite_existing_user_is_reused(django_capture_on_commit_callbacks):
    existing = factories.UserFactory(username="claire", email="claire@azur.example")
    brand = factories.BrandFactory(slug="azur")

    with django_capture_on_commit_callbacks(execute=True):
        membership = member_invite(brand=brand, email="CLAIRE@azur.example")

    assert membership.user == existing
    assert get_user_model().objects.count() == 1
    assert len(mail.outbox) == 1


def test_member_invite_bad_email_refused_and_nothing_created():
    brand = factories.BrandFactory(slug="azur")

    with pytest.raises(MemberInvalid) as exc:
        member_invite(brand=brand, email="not-an-address")

    assert list(exc.value.errors) == ["email"]
    assert BrandMembership.objects.count() == 0


def test_admin_invite_form_invites_member(organiser, django_capture_on_commit_callbacks):
    brand = factories.BrandFactory(slug="azur", name="Banque Azur")
    client = Client()
    client.force_login(organiser)

    page = client.get(f"/admin/palmares/scorecardreport/invite/?brand={brand.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/palmares/scorecardreport/invite/",
            {"brand": brand.pk, "email": "paul@azur.example", "first_name": "Paul", "last_name": "", "language": "en"},
        )

    assert page.status_code == 200
    assert response.status_code == 302
    assert BrandMembership.objects.filter(brand=brand, user__email="paul@azur.example").count() == 1
    assert mail.outbox[0].subject == "Your access to the confidential scorecards of Banque Azur"


def test_admin_invite_form_refuses_brand_member():
    member = factories.BrandMembershipFactory().user
    client = Client()
    client.force_login(member)

    response = client.get("/admin/palmares/scorecardreport/invite/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_generate_reports_for_edition(organiser, django_capture_on_commit_callbacks):
    world = small_world()
    client = Client()
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/palmares/scorecardreport/generate/", {"edition": world.edition.pk, "language": "fr"}
        )
    changelist = client.get("/admin/palmares/scorecardreport/")

    assert response.status_code == 302
    assert ScorecardReport.objects.count() == 3
    assert changelist.status_code == 200


# -- brand_member command ------------------------------------------------------------------------


def test_brand_member_command_creates_member():
    factories.BrandFactory(slug="azur")

    call_command("brand_member", "azur", "claire", "--password", "s3cret-Azur", "--email", "claire@azur.example")

    user = get_user_model().objects.get(username="claire")
    assert user.check_password("s3cret-Azur")
    assert user.email == "claire@azur.example"
    assert list(user.brand_memberships.values_list("brand__slug", flat=True)) == ["azur"]


def test_brand_member_command_updates_existing_member():
    brand = factories.BrandFactory(slug="azur")
    call_command("brand_member", "azur", "claire", "--password", "first-Pass1")

    call_command("brand_member", "azur", "claire", "--password", "second-Pass2")

    user = get_user_model().objects.get(username="claire")
    assert user.check_password("second-Pass2")
    assert BrandMembership.objects.filter(user=user, brand=brand).count() == 1


def test_brand_member_command_unknown_brand_fails_clearly():
    with pytest.raises(CommandError, match="Unknown brand “nope”"):
        call_command("brand_member", "nope", "claire", "--password", "x-Pass1")

    assert get_user_model().objects.filter(username="claire").count() == 0


def test_member_set_empty_username_refused():
    brand = factories.BrandFactory(slug="azur")

    with pytest.raises(MemberInvalid):
        member_set(brand=brand, username="  ", password="pw")
