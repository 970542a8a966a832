"""Campaign progress as tables and bars, shared by the organisers' admin and the agencies' pages."""

from decimal import Decimal

from django.utils.translation import get_language

from common.display import localised
from election.rules import required_tests


def progress_table(rows: list[dict], channels: list[str], completion: Decimal = Decimal(1)) -> dict:
    """``campaign_progress`` rows (one per entry and channel) as one line per entry, cells in channel order,
    each with the bar widths the template draws, and the campaign's totals per channel. An entry is
    complete as METHODOLOGY §6 says (``election.rules.required_tests``) on every channel."""
    entries: dict[int, dict] = {}
    totals = {c: {"channel": c, "quota": 0, "received": 0, "counted": 0} for c in channels}
    for row in rows:
        category = row["category"]
        line = entries.setdefault(
            row["entry"],
            {
                "entry": row["entry"],
                "brand": row["brand"],
                "category": category,
                # In the reader's language (the page's), else the edition's.
                "category_name": localised(category["name"], category.get("names"), get_language())
                if isinstance(category, dict)
                else category,
                "cells": {},
            },
        )
        line["cells"][row["channel"]] = _cell(row)
        if row["channel"] in totals:
            for key in ("quota", "received", "counted"):
                totals[row["channel"]][key] += row[key]
    lines = []
    for line in entries.values():
        line["cells"] = [
            line["cells"].get(c) or _cell({"channel": c, "quota": 0, "received": 0, "counted": 0}) for c in channels
        ]
        line["complete"] = all(cell["counted"] >= required_tests(cell["quota"], completion) for cell in line["cells"])
        lines.append(line)
    return {"lines": lines, "totals": [_cell(totals[c]) for c in channels]}


def _cell(row: dict) -> dict:
    quota = row["quota"]

    def share(n: int) -> int:
        return min(100, round(100 * n / quota)) if quota else (100 if n else 0)

    return {
        "channel": row["channel"],
        "quota": quota,
        "received": row["received"],
        "counted": row["counted"],
        "received_pct": share(row["received"]),
        "counted_pct": share(row["counted"]),
    }
