"""The organisers' season dashboard on the admin home (templates/admin/index.html)."""

from django import template

from common.permissions import is_organiser
from palmares.publication.dashboard import season_dashboard

register = template.Library()


@register.simple_tag(takes_context=True)
def season_board(context) -> list[dict] | None:
    """The dashboard's figures for an organiser; None for any other staff account (they see the app list)."""
    request = context.get("request")
    if request is None or not is_organiser(request.user):
        return None
    return season_dashboard()
