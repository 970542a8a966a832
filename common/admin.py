"""What the organisers' admin screens share across apps (no model is registered here)."""

from django.http import HttpRequest


class ReadOnlyAdmin:
    """Rows the platform writes itself (results from agencies, receipts, rankings, audits): the admin shows
    them and never adds, changes or deletes one. Put it before the ModelAdmin or InlineModelAdmin base."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
