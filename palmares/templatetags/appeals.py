"""The scorecard's "Appeal this test" links (the scorecard view belongs to the portal; this tag
adds the appeal state to its tests table without a query per row)."""

from django import template

from common.display import format_local
from common.permissions import is_organiser
from palmares.appeals.selectors import open_appeals_by_result
from palmares.appeals.services import appeal_window_open

register = template.Library()

_NONE = {"window_open": False, "appealable": frozenset(), "open": {}}


@register.simple_tag(takes_context=True)
def appeal_state(context, entry, tests) -> dict:
    """For a brand member's scorecard while the appeal window is open: which of ``tests`` can be
    appealed (counted, no open appeal) and which already have an open appeal ({result id: appeal id}).

    Nothing for the PDF, for organisers reading a scorecard (they decide appeals, they do not file
    them) and outside the window; then no query at all.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if context.get("pdf") or user is None or not user.is_authenticated or is_organiser(user):
        return _NONE
    if not entry.is_registered or not appeal_window_open(edition=entry.category.edition):
        return _NONE
    edition = entry.category.edition
    open_appeals = open_appeals_by_result(entry=entry)
    appealable = frozenset(t["id"] for t in tests if not t["excluded"] and t["id"] not in open_appeals)
    closes_at = format_local(edition.appeals_close_at, edition.time_zone)
    return {"window_open": True, "appealable": appealable, "open": open_appeals, "closes_at": closes_at}
