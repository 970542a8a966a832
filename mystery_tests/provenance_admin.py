"""Admin of the upload receipts (METHODOLOGY §12): read-only, as the agencies received them."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdmin

from .models import UploadReceipt


def receipt_html(receipt: UploadReceipt | None) -> str:
    """A receipt as a small definition table (what the agency was given), or a dash."""
    if receipt is None:
        return "—"
    rows = ((key, value) for key, value in receipt.as_receipt().items())
    return format_html(
        "<table class='receipt'>{}</table>", format_html_join("", "<tr><th>{}</th><td><code>{}</code></td></tr>", rows)
    )


@admin.register(UploadReceipt)
class UploadReceiptAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["id", "campaign", "import_job", "user", "count", "signed_at", "short_root", "key_id"]
    list_filter = ["campaign__edition", "campaign__agency"]
    list_select_related = ["campaign__edition", "campaign__agency", "import_job", "user"]
    search_fields = ["root", "signature"]
    fields = ["campaign", "import_job", "user", "created_at", "receipt"]
    readonly_fields = fields

    @admin.display(description=_("root"))
    def short_root(self, receipt: UploadReceipt) -> str:
        return f"{receipt.root[:16]}…"

    @admin.display(description=_("receipt"))
    def receipt(self, receipt: UploadReceipt) -> str:
        return receipt_html(receipt)
