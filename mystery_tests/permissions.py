"""Who may do what on a campaign, in one place (API.md "Conventions": 401, then 404, then 403).

Visibility (404) comes from ``selectors.campaigns_for``; this module decides what a caller who can
see a campaign may do with it (403).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, PermissionDenied

from . import selectors
from .models import Campaign


def can_upload(user, campaign: Campaign) -> bool:
    """Only the campaign's own agency uploads; organisers read everything but never write results."""
    if selectors.is_organiser(user):
        return False
    agency = selectors.agency_of(user)
    return agency is not None and agency.pk == campaign.agency_id


def visible_campaign(request, pk: int, queryset=None) -> Campaign:
    """The campaign if the caller may see it, else 404 (never reveal that another agency's campaign exists)."""
    campaigns = queryset if queryset is not None else selectors.campaigns_for(user=request.user)
    campaign = campaigns.select_related("edition", "agency").filter(pk=pk).first()
    if campaign is None:
        raise NotFound(_("No such campaign."))
    return campaign


def require_upload(request, campaign: Campaign) -> None:
    if not can_upload(request.user, campaign):
        raise PermissionDenied(_("Only the campaign's agency uploads results; organisers may read them only."))
