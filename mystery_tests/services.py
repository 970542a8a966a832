"""Writes of the mystery_tests layer: uploaded results, grid recomputes, agency API tokens.

mystery_tests never imports scoring: accepted changes are announced with the ``inputs_changed``
signal inside the transaction, and scoring's listener queues its recompute on commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import BooleanField, Count
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from election.channels import channel_label
from election.models import Edition, Entry

from .fields import CONTENT_ATTRIBUTES
from .grid import default_grid
from .merkle import TreeHasher
from .models import Agency, AgencyMembership, Campaign, Criterion, ImportJob, TestResult, UploadReceipt
from .provenance import fingerprint_of, sign_receipt, sign_root
from .signals import inputs_changed
from .validation import CampaignContext, CleanResult, capped, test_score, validate_items
from .writers import CHUNK, writer_for

__all__ = [
    "CampaignLocked",
    "ResultsInvalid",
    "StreamedUpload",
    "counted_tests",
    "agency_api_token",
    "campaign_lock_reason",
    "grid_recompute_scores",
    "results_upload",
    "test_score",
]

# Stored rows are read as ``values()`` dicts: the content fields (compared to tell "unchanged"),
# then what replacing a row needs.
EXISTING_FIELDS = (
    *CONTENT_ATTRIBUTES,
    "id",
    "external_id",
    "campaign_id",
    "entry__category_id",
    "score",
    "version",
    "excluded",
    "fingerprint",
)


class ResultsInvalid(Exception):
    """An upload refused as a whole: ``errors`` lists every problem as ``{"index", "field", "message"}``."""

    def __init__(self, errors: list[dict], detail: str | None = None):
        # At most ERRORS_MAX listed; ``omitted`` counts the others (API.md "errors_omitted").
        self.errors = capped(errors)
        self.omitted = self.errors.omitted
        self.detail = detail or _("The results are invalid; nothing was stored.")
        super().__init__(self.detail)


class CampaignLocked(Exception):
    """The campaign is closed or its edition is frozen: it takes no more results (409)."""


def campaign_lock_reason(campaign: Campaign) -> str | None:
    """Why ``campaign`` refuses results, or None when it accepts them."""
    if campaign.edition.frozen_at is not None:
        return _("The results of “%(edition)s” are frozen (published): uploads are closed.") % {
            "edition": campaign.edition.name
        }
    if campaign.status == Campaign.Status.CLOSED:
        return _("This campaign is closed: it no longer accepts results.")
    return None


# -- results upload ---------------------------------------------------------------------------
def results_upload(
    *,
    campaign: Campaign,
    items: list,
    user=None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    import_job: ImportJob | None = None,
) -> dict:
    """Store a batch of test results for ``campaign``, all or nothing (API.md "A test result").

    Returns ``{"created", "updated", "unchanged", "receipt"}``: ``receipt`` is the signed receipt of
    METHODOLOGY §12 over the batch's fingerprints in the order sent (stored, with ``import_job``
    when the batch is a file import), or None for a dry run, which accepts nothing. Raises
    ``CampaignLocked`` when the campaign refuses results, ``ResultsInvalid`` listing every problem
    otherwise. Idempotent: results are keyed by (agency, external_id); the same content again is
    unchanged, different content replaces the stored version (kept in the history, exclusion kept).
    """
    reason = campaign_lock_reason(campaign)
    if reason:
        raise CampaignLocked(reason)
    if not isinstance(items, list) or not items:
        raise ResultsInvalid([], _("Send a JSON array of 1 to 10,000 results; this one is empty."))

    context = CampaignContext.load(campaign)
    cleaned, errors = validate_items(context, items, progress=progress)
    if errors:
        raise ResultsInvalid(errors)

    if dry_run:
        plan = _plan(campaign, cleaned)
        counts = {**plan.counts(), "receipt": None}
    else:
        with transaction.atomic():
            # The quota (§5) is checked under the edition's lock: two uploads cannot both take the last places.
            fresh = _lock(campaign)
            plan = _plan(fresh, cleaned)
            _fingerprint(campaign, context, cleaned)
            _write(campaign, plan, user)
            if plan.category_ids:
                inputs_changed.send(sender=TestResult, category_ids=plan.category_ids, reason="results uploaded")
            receipt = sign_receipt([clean.fingerprint for clean in cleaned])
            counts = {**plan.counts(), "receipt": _keep_receipt(campaign, receipt, user, import_job)}
    if progress is not None:
        progress(len(items))
    return counts


class StreamedUpload:
    """``results_upload`` for a file read in chunks (a file import), all or nothing over the whole file.

    Each chunk of items is validated and, while no chunk had an error, planned, fingerprinted and
    written at once (``add``), so memory holds one chunk whatever the file's size; once a chunk has an
    error nothing more is written, the later chunks are still checked so every problem is listed, and
    the caller rolls the transaction back. The caller holds ONE transaction around every ``add`` and
    ``finish``: the agency's and campaign's locks are taken at the first write and kept to the end,
    and the quota (§5) of each chunk counts the rows the earlier chunks wrote. ``finish`` signs one
    receipt over every fingerprint in file order (a Merkle root kept incrementally, METHODOLOGY §12)
    and announces the changed categories once. Errors are ``{"index", "field", "message"}`` with the
    index inside the chunk, as ``results_upload`` raises them.
    """

    def __init__(self, *, campaign: Campaign, user=None, import_job: ImportJob | None = None) -> None:
        reason = campaign_lock_reason(campaign)
        if reason:
            raise CampaignLocked(reason)
        self.campaign, self.user, self.import_job = campaign, user, import_job
        self.context = CampaignContext.load(campaign)
        self.counts = {"created": 0, "updated": 0, "unchanged": 0}
        self.category_ids: set[int] = set()
        self.failed = False
        self._locked: Campaign | None = None
        self._root = TreeHasher()

    def add(self, items: list, *, progress: Callable[[int], None] | None = None) -> list[dict]:
        """Validates one chunk and writes it unless a chunk had errors; returns this chunk's errors."""
        cleaned, errors = validate_items(self.context, items, progress=progress)
        if errors:
            self.failed = True
            return list(errors)
        try:
            if self.failed:  # nothing more is written: the plan only finds the quota and key errors
                _plan(self.campaign, cleaned)
                return []
            if self._locked is None:
                self._locked = _lock(self.campaign)
            plan = _plan(self._locked, cleaned)
        except ResultsInvalid as exc:
            self.failed = True
            return list(exc.errors)
        _fingerprint(self.campaign, self.context, cleaned)
        _write(self.campaign, plan, self.user)
        for key, value in plan.counts().items():
            self.counts[key] += value
        self.category_ids |= plan.category_ids
        for clean in cleaned:
            self._root.add(bytes.fromhex(clean.fingerprint))
        return []

    def finish(self) -> dict:
        """After the last chunk without error: the receipt and the recompute's signal; the counts."""
        if self.category_ids:
            inputs_changed.send(sender=TestResult, category_ids=self.category_ids, reason="results uploaded")
        # The count and root of the whole file, kept incrementally (no fingerprint list kept).
        receipt = sign_root(self._root.count, self._root.root().hex())
        return {**self.counts, "receipt": _keep_receipt(self.campaign, receipt, self.user, self.import_job)}


def _fingerprint(campaign: Campaign, context: CampaignContext, cleaned: list[CleanResult]) -> None:
    """Set each result's METHODOLOGY §12 fingerprint (one query, the agency's slug; the entries' are in the context)."""
    agency = Agency.objects.values_list("slug", flat=True).get(pk=campaign.agency_id)
    entries = context.entries
    for clean in cleaned:
        entry = entries[clean.entry_id]
        clean.fingerprint = fingerprint_of(clean, agency=agency, brand=entry.brand_slug, category=entry.category_slug)


def _keep_receipt(campaign: Campaign, receipt: dict, user, import_job: ImportJob | None) -> dict:
    """Keep the signed receipt of an accepted batch (in the upload's transaction: no receipt without results)."""
    UploadReceipt.objects.create(
        campaign_id=campaign.pk,
        import_job=import_job,
        user=user if user is not None and user.is_authenticated else None,
        **receipt,
    )
    return receipt


class _Plan:
    def __init__(self) -> None:
        self.create: list[CleanResult] = []
        self.update: list[tuple[CleanResult, dict]] = []
        self.unchanged = 0
        self.category_ids: set[int] = set()

    def counts(self) -> dict[str, int]:
        return {"created": len(self.create), "updated": len(self.update), "unchanged": self.unchanged}


def _lock(campaign: Campaign) -> Campaign:
    """Serialise uploads of one agency (its keys span campaigns) and re-check the campaign under lock.

    Locking the campaign and edition rows also makes a concurrent publication wait for this upload,
    so nothing lands in an edition after it was frozen; and every upload, restore or publication
    touching an entry locks its edition row, so the quota count read after this lock stays true
    until commit. Returns the campaign as read under the lock (with its edition).
    """
    Agency.objects.select_for_update().filter(pk=campaign.agency_id).values_list("pk").get()
    fresh = Campaign.objects.select_for_update().select_related("edition").get(pk=campaign.pk)
    reason = campaign_lock_reason(fresh)
    if reason:
        raise CampaignLocked(reason)
    return fresh


def _existing(agency_id: int, keys: list[str]) -> dict[str, dict]:
    """The stored row of each of the agency's ``keys`` that exists, by key.

    On PostgreSQL the keys are one array parameter (``= ANY(%s)``) in one query: Django's IN lookup
    prepares every key in Python, 1,000 placeholders a query (10,000 new keys: 0.035 s → 0.014 s; the rows
    found cost the same either way). SQLite has no arrays: IN, CHUNK keys at a time (its variable limit)."""
    stored = TestResult.objects.filter(agency_id=agency_id).order_by()  # a dict by key: no sort needed
    if connection.vendor == "postgresql":
        column = f"{connection.ops.quote_name(TestResult._meta.db_table)}.{connection.ops.quote_name('external_id')}"
        # The SQL is the quoted column name; the keys are one parameter.
        batches = [stored.filter(RawSQL(f"{column} = ANY(%s)", (keys,), output_field=BooleanField()))]  # noqa: S611
    else:
        batches = [stored.filter(external_id__in=keys[start : start + CHUNK]) for start in range(0, len(keys), CHUNK)]
    found: dict[str, dict] = {}
    for batch in batches:
        found.update((row["external_id"], row) for row in batch.values(*EXISTING_FIELDS))
    return found


def _plan(campaign: Campaign, cleaned: list[CleanResult]) -> _Plan:
    plan = _Plan()
    existing = _existing(campaign.agency_id, [c.external_id for c in cleaned])
    elsewhere: list[tuple[CleanResult, int]] = []
    for clean in cleaned:
        row = existing.get(clean.external_id)
        if row is None:
            plan.create.append(clean)
            plan.category_ids.add(clean.category_id)
        elif row["campaign_id"] != campaign.pk:
            elsewhere.append((clean, row["campaign_id"]))
        elif tuple(row[name] for name in CONTENT_ATTRIBUTES) == clean.content():
            plan.unchanged += 1
        else:
            plan.update.append((clean, row))
            plan.category_ids.update((clean.category_id, row["entry__category_id"]))
    if elsewhere:
        raise ResultsInvalid(_elsewhere_errors(elsewhere))
    if errors := _quota_errors(campaign.edition, plan):
        raise ResultsInvalid(errors)
    return plan


def counted_tests(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """Non-excluded tests held by each (entry, channel) of ``pairs``, all agencies together (§5).

    One aggregate query per CHUNK entries (one for any realistic batch), never one per item.
    """
    pairs = set(pairs)
    entry_ids = sorted({entry_id for entry_id, _ in pairs})
    channels = sorted({channel for _, channel in pairs})
    found: dict[tuple[int, str], int] = {}
    for start in range(0, len(entry_ids), CHUNK):
        rows = (
            TestResult.objects.filter(
                entry_id__in=entry_ids[start : start + CHUNK], channel__in=channels, excluded=False
            )
            .values("entry_id", "channel")
            .annotate(n=Count("id"))
            .values_list("entry_id", "channel", "n")
            .order_by()
        )
        found.update(((entry_id, channel), n) for entry_id, channel, n in rows if (entry_id, channel) in pairs)
    return found


def quota_message(*, entry_id: int, channel: str, count: int, quota: int, names: dict[int, tuple[str, str]]) -> str:
    brand, category = names.get(entry_id, (str(entry_id), ""))
    return _(
        "This test would bring %(brand)s in %(category)s to %(count)d tests (%(channel)s); the quota is %(quota)d "
        "(an agency re-tests only after an exclusion)."
    ) % {"brand": brand, "category": category, "count": count, "channel": channel_label(channel), "quota": quota}


def entry_names(entry_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """(brand name, category name) of each entry, for messages."""
    rows = Entry.objects.filter(pk__in=set(entry_ids)).values_list("pk", "brand__name", "category__name")
    return {pk: (brand, category) for pk, brand, category in rows}


def _quota_errors(edition: Edition, plan: _Plan) -> list[dict]:
    """METHODOLOGY §5: an entry never holds more non-excluded tests on a channel than its quota.

    A new test adds one to its (entry, channel); a replacement is not a new test, unless it moves a
    counting test to another entry or channel (one less there, one more here); a replaced test that
    is excluded stays excluded and counts nowhere. Every item that goes above the quota is named.
    """
    added: dict[tuple[int, str], list[CleanResult]] = {}
    removed: Counter[tuple[int, str]] = Counter()
    for clean in plan.create:
        added.setdefault((clean.entry_id, clean.channel), []).append(clean)
    for clean, row in plan.update:
        old, new = (row["entry_id"], row["channel"]), (clean.entry_id, clean.channel)
        if row["excluded"] or old == new:
            continue
        removed[old] += 1
        added.setdefault(new, []).append(clean)
    if not added:
        return []
    quota = edition.quota
    counted = counted_tests(added)
    over: list[tuple[CleanResult, int, int]] = []
    for (entry_id, channel), cleans in added.items():
        limit = quota.get(channel, 0)
        held = counted.get((entry_id, channel), 0) - removed[(entry_id, channel)]
        if held + len(cleans) <= limit:
            continue
        cleans.sort(key=lambda c: c.index)
        over.extend((clean, held + n, limit) for n, clean in enumerate(cleans, start=1) if held + n > limit)
    if not over:
        return []
    names = entry_names(clean.entry_id for clean, _, _ in over)
    over.sort(key=lambda o: o[0].index)
    return [
        {
            "index": clean.index,
            "field": "channel",
            "message": quota_message(
                entry_id=clean.entry_id, channel=clean.channel, count=count, quota=limit, names=names
            ),
        }
        for clean, count, limit in over
    ]


def _elsewhere_errors(elsewhere: list[tuple[CleanResult, int]]) -> list[dict]:
    """A key already used in another of the agency's campaigns: moving a result between editions
    is never what an agency means, so it is refused rather than silently replaced."""
    names = dict(Campaign.objects.filter(pk__in={pk for _, pk in elsewhere}).values_list("pk", "edition__name"))
    return [
        {
            "index": clean.index,
            "field": "external_id",
            "message": _(
                "“%(key)s” already identifies one of your results in another campaign (%(edition)s); "
                "external ids are unique per agency."
            )
            % {"key": clean.external_id, "edition": names.get(campaign_id, campaign_id)},
        }
        for clean, campaign_id in elsewhere
    ]


def _write(campaign: Campaign, plan: _Plan, user) -> None:
    user_id = user.pk if user is not None and user.is_authenticated else None
    if plan.create or plan.update:
        writer_for().write(campaign=campaign, creates=plan.create, updates=plan.update, user_id=user_id)


# -- grid ---------------------------------------------------------------------------------------
def grid_install_default(*, edition: Edition) -> int:
    """Give every channel of ``edition`` that has no criterion the default grid (METHODOLOGY §3).

    The grid in force is stored with the edition, so an edition made anywhere (admin, file,
    script) can take results at once. Returns how many criteria were created.
    """
    present = set(Criterion.objects.filter(edition=edition).values_list("channel", flat=True).distinct())
    rows = [
        Criterion(edition=edition, channel=channel, position=i, **criterion)
        for channel, criteria in default_grid(edition.language).items()
        if channel not in present
        for i, criterion in enumerate(criteria)
    ]
    Criterion.objects.bulk_create(rows)
    return len(rows)


def grid_recompute_scores(*, edition: Edition) -> int:
    """Recompute the stored score of every test of ``edition`` after its grid changed (METHODOLOGY §4).

    Points on a criterion no longer in the grid are left out; a reached test left with no scored
    criterion scores 0. Returns how many stored scores changed. A frozen edition's grid cannot
    change, so its scores are not touched (``CampaignLocked``).
    """
    changed: list[TestResult] = []
    with transaction.atomic():
        # The edition's lock, as uploads and publication take it: a recompute racing a publication
        # waits for it, then sees the freeze; none lands after it.
        frozen_at = Edition.objects.select_for_update().values_list("frozen_at", flat=True).get(pk=edition.pk)
        if frozen_at is not None or edition.frozen_at is not None:
            raise CampaignLocked(
                _("The results of “%(edition)s” are frozen (published): its grid can no longer change.")
                % {"edition": edition.name}
            )
        grid: dict[str, dict[str, int]] = {}
        criteria = Criterion.objects.filter(edition=edition).values_list("channel", "code", "weight")
        for channel, code, weight in criteria:
            grid.setdefault(channel, {})[code] = weight
        rows = (
            TestResult.objects.filter(campaign__edition=edition)
            .values_list("id", "channel", "reached", "scores", "score")
            .iterator(chunk_size=CHUNK)
        )
        for pk, channel, reached, scores, score in rows:
            new = _score_under_grid(grid.get(channel, {}), scores, reached)
            if new != score:
                changed.append(TestResult(pk=pk, score=new))
        TestResult.objects.bulk_update(changed, ["score"], batch_size=CHUNK)
        category_ids = set(edition.categories.values_list("pk", flat=True))
        if category_ids:
            inputs_changed.send(sender=TestResult, category_ids=category_ids, reason="grid changed")
    return len(changed)


def _score_under_grid(weights: dict[str, int], scores: dict, reached: bool) -> float:
    points = {code: value for code, value in scores.items() if code in weights and value is not None}
    if reached and not points:
        return 0.0
    return test_score(weights=weights, points=points, reached=reached)


# -- agency API users ------------------------------------------------------------------------------
def agency_api_token(*, agency: Agency) -> tuple[str, bool]:
    """The API token of ``agency``'s API user ``api-<slug>``, creating both on first use.

    Returns (key, created). The same key is returned on later calls, so scripts can re-run safely.
    """
    user_model = get_user_model()
    username = f"api-{agency.slug}"[: user_model._meta.get_field("username").max_length]
    with transaction.atomic():
        user, user_created = user_model.objects.get_or_create(username=username, defaults={"is_active": True})
        if user_created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        membership, _ = AgencyMembership.objects.get_or_create(user=user, defaults={"agency": agency})
        if membership.agency_id != agency.pk:
            raise ValueError(_("User “%(user)s” already acts for another agency.") % {"user": username})
        token, token_created = Token.objects.get_or_create(user=user)
    return token.key, token_created
