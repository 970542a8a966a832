from rest_framework.pagination import PageNumberPagination


class ContractPagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``, ``?page=N``, 100 by default, ``?page_size=`` up to 1,000."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


def document_invalid_page(result, generator, request, public):
    """drf-spectacular hook: every paginated list answers 404 to a page past the end (``?page=0`` too).

    DRF raises NotFound("Invalid page.") there; the schema must say so or clients meet an undocumented status.
    """
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if any(p.get("name") == "page" and p.get("in") == "query" for p in operation.get("parameters", [])):
                operation["responses"].setdefault(
                    "404", {"description": "Unknown, or not visible to you; or a page past the end.", **error}
                )
    return result
