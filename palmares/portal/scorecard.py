"""A brand's confidential scorecard: every figure of one entry, for the portal page and its PDF.

Overall, channel scores, margin and rank are the stored ones (``scoring.models.EntryScore``),
so the scorecard never disagrees with the rankings. Per-criterion figures, reach rates and
waiting/response times are computed here from the test rows (pandas), over counted tests
(METHODOLOGY §5: not excluded).

Confidentiality (METHODOLOGY §10) is built into the dict itself, so neither the page nor the
PDF can show too much: rank and laureate status are ``None`` until the edition is published,
and about the other entries of the category the card holds only the averages that disclosure
control lets through (``palmares.portal.disclosure``) and, once published, the laureates' public scores:
never a best, a minimum, a quantile or a spread.

This module also holds the portal's reads (which entries a user may open).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import translation

from common.display import localised
from common.permissions import is_organiser
from election.channels import CHANNELS, RESPONSE_CHANNELS, WAIT_CHANNELS, Channel
from election.models import BrandMembership, Edition, Entry
from mystery_tests.fields import FINGERPRINT_ATTRIBUTES
from mystery_tests.models import Criterion, TestResult
from palmares.portal.disclosure import Peer, category_averages
from palmares.publication.selectors import live_palmares
from scoring.models import CategoryRanking, EntryScore

# How many criteria the "cost the most" and "strongest" lists show.
HIGHLIGHTS = 3
CHANNEL_LABELS = dict(Channel.choices)


# -- reads for the portal ----------------------------------------------------------------------


def entries_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Entry]:
    """Entries whose scorecard ``user`` may open: its brands' entries; organisers all of them."""
    qs = Entry.objects.select_related("brand", "category__edition")
    if not user.is_authenticated:
        return qs.none()
    if is_organiser(user):
        return qs
    return qs.filter(brand__memberships__user=user)


def portal_entries(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Entry]:
    """The portal home's list: newest edition first, then category and brand."""
    return entries_for(user=user).order_by(
        "-category__edition__year", "category__edition__country", "category__name", "brand__name", "id"
    )


def scorecard_entry(*, user: AbstractBaseUser | AnonymousUser, entry_id: int) -> Entry | None:
    """The entry if ``user`` may open its scorecard, with what the scorecard reads alongside."""
    return entries_for(user=user).select_related("computed", "category__ranking").filter(pk=entry_id).first()


def results_visible(*, entry: Entry) -> bool:
    """Brands read figures once results are released to them; publication releases them too."""
    edition = entry.category.edition
    return edition.results_released or edition.is_published


# -- the scorecard -----------------------------------------------------------------------------

# Bump when the card's shape changes, so that cached cards are not reused.
CARD_VERSION = 3
# An upper bound on how long a card may lag behind a change that bypasses the version stamps
# below (e.g. the previous edition's release); every change of results moves the stamps at once.
CARD_CACHE_SECONDS = 300


def _card_key(entry: Entry) -> str:
    """What the card depends on, as a cache key: inputs and computation of the category's ranking
    (results, exclusions, grid and settings bump ``input_version``), the entry's stored score,
    the edition's release and publication state, the language of the labels, and the brands whose
    entries count as the brand's own (disclosure control: a member shared with a competitor)."""
    edition = entry.category.edition
    try:
        ranking = entry.category.ranking
        computed = ranking.computed_at.timestamp() if ranking.computed_at else ""
        stamp = f"{ranking.input_version}.{ranking.computed_version}.{computed}"
    except CategoryRanking.DoesNotExist:
        stamp = "none"
    score = _entry_score(entry)
    parts = [
        CARD_VERSION,
        entry.pk,
        entry.status,
        stamp,
        score.fingerprint if score else "",
        score.computed_at.timestamp() if score else "",
        edition.published_at and edition.published_at.timestamp(),
        edition.results_released_at and edition.results_released_at.timestamp(),
        edition.is_published,
        edition.results_released,
        translation.get_language(),
        entry.category.reader_name,
        sorted(
            set(
                BrandMembership.objects.filter(user__brand_memberships__brand_id=entry.brand_id).values_list(
                    "brand_id", flat=True
                )
            )
        ),
    ]
    return "scorecard:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def scorecard_cached(*, entry: Entry) -> dict[str, Any]:
    """``scorecard_for`` through the cache (the portal page and its PDF download read this)."""
    key = _card_key(entry)
    card = cache.get(key)
    if card is None:
        card = scorecard_for(entry=entry)
        cache.set(key, card, CARD_CACHE_SECONDS)
    return card


def scorecard_for(*, entry: Entry) -> dict[str, Any]:
    """Every figure of ``entry``'s scorecard, as plain data (JSON-serialisable but for datetimes).

    Definitions beyond the rule book (the rule book is silent on them):

    - *Category averages* of the overall and of each channel score are over the category's scored
      entries (registered, with an overall score) and, per channel, over those that have that
      channel; nothing else about other entries (no best, quantile, spread). Each is shown only
      where §10's disclosure control lets it through (``palmares.portal.disclosure``).
    - *Mean points of a criterion*: over the entry's counted reached tests where it was scored.
      The *category mean* is the mean of the scored entries' own means (each entry weighs the same,
      as in the category average score), under the same disclosure control.
    - *Laureates*: once the edition is published, the category's laureates with their public
      overall score (as in the published palmarès), nothing more.
    - *Points lost* by criterion k of channel c (out of the overall score, /20): in a counted reached
      test of channel c whose scored criteria are K, k removes ``20 × w_k × (2 − p_k)/2 / Σ_K w``;
      the sum over the channel's counted reached tests is divided by their number (tests where k
      was not scored remove 0 from k), then multiplied by the channel's normalised weight
      ``weight[c] / Σ weight`` over the entry's scored channels (channels with a counted test).
      Unreached tests score 0 on every criterion at once; they show in the reach rate instead.
    - *Points earned* by criterion k, the same way: ``20 × w_k × p_k/2 / Σ_K w`` per counted reached
      test, averaged over the channel's reached tests, times the channel's normalised weight (a
      criterion's points earned and lost add up to its share of the reached tests' scores).
    - *Costing the most*: the three criteria with the most points lost (above 0), ties broken by the
      rule book's channel order then grid position.
    - *Strongest*: among criteria not already among the costliest, the three that earned the most
      points of the overall score (above 0): both measures are weighted by the channel's weight in the
      overall score, so a low-weight channel does not rank first for losing little, and a criterion
      that weighs nothing or was never scored (it earns 0) is never listed as strong. Ties broken by
      channel order then grid position.
    """
    from scoring import engine  # noqa: PLC0415 -- engine loads pandas: kept out of the web processes' start-up

    edition: Edition = entry.category.edition
    published = edition.is_published
    own_score = _entry_score(entry)
    category_scores = _category_scores(entry)
    scored_ids = [s.entry_id for s in category_scores]
    grid = _grid(edition)
    tests = list(
        TestResult.objects.filter(entry=entry)
        .order_by("performed_at", "id")
        # A test as its fingerprint covers it (never the shopper's code), with its score and status.
        .values("id", *FINGERPRINT_ATTRIBUTES, "score", "excluded", "exclusion_reason")
    )
    peer_rows = list(
        TestResult.objects.filter(entry_id__in=scored_ids, excluded=False).values_list(
            "entry_id", "channel", "scores", "reached"
        )
    )
    counted = [t for t in tests if not t["excluded"]]
    channel_weight = engine.normalised_weights(edition.weight, {t["channel"] for t in counted} & set(edition.channels))
    laureates = _published_laureates(entry, category_scores, published)
    averages = _averages(edition, grid, category_scores, peer_rows, laureates)
    criteria = _criteria(grid, counted, averages["criteria"], channel_weight)

    overall = own_score.overall if own_score else None
    card: dict[str, Any] = {
        "entry": {
            "id": entry.pk,
            "status": entry.status,
            "brand": {"slug": entry.brand.slug, "name": entry.brand.name},
            # The reader's language (the card is cached per language), else the edition's (issue 19).
            "category": {"slug": entry.category.slug, "name": entry.category.reader_name},
            "edition": _edition_dict(edition),
        },
        "published": published,
        "released": results_visible(entry=entry),
        "threshold": float(edition.threshold),
        "scored": overall is not None,
        "overall": overall,
        "moe": own_score.moe if own_score else None,
        # METHODOLOGY §11: the brand's own P(threshold) (null for an incomplete entry).
        "p_threshold": own_score.p_threshold if own_score else None,
        "complete": own_score.complete if own_score else False,
        "counted_tests": len(counted),
        "excluded_tests": len(tests) - len(counted),
        "computed_at": own_score.computed_at if own_score else None,
        "stale": _stale(entry),
        "category": _category_block(entry, category_scores, published, averages, laureates),
        "rank": None,
        "ranked_entries": None,
        "laureate": None,
        "channels": _channels(edition, own_score, averages["channels"], counted, channel_weight),
        "criteria": criteria,
        "costliest": _costliest(criteria),
        "previous": _previous(entry, overall),
        "tests": _tests(grid, tests),
    }
    card["strongest"] = _strongest(criteria, card["costliest"])
    if published and own_score and overall is not None:
        # §10: rank and laureate status only once the edition is published.
        card["rank"] = own_score.rank
        card["ranked_entries"] = len(category_scores)
        card["laureate"] = own_score.laureate
    return card


# -- pieces ------------------------------------------------------------------------------------


def _edition_dict(edition: Edition) -> dict[str, Any]:
    return {"id": edition.pk, "country": edition.country, "year": edition.year, "name": edition.name}


def _entry_score(entry: Entry) -> EntryScore | None:
    try:
        return entry.computed
    except EntryScore.DoesNotExist:
        return None


def _stale(entry: Entry) -> bool:
    try:
        return entry.category.ranking.stale
    except CategoryRanking.DoesNotExist:
        return False


def _category_scores(entry: Entry) -> list[EntryScore]:
    """The category's scored entries (§5: registered only), best first; each knows whether it is
    the brand's own (``own``: its brand, or a brand sharing a member with it) and its brand's slug."""
    sharing = BrandMembership.objects.filter(
        brand_id=OuterRef("entry__brand_id"), user__brand_memberships__brand_id=entry.brand_id
    )
    scores = list(
        EntryScore.objects.filter(
            entry__category_id=entry.category_id, entry__status=Entry.Status.REGISTERED, overall__isnull=False
        )
        .annotate(
            brand_id=F("entry__brand_id"),
            brand_slug=F("entry__brand__slug"),
            brand_name=F("entry__brand__name"),
            shares_member=Exists(sharing),
        )
        .order_by("rank", "entry_id")
    )
    for s in scores:
        s.own = s.brand_id == entry.brand_id or s.shares_member
    return scores


def _published_laureates(entry: Entry, scores: list[EntryScore], published: bool) -> list[dict[str, Any]]:
    """Once the edition is published, the category's laureates as the palmarès shows them (§10:
    their overall score is public): ``[{"entry", "brand": {"slug", "name"}, "overall"}]``."""
    if not published:
        return []
    by_slug = {s.brand_slug: s for s in scores}
    palmares = live_palmares(edition_id=entry.category.edition_id)
    if palmares is None:
        # Published without a live snapshot (set by hand): the stored laureates are the published ones.
        return [
            {"entry": s.entry_id, "brand": {"slug": s.brand_slug, "name": s.brand_name}, "overall": s.overall}
            for s in scores
            if s.laureate
        ]
    category = next((c for c in palmares.get("categories", []) if c.get("slug") == entry.category.slug), None)
    if category is None:
        return []
    out = []
    for laureate in category.get("laureates", []):
        score = by_slug.get(laureate["brand"]["slug"])
        out.append(
            {
                "entry": score.entry_id if score else None,
                "brand": {"slug": laureate["brand"]["slug"], "name": laureate["brand"]["name"]},
                "overall": laureate["overall"],
            }
        )
    return out


def _grid(edition: Edition) -> dict[str, list[dict[str, Any]]]:
    """The edition's criteria per channel, each ``label`` in the reader's language (the card is
    cached per language): ``labels[language]`` where the organiser gave it, else the edition's label."""
    language = translation.get_language()
    grid: dict[str, list[dict[str, Any]]] = {c: [] for c in CHANNELS}
    for row in (
        Criterion.objects.filter(edition=edition)
        .order_by("channel", "position", "id")
        .values("channel", "code", "label", "labels", "weight")
    ):
        labels = row.pop("labels")
        row["label"] = localised(row["label"], labels, language)
        grid.setdefault(row["channel"], []).append(row)
    return grid


def _averages(
    edition: Edition,
    grid: dict[str, list[dict[str, Any]]],
    scores: list[EntryScore],
    peer_rows: list[tuple[int, str, dict, bool]],
    laureates: list[dict[str, Any]],
) -> dict[str, Any]:
    """The category averages the brand may read (§10 disclosure control, ``palmares.portal.disclosure``).

    Laureates count as known whether or not the edition is published yet (see the module's
    docstring there), and so do the entries named laureates in the published palmarès."""
    known_laureates = {lau["entry"] for lau in laureates} | {s.entry_id for s in scores if s.laureate}
    means, linear = _peer_criteria(peer_rows, grid)
    peers = [
        Peer(
            entry_id=s.entry_id,
            overall=s.overall,
            channels={
                c: block["score"] for c, block in (s.channels or {}).items() if (block or {}).get("score") is not None
            },
            own=s.own,
            laureate=s.entry_id in known_laureates,
            criteria=means.get(s.entry_id, {}),
            linear_channels=frozenset(linear.get(s.entry_id, ())),
        )
        for s in scores
    ]
    return category_averages(
        peers,
        channels=list(edition.channels),
        weights={c: float(edition.weight[c]) for c in edition.channels},
        grid={c: {row["code"]: row["weight"] for row in grid.get(c, [])} for c in edition.channels},
        published=edition.is_published,
    )


def _category_block(
    entry: Entry,
    scores: list[EntryScore],
    published: bool,
    averages: dict[str, Any],
    laureates: list[dict[str, Any]],
) -> dict[str, Any]:
    try:
        ranking = entry.category.ranking
    except CategoryRanking.DoesNotExist:
        ranking = None
    return {
        "scored_entries": len(scores),
        "overall": averages["overall"],
        # Whether the category is awarded is part of the palmarès: only after publication.
        "awarded": (ranking.awarded if ranking else False) if published else None,
        # The laureates' public scores (published editions only), without the internal entry id.
        "laureates": [{"brand": lau["brand"], "overall": lau["overall"]} for lau in laureates],
    }


def _channels(
    edition: Edition,
    own: EntryScore | None,
    averages: dict[str, dict[str, float] | None],
    counted: list[dict[str, Any]],
    channel_weight: dict[str, float],
) -> list[dict[str, Any]]:
    from scoring import engine  # noqa: PLC0415 -- engine loads pandas: kept out of the web processes' start-up

    by_channel: dict[str, list[dict[str, Any]]] = {}
    for t in counted:
        by_channel.setdefault(t["channel"], []).append(t)
    # §9 as the palmarès computes it, over this entry's counted tests.
    measured = engine.channel_figures(
        engine.tests_frame(
            [(0, t["channel"], t["score"], t["reached"], t["wait_seconds"], t["response_hours"]) for t in counted]
        ),
        edition.channels,
    )
    own_channels = (own.channels or {}) if own else {}
    rows = []
    for c in edition.channels:
        stored = own_channels.get(c) or {}
        group = by_channel.get(c, [])
        rows.append(
            {
                "channel": c,
                "label": str(CHANNEL_LABELS[c]),
                "quota": edition.quota[c],
                "weight": edition.weight[c],
                "normalised_weight": channel_weight.get(c),
                "score": stored.get("score"),
                "n": stored.get("n", 0),
                "sd": stored.get("sd"),
                "counted": len(group),
                "reach_rate": measured[c]["reach_rate"],
                "median_wait_seconds": measured[c].get("median_wait_seconds"),
                "median_response_hours": measured[c].get("median_response_hours"),
                "has_wait": c in WAIT_CHANNELS,
                "has_response": c in RESPONSE_CHANNELS,
                "category": averages.get(c),
            }
        )
    return rows


def _criteria(
    grid: dict[str, list[dict[str, Any]]],
    counted: list[dict[str, Any]],
    peer_means: dict[tuple[str, str], float | None],
    channel_weight: dict[str, float],
) -> list[dict[str, Any]]:
    """One row per grid criterion of the channels the entry has counted tests on."""
    import pandas as pd  # noqa: PLC0415 -- pandas kept out of the web processes' start-up

    weights = {(c, row["code"]): row["weight"] for c, rows in grid.items() for row in rows}
    reached = [t for t in counted if t["reached"]]
    reached_per_channel = pd.Series([t["channel"] for t in reached], dtype="object").value_counts().to_dict()

    # Long format: one row per scored criterion of a counted reached test, with its loss (see docstring).
    long_rows = []
    for t in reached:
        scored = {k: p for k, p in (t["scores"] or {}).items() if p is not None and (t["channel"], k) in weights}
        total = sum(weights[(t["channel"], k)] for k in scored)
        for k, p in scored.items():
            w = weights[(t["channel"], k)]
            long_rows.append((t["channel"], k, p, 20.0 * w * (2 - p) / 2 / total, 20.0 * w * p / 2 / total))
    own = pd.DataFrame(long_rows, columns=["channel", "code", "points", "loss", "gain"])
    own_stats: dict[tuple[str, str], dict[str, float]] = (
        own.groupby(["channel", "code"], sort=False)
        .agg(mean=("points", "mean"), n=("points", "size"), loss=("loss", "sum"), gain=("gain", "sum"))
        .to_dict("index")
        if len(own)
        else {}
    )

    rows = []
    for c in CHANNELS:
        if c not in channel_weight:
            continue
        grid_total = sum(row["weight"] for row in grid.get(c, [])) or 1
        for position, crit in enumerate(grid.get(c, [])):
            key = (c, crit["code"])
            stat = own_stats.get(key)
            n_reached = reached_per_channel.get(c, 0)
            lost = float(stat["loss"]) / n_reached * channel_weight[c] if stat is not None and n_reached else 0.0
            earned = float(stat["gain"]) / n_reached * channel_weight[c] if stat is not None and n_reached else 0.0
            rows.append(
                {
                    "channel": c,
                    "channel_label": str(CHANNEL_LABELS[c]),
                    "code": crit["code"],
                    "label": crit["label"],
                    "weight": crit["weight"],
                    "position": position,
                    "times_scored": int(stat["n"]) if stat is not None else 0,
                    "mean_points": float(stat["mean"]) if stat is not None else None,
                    "category_mean": peer_means.get(key),
                    "points_lost": lost,
                    "points_earned": earned,
                    "at_stake": channel_weight[c] * crit["weight"] / grid_total * 20.0,
                }
            )
    return rows


def _peer_criteria(
    peer_rows: list[tuple[int, str, dict, bool]], grid: dict[str, list[dict[str, Any]]]
) -> tuple[dict[int, dict[tuple[str, str], float]], dict[int, set[str]]]:
    """Each scored entry's mean points per criterion over its counted reached tests, and the
    channels whose score is exactly the weighted mean of those (every counted test reached, every
    grid criterion scored in each), which the disclosure check must know.

    A plain accumulation: over a category's thousands of tests it is several times faster than
    building a DataFrame, and this runs on every scorecard view."""
    codes = {c: {row["code"] for row in rows} for c, rows in grid.items()}
    sums: dict[int, dict[tuple[str, str], list[int]]] = {}
    not_linear: set[tuple[int, str]] = set()
    seen: set[tuple[int, str]] = set()
    for entry_id, channel, scores, reached in peer_rows:
        seen.add((entry_id, channel))
        scored = {k: p for k, p in (scores or {}).items() if p is not None and k in codes.get(channel, ())}
        if not reached or set(scored) != codes.get(channel, set()):
            not_linear.add((entry_id, channel))
        if not reached:
            continue
        per_entry = sums.setdefault(entry_id, {})
        for code, points in scored.items():
            acc = per_entry.setdefault((channel, code), [0, 0])
            acc[0] += points
            acc[1] += 1
    means = {
        entry_id: {key: total / n for key, (total, n) in per_entry.items()} for entry_id, per_entry in sums.items()
    }
    linear: dict[int, set[str]] = {}
    for entry_id, channel in seen - not_linear:
        linear.setdefault(entry_id, set()).add(channel)
    return means, linear


def _order(channel: str) -> int:
    return CHANNELS.index(channel)


def _costliest(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    losing = [c for c in criteria if c["points_lost"] > 0]
    losing.sort(key=lambda c: (-_r9(c["points_lost"]), _order(c["channel"]), c["position"]))
    return losing[:HIGHLIGHTS]


def _strongest(criteria: list[dict[str, Any]], costliest: list[dict[str, Any]]) -> list[dict[str, Any]]:
    taken = {(c["channel"], c["code"]) for c in costliest}
    candidates = [c for c in criteria if _r9(c["points_earned"]) > 0 and (c["channel"], c["code"]) not in taken]
    candidates.sort(key=lambda c: (-_r9(c["points_earned"]), _order(c["channel"]), c["position"]))
    return candidates[:HIGHLIGHTS]


def _r9(value: float) -> float:
    """§7: compare at 9 decimals so that equal values are equal."""
    from scoring import engine  # noqa: PLC0415 -- engine loads pandas: kept out of the web processes' start-up

    return engine.at_rule_precision(value)


def _previous(entry: Entry, overall: float | None) -> dict[str, Any] | None:
    """The same brand in the same category slug of the country's previous year (if brands saw it)."""
    previous = (
        Entry.objects.select_related("category__edition", "computed")
        .filter(
            brand_id=entry.brand_id,
            category__slug=entry.category.slug,
            category__edition__country=entry.category.edition.country,
            category__edition__year=entry.category.edition.year - 1,
        )
        .first()
    )
    if previous is None or not results_visible(entry=previous):
        return None
    edition = previous.category.edition
    score = _entry_score(previous)
    before = score.overall if score else None
    data: dict[str, Any] = {
        "entry": previous.pk,
        "edition": _edition_dict(edition),
        "overall": before,
        "delta": overall - before if overall is not None and before is not None else None,
        "rank": None,
        "ranked_entries": None,
    }
    if edition.is_published and score and score.rank is not None:
        data["rank"] = score.rank
        data["ranked_entries"] = EntryScore.objects.filter(
            entry__category_id=previous.category_id, entry__status=Entry.Status.REGISTERED, overall__isnull=False
        ).count()
    return data


def _tests(grid: dict[str, list[dict[str, Any]]], tests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tests behind the figures, with their points in grid order and labels."""
    out = []
    for t in tests:
        scores = t["scores"] or {}
        points = [
            {"code": row["code"], "label": row["label"], "points": scores[row["code"]]}
            for row in grid.get(t["channel"], [])
            if scores.get(row["code"]) is not None
        ]
        out.append(
            {
                "id": t["id"],
                "external_id": t["external_id"],
                "channel": t["channel"],
                "channel_label": str(CHANNEL_LABELS[t["channel"]]),
                "performed_at": t["performed_at"],
                "reached": t["reached"],
                "wait_seconds": t["wait_seconds"],
                "response_hours": t["response_hours"],
                "score": t["score"],
                "points": points,
                "comment": t["comment"],
                "excluded": t["excluded"],
                "exclusion_reason": t["exclusion_reason"] if t["excluded"] else "",
            }
        )
    return out
