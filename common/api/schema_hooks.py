"""drf-spectacular hooks for what every operation answers, whatever its view."""

ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def document_bad_address(result, generator, request, public):
    """Every operation answers 400 to an address holding a NUL character (common.middleware refuses it before
    any view runs), so the schema must say so or clients meet an undocumented status."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault(
                    "400", {"description": "Invalid request (e.g. a NUL character in the address).", **ERROR}
                )
    return result
