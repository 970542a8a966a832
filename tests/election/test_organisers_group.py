"""The "Organisers" group carries the model permissions of the competition apps, so that an organiser
who is not a superuser runs the competition in the admin (issue 13 follow-up): every changelist of
election, mystery_tests, scoring and palmares opens; accounts and groups stay with superusers."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.sql import emit_post_migrate_signal
from django.urls import reverse

from common.permissions import ORGANISER_APPS, ORGANISERS_GROUP
from tests.support import factories

pytestmark = pytest.mark.django_db


def _changelists() -> list[str]:
    return sorted(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
        if model._meta.app_label in ORGANISER_APPS
    )


def _competition_permissions() -> set[int]:
    return set(Permission.objects.filter(content_type__app_label__in=ORGANISER_APPS).values_list("pk", flat=True))


def _group_permissions() -> set[int]:
    return set(Group.objects.get(name=ORGANISERS_GROUP).permissions.values_list("pk", flat=True))


def test_organiser_not_superuser_opens_every_changelist_of_the_competition_apps(client):
    # Arrange
    organiser = factories.OrganiserFactory(username="organisatrice", is_superuser=False)
    client.force_login(organiser)
    changelists = _changelists()

    # Act
    answers = {url: client.get(url).status_code for url in changelists}

    # Assert
    assert len(changelists) >= 15  # every registered model of the four apps, not a handful
    assert {url for url, status in answers.items() if status != 200} == set()


def test_organiser_not_superuser_sees_the_competition_apps_on_the_admin_index(client):
    # Arrange
    client.force_login(factories.OrganiserFactory(username="organisatrice", is_superuser=False))

    # Act
    response = client.get(reverse("admin:index"))

    # Assert
    assert response.status_code == 200
    assert {app["app_label"] for app in response.context["app_list"]} >= set(ORGANISER_APPS)


def test_organiser_not_superuser_cannot_manage_accounts_or_groups(client):
    # Arrange
    client.force_login(factories.OrganiserFactory(username="organisatrice", is_superuser=False))

    # Act
    answers = [client.get(reverse(f"admin:auth_{name}_changelist")).status_code for name in ("user", "group")]

    # Assert
    assert answers == [403, 403]
    assert not Group.objects.get(name=ORGANISERS_GROUP).permissions.filter(content_type__app_label="auth").exists()


def test_group_after_migrate_holds_every_permission_of_the_competition_apps():
    # Arrange: the test database was migrated (post_migrate ran)

    # Act
    held = _group_permissions()

    # Assert
    assert _competition_permissions() <= held
    assert Permission.objects.get(codename="organise_competition").pk in held


def test_post_migrate_gives_the_group_the_permissions_of_a_model_added_later():
    # Arrange: a model that appears later brings its content type and permissions with a migrate
    content_type = ContentType.objects.create(app_label="palmares", model="laterthing")
    later = Permission.objects.create(content_type=content_type, codename="view_laterthing", name="Can view later")

    # Act
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    # Assert
    assert later.pk in _group_permissions()


def test_migrate_gives_an_existing_group_the_model_permissions():
    # Arrange: a database of before, where the group held only the organisers' permission (the data
    # migrations 0003 and 0006 that set the group up were squashed away: this receiver does it)
    group = Group.objects.get(name=ORGANISERS_GROUP)
    group.permissions.set([Permission.objects.get(codename="organise_competition")])

    # Act: what every migrate ends with
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    # Assert
    assert _competition_permissions() <= _group_permissions()


def test_migrate_recreates_a_missing_group_with_the_organisers_permission():
    # Arrange: no group (a new database before its first post_migrate, or someone deleted it)
    Group.objects.filter(name=ORGANISERS_GROUP).delete()

    # Act
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    # Assert
    assert Permission.objects.get(codename="organise_competition").pk in _group_permissions()
    assert _competition_permissions() <= _group_permissions()
