"""The POST data of the election admin's forms as a browser sends them: the edition page (with its
categories inline) and the category page (with its entries inline), so a test states only what it changes."""

import json

from election.models import Category, Edition


def _management(prefix: str, total: int = 0) -> dict:
    """An inline formset's management form with ``total`` new rows."""
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def edition_form_data(edition: Edition, **changes) -> dict:
    fields = [
        "name",
        "country",
        "year",
        "language",
        "time_zone",
        "threshold",
        "min_entrants",
        "completion",
        *[f"quota_{c}" for c in ("phone", "email", "web", "chat", "social")],
    ]
    data = {f: getattr(edition, f) for f in fields}
    data.update(
        {
            "tests_start_on": edition.tests_start_on.isoformat(),
            "tests_end_on": edition.tests_end_on.isoformat(),
            # The fieldwork settings (issue 20) as the admin's JSON fields hold them.
            "slots": json.dumps(edition.slots),
            "scenarios": json.dumps(edition.scenarios),
            "max_shopper_share": edition.max_shopper_share,
            **_management("categories"),
        }
    )
    data.update(changes)
    return {k: ("" if v is None else v) for k, v in data.items()}


def edition_with_category_form_data(edition: Edition, **category) -> dict:
    """A new edition's page with one category in its inline (``category``: that row's fields)."""
    return edition_form_data(
        edition,
        **_management("categories", total=1),
        **{f"categories-0-{field}": value for field, value in category.items()},
    )


def category_form_data(category: Category, **changes) -> dict:
    """The category page (``category`` may be unsaved, for the add page) with no entry row."""
    data = {
        "edition": category.edition_id,
        "name": category.name,
        "names_fr": category.names.get("fr", ""),
        "names_en": category.names.get("en", ""),
        "slug": category.slug,
        "description": "",
        **_management("entries"),
    }
    return {**data, **changes}
