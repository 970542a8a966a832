"""Who may do what: the platform's roles as named django-rules predicates, checked in one place.

An organiser is a staff account (organisers work in the admin) that holds the explicit permission
``election.organise_competition`` (given by the "Organisers" group, or directly; active superusers
hold every permission). ``is_staff`` alone only opens the admin's door: a staff account without that
permission (a jury member, a translator) is, outside the admin, treated like any other signed-in user.
Brand members and agencies are not staff, so telling them apart costs no query.

This module sits below every app: it reads the users' relations (``agency_membership``,
``brand_memberships``) by name and imports no model of the competition.
"""

from __future__ import annotations

import rules
from django.contrib.auth.models import Group, Permission

ORGANISE_PERMISSION = "election.organise_competition"
ORGANISERS_GROUP = "Organisers"
# Organisers run the competition in the admin: the group holds every model permission of these apps
# (view, add, change, delete; each ModelAdmin still narrows what it allows). Accounts and groups
# (django.contrib.auth) stay with superusers.
ORGANISER_APPS = ("election", "mystery_tests", "scoring", "palmares")


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


@rules.predicate
def is_organiser(user) -> bool:
    """A staff account holding the organisers' permission (superusers included); inactive ones never."""
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    return bool(user.is_staff) and user.has_perm(ORGANISE_PERMISSION)


def agency_of(user):
    """The agency ``user`` acts for, or None (organisers, brand members, anonymous, inactive)."""
    if not _signed_in(user):
        return None
    relation = user._meta.get_field("agency_membership")  # mystery_tests.AgencyMembership.user
    if relation.is_cached(user):
        membership = relation.get_cached_value(user)
    else:
        # One query for the membership and its agency, kept on the user for the rest of the request.
        membership = relation.related_model._default_manager.select_related("agency").filter(user=user).first()
        relation.set_cached_value(user, membership)
    return membership.agency if membership is not None else None


@rules.predicate
def acts_for_agency(user, agency=None) -> bool:
    """Acts for an agency; with ``agency`` (an Agency or its id), for that one."""
    own = agency_of(user)
    if own is None:
        return False
    if agency is None:
        return True
    return own.pk == getattr(agency, "pk", agency)


@rules.predicate
def is_brand_member(user, brand=None) -> bool:
    """A portal member of some brand; with ``brand`` (a Brand or its id), of that one."""
    if not _signed_in(user):
        return False
    memberships = user.brand_memberships.all()
    if brand is not None:
        memberships = memberships.filter(brand_id=getattr(brand, "pk", brand))
    return memberships.exists()


@rules.predicate
def is_edition_auditor(user, edition=None) -> bool:
    """The independent controller named on an edition (``Edition.auditor``); with ``edition`` (an
    Edition or its id), of that one. Auditors read their edition's tests and record checks, nothing else."""
    if not _signed_in(user):
        return False
    if edition is None:
        return user.audited_editions.exists()
    if hasattr(edition, "auditor_id"):
        return edition.auditor_id == user.pk
    return user.audited_editions.filter(pk=edition).exists()


def sync_organisers_group(*, using: str = "default") -> Group:
    """Gives the "Organisers" group (created if missing) every permission of ORGANISER_APPS' models,
    the organisers' own permission among them. Run after every ``migrate`` (``sync_organisers_after_migrate``),
    so the models added later are covered too; adding what the group already holds changes nothing."""
    group, _created = Group.objects.db_manager(using).get_or_create(name=ORGANISERS_GROUP)
    missing = Permission.objects.db_manager(using).filter(content_type__app_label__in=ORGANISER_APPS)
    group.permissions.add(*missing.exclude(group=group))
    return group


def sync_organisers_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate receiver: once an app of ORGANISER_APPS has its permissions (Django creates them in
    its own post_migrate receiver, which runs first), the group gets them."""
    if getattr(sender, "label", None) in ORGANISER_APPS:
        sync_organisers_group(using=using)


def grant_organiser(user) -> None:
    """Makes ``user`` an organiser: a member of the "Organisers" group (created with its
    permissions after each migrate; recreated here if someone deleted it)."""
    group, created = Group.objects.get_or_create(name=ORGANISERS_GROUP)
    if created or not group.permissions.filter(codename=ORGANISE_PERMISSION.split(".")[1]).exists():
        group = sync_organisers_group()
    user.groups.add(group)
    # Django caches a user's permissions on the instance: forget them so the grant shows at once.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


# Capabilities, for ``user.has_perm(...)`` through rules' ObjectPermissionBackend and for templates.
rules.add_perm("competition.organise", is_organiser)
rules.add_perm("competition.act_for_agency", acts_for_agency)
rules.add_perm("competition.read_brand", is_organiser | is_brand_member)
rules.add_perm("competition.audit_edition", is_edition_auditor)
