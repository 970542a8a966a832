"""Appeals: a brand contests one test of its entry; organisers preview the impact and decide.

Writes only (ENGINEERING "services"): every function is keyword-only, runs in one
transaction and raises an ``AppealError`` subclass with a sentence a user can read.
E-mails go out after the commit, so a rolled-back decision never notifies anybody.

The window (issue 9): from ``Edition.results_released_at`` until ``Edition.appeals_close_at``
and never once the results are frozen (``Edition.frozen_at``). Organisers open it by setting
both dates: an edition without a closing date takes no appeals (results released at
publication, for instance, are already frozen).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.display import format_local
from common.permissions import is_organiser
from election.models import BrandMembership, Category, Edition
from mystery_tests.models import AgencyMembership, TestResult
from mystery_tests.review import ReviewRefused, result_exclude
from palmares.models import Appeal
from scoring.models import CategoryRanking, EntryScore
from scoring.selectors import preview_category

logger = logging.getLogger(__name__)

# Evidence: what a brand can reasonably send (a PDF, a screenshot, an exported e-mail).
ATTACHMENT_MAX_BYTES = getattr(settings, "APPEAL_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
ATTACHMENT_TYPES = {
    # extension: content type served back; the bytes are checked, never the client's header.
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".txt": "text/plain; charset=utf-8",
}
REASON_MAX_CHARS = 5000
ANSWER_MAX_CHARS = 5000


class AppealError(Exception):
    """A domain refusal with a readable message; ``field`` names the form field when there is one."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class AppealNotAllowed(AppealError):
    """The user may not act on this test or appeal (pages answer 404: nothing is revealed)."""


class AppealWindowClosed(AppealError):
    """Outside the edition's appeal window, or the results are frozen."""


class AppealInvalid(AppealError):
    """Bad input: an empty reason or answer, an unacceptable attachment."""


class AppealConflict(AppealError):
    """The state forbids it: an appeal already open on the test, an appeal already decided."""


# -- the window -------------------------------------------------------------------------


def _local(edition: Edition, moment: dt.datetime) -> str:
    """A moment as the edition's public reads it: its own time zone, the active language's format."""
    return format_local(moment, edition.time_zone)


def appeal_window_problem(*, edition: Edition, now: dt.datetime | None = None) -> str | None:
    """Why appeals cannot be filed now for this edition, or None while the window is open."""
    now = now or timezone.now()
    if edition.frozen_at is not None:
        return _("The results of this edition are frozen: appeals are closed.")
    if edition.results_released_at is None:
        return _("Appeals open when the results are released to brands, which has not been scheduled yet.")
    if now < edition.results_released_at:
        return _("Appeals open when the results are released to brands (%(date)s).") % {
            "date": _local(edition, edition.results_released_at)
        }
    if edition.appeals_close_at is None:
        return _("No appeal period has been set for this edition.")
    if now >= edition.appeals_close_at:
        return _("Appeals are closed (the deadline was %(date)s).") % {
            "date": _local(edition, edition.appeals_close_at)
        }
    return None


def appeal_window_open(*, edition: Edition, now: dt.datetime | None = None) -> bool:
    return appeal_window_problem(edition=edition, now=now) is None


# -- evidence -----------------------------------------------------------------------------


def _sniff(head: bytes, extension: str) -> bool:
    """Do the first bytes match the extension? A renamed executable is not a PDF."""
    if extension == ".pdf":
        return head.startswith(b"%PDF-")
    if extension == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    return False


def _is_text(file: UploadedFile) -> bool:
    file.seek(0)
    data = file.read()
    file.seek(0)
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def attachment_validate(*, attachment: UploadedFile) -> str:
    """Check an evidence file; return its normalised extension or raise ``AppealInvalid``."""
    extension = os.path.splitext(attachment.name or "")[1].lower()
    allowed = ", ".join(sorted({e.lstrip(".").upper() for e in ATTACHMENT_TYPES}))
    if extension not in ATTACHMENT_TYPES:
        raise AppealInvalid(
            _("Evidence must be a file of one of these types: %(types)s.") % {"types": allowed}, field="attachment"
        )
    if attachment.size == 0:
        raise AppealInvalid(_("The evidence file is empty."), field="attachment")
    if attachment.size > ATTACHMENT_MAX_BYTES:
        raise AppealInvalid(
            _("The evidence file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{attachment.size / 1048576:.1f}", "limit": f"{ATTACHMENT_MAX_BYTES / 1048576:.0f}"},
            field="attachment",
        )
    if extension == ".txt":
        ok = _is_text(attachment)
    else:
        attachment.seek(0)
        ok = _sniff(attachment.read(16), extension)
        attachment.seek(0)
    if not ok:
        raise AppealInvalid(
            _("The content of “%(name)s” is not a %(type)s file.")
            % {"name": os.path.basename(attachment.name), "type": extension.lstrip(".").upper()},
            field="attachment",
        )
    return ".jpg" if extension == ".jpeg" else extension


def attachment_content_type(*, appeal: Appeal) -> str:
    extension = os.path.splitext(appeal.attachment.name)[1].lower()
    return ATTACHMENT_TYPES.get(extension, "application/octet-stream")


# -- notifications --------------------------------------------------------------------------


def _brand_addresses(brand_id: int) -> list[str]:
    return sorted(
        set(
            BrandMembership.objects.filter(brand_id=brand_id, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def _agency_addresses(agency) -> list[str]:
    addresses = set(
        AgencyMembership.objects.filter(agency=agency, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if agency.contact_email:
        addresses.add(agency.contact_email)
    return sorted(addresses)


def _messages(appeal: Appeal, event: str) -> list[EmailMessage]:
    """One message per recipient (members never see each other's addresses), in the edition's language."""
    entry = appeal.entry
    edition = entry.category.edition
    base = settings.SITE_URL.rstrip("/")
    audiences = [
        ("brand", _brand_addresses(entry.brand_id), f"{base}/portal/appeals/"),
        ("agency", _agency_addresses(appeal.result.agency), f"{base}/agency/appeals/"),
    ]
    language = edition.language if edition.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    messages = []
    with translation.override(language):
        for audience, addresses, link in audiences:
            if not addresses:
                continue
            context = {"appeal": appeal, "entry": entry, "edition": edition, "result": appeal.result, "link": link}
            subject = render_to_string(f"palmares/appeals/email/{event}_subject.txt", context).strip()
            body = render_to_string(f"palmares/appeals/email/{event}_{audience}.txt", context)
            messages.extend(
                EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address])
                for address in addresses
            )
    return messages


def _send(messages: list[EmailMessage]) -> None:
    try:
        get_connection().send_messages(messages)
    except Exception:
        # The decision is committed; a mail server outage must not turn it into an error page.
        logger.exception("Could not send %d appeal notification(s)", len(messages))


def _notify_on_commit(appeals: Iterable[Appeal], event: str) -> None:
    messages = [m for appeal in appeals for m in _messages(appeal, event)]
    if messages:
        transaction.on_commit(partial(_send, messages))


# -- filing -----------------------------------------------------------------------------------


def _text(value: str, *, field: str, empty: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise AppealInvalid(empty, field=field)
    if len(value) > limit:
        raise AppealInvalid(
            _("Keep it under %(limit)s characters (it has %(count)s).") % {"limit": limit, "count": len(value)},
            field=field,
        )
    return value


def appeal_file(
    *, result: TestResult, user: AbstractBaseUser, reason: str, attachment: UploadedFile | None = None
) -> Appeal:
    """File an appeal on one test of the user's own brand, within the edition's window."""
    entry = result.entry
    edition = entry.category.edition
    if not BrandMembership.objects.filter(user=user, brand_id=entry.brand_id).exists():
        raise AppealNotAllowed(_("Only a member of the brand concerned may appeal this test."))
    if problem := appeal_window_problem(edition=edition):
        raise AppealWindowClosed(problem)
    reason = _text(reason, field="reason", empty=_("Say why this test should not count."), limit=REASON_MAX_CHARS)
    extension = attachment_validate(attachment=attachment) if attachment else None

    with transaction.atomic():
        # Lock the test so two members filing at once get one appeal and one clear refusal.
        result = TestResult.objects.select_for_update().select_related("entry", "agency").get(pk=result.pk)
        if not result.entry.is_registered:
            raise AppealConflict(_("This entry no longer competes: its tests cannot be appealed."))
        if result.excluded:
            raise AppealConflict(_("This test is already excluded: it does not count in the scores."))
        if Appeal.objects.filter(result=result, status=Appeal.Status.OPEN).exists():
            raise AppealConflict(_("An appeal on this test is already open."))
        appeal = Appeal(result=result, entry=result.entry, filed_by=user, reason=reason)
        try:
            if attachment is not None:
                # A random name: the brand's file name may carry personal data and is never trusted.
                appeal.attachment.save(f"{uuid.uuid4().hex}{extension}", attachment, save=False)
            with transaction.atomic():
                appeal.save()
        except IntegrityError:
            _discard_file(appeal)
            raise AppealConflict(_("An appeal on this test is already open."))
        except BaseException:
            _discard_file(appeal)
            raise
        _notify_on_commit([appeal], "filed")
    logger.info("Appeal #%s filed on result %s by user %s", appeal.pk, result.pk, user.pk)
    return appeal


def _discard_file(appeal: Appeal) -> None:
    if appeal.attachment:
        appeal.attachment.delete(save=False)


# -- impact preview (reads only) ------------------------------------------------------------


def _figures(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {k: row.get(k) for k in ("rank", "overall", "moe", "complete", "laureate")}


def _stored_category(category: Category) -> dict | None:
    """The category as last computed and stored, in the rankings body's shape; None while stale."""
    ranking = CategoryRanking.objects.filter(category=category).first()
    if ranking is None or ranking.computed_at is None or ranking.stale:
        return None
    scores = EntryScore.objects.filter(category=category).select_related("entry__brand").order_by("rank", "entry_id")
    return {
        "slug": category.slug,
        "name": category.name,
        "contested": ranking.contested,
        "awarded": ranking.awarded,
        "entries": [
            {
                "entry": s.entry_id,
                "brand": {"slug": s.entry.brand.slug, "name": s.entry.brand.name},
                "rank": s.rank,
                "overall": s.overall,
                "moe": s.moe,
                "complete": s.complete,
                "laureate": s.laureate,
            }
            for s in scores
        ],
    }


def category_impact(*, category: Category, exclude_result_ids: Iterable[int]) -> dict:
    """A category's ranking before and after leaving out some tests, computed in memory (no write).

    "before" is the stored ranking when it is up to date (what organisers and brands see
    now); while a recompute is pending it is computed from the current data instead, so
    that the difference shown is due to the excluded tests alone.
    """
    exclude = sorted(
        TestResult.objects.filter(pk__in=list(exclude_result_ids), excluded=False).values_list("pk", flat=True)
    )
    stored = _stored_category(category)
    before = stored if stored is not None else preview_category(category=category)
    after = preview_category(category=category, exclude_result_ids=exclude) if exclude else before

    rows_before = {row["entry"]: row for row in before["entries"]}
    rows_after = {row["entry"]: row for row in after["entries"]}
    brands = {row["entry"]: row["brand"] for row in [*before["entries"], *after["entries"]]}

    def laureates(rows: dict) -> list[dict]:
        return [{"entry": e, "brand": brands[e]} for e, row in rows.items() if row.get("laureate")]

    def position(e: int) -> tuple:
        rank = (rows_after.get(e) or {}).get("rank")
        return (rank is None, rank or 0, brands[e]["slug"])

    laureates_before, laureates_after = laureates(rows_before), laureates(rows_after)
    return {
        "category": {"id": category.pk, "slug": category.slug, "name": category.name, "names": category.names},
        "excluded_results": exclude,
        "before_source": "stored" if stored is not None else "computed",
        "awarded_before": bool(before.get("awarded")),
        "awarded_after": bool(after.get("awarded")),
        "laureates_before": laureates_before,
        "laureates_after": laureates_after,
        "laureate_changes": {x["entry"] for x in laureates_before} != {x["entry"] for x in laureates_after},
        "entries": [
            {
                "entry": e,
                "brand": brands[e],
                "before": _figures(rows_before.get(e)),
                "after": _figures(rows_after.get(e)),
            }
            for e in sorted(brands, key=position)
        ],
    }


def appeal_preview(*, appeal: Appeal) -> dict:
    """What accepting this appeal would change: the entry's score and rank, the category's laureate.

    ``counted`` is false when the test no longer counts (already excluded): then nothing changes.
    """
    impact = category_impact(category=appeal.entry.category, exclude_result_ids=[appeal.result_id])
    rows = {row["entry"]: row for row in impact["entries"]}
    row = rows.get(appeal.entry_id) or {"before": None, "after": None}
    before, after = row["before"], row["after"]
    overall_before = before["overall"] if before else None
    overall_after = after["overall"] if after else None
    return {
        **impact,
        "appeal": appeal.pk,
        "result": appeal.result_id,
        "counted": bool(impact["excluded_results"]),
        "entry": {"id": appeal.entry_id, "before": before, "after": after},
        "score_change": (
            overall_after - overall_before if overall_before is not None and overall_after is not None else None
        ),
    }


def appeals_preview(*, appeals: Iterable[Appeal]) -> list[dict]:
    """The combined impact of accepting several appeals, one ``category_impact`` per category concerned."""
    by_category: dict[int, tuple[Category, list[int]]] = {}
    for appeal in appeals:
        category = appeal.entry.category
        by_category.setdefault(category.pk, (category, []))[1].append(appeal.result_id)
    impacts = [category_impact(category=c, exclude_result_ids=ids) for c, ids in by_category.values()]
    return sorted(impacts, key=lambda i: i["category"]["slug"])


# -- decisions ------------------------------------------------------------------------------------


def _require_organiser(user: AbstractBaseUser) -> None:
    if not is_organiser(user):
        raise AppealNotAllowed(_("Only organisers decide appeals."))


def _decide(appeal: Appeal, *, user: AbstractBaseUser, answer: str, status: str, now: dt.datetime) -> Appeal:
    """One decision inside the caller's transaction, which holds the edition's lock; the appeal row is locked next.

    Only the appeal row (``of=self``): its joined rows are read, not locked, so the lock order stays
    edition → appeal → test, the order of uploads and of the review service.
    """
    locked = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("entry__category__edition", "entry__brand", "result__agency")
        .get(pk=appeal.pk)
    )
    if locked.status != Appeal.Status.OPEN:
        raise AppealConflict(
            _("Appeal #%(id)s has already been decided (%(status)s).")
            % {"id": locked.pk, "status": locked.get_status_display()}
        )
    if status == Appeal.Status.ACCEPTED:
        if locked.entry.category.edition.frozen_at is not None:
            raise AppealWindowClosed(
                _("Appeal #%(id)s cannot be accepted: the results of its edition are frozen.") % {"id": locked.pk}
            )
        result = TestResult.objects.select_for_update().get(pk=locked.result_id)
        if not result.excluded:
            # The review service records the exclusion in the test's history and has the
            # category recomputed after commit; an appeal never edits a result itself.
            try:
                result_exclude(result=result, user=user, reason=f"Appeal #{locked.pk}: {answer}")
            except ReviewRefused as refused:
                raise AppealConflict(refused.message)
    locked.status = status
    locked.decided_at = now
    locked.decided_by = user
    locked.answer = answer
    locked.save(update_fields=["status", "decided_at", "decided_by", "answer"])
    return locked


def _lock_editions(appeals: list[Appeal]) -> None:
    """Lock the appeals' editions (id order), as uploads and publication do: an acceptance racing a
    publication waits for it, then ``_decide`` reads ``frozen_at`` afresh and refuses."""
    edition_ids = list(
        Appeal.objects.filter(pk__in=[a.pk for a in appeals])
        .values_list("entry__category__edition_id", flat=True)
        .distinct()
        .order_by()
    )
    list(Edition.objects.select_for_update().filter(pk__in=edition_ids).order_by("pk").values_list("pk"))


def _decide_all(appeals: Iterable[Appeal], *, user: AbstractBaseUser, answer: str, status: str) -> list[Appeal]:
    _require_organiser(user)
    answer = _text(answer, field="answer", empty=_("Write the answer the brand will read."), limit=ANSWER_MAX_CHARS)
    appeals = sorted(appeals, key=lambda a: a.pk)
    if not appeals:
        raise AppealInvalid(_("Select at least one appeal."))
    now = timezone.now()
    with transaction.atomic():
        _lock_editions(appeals)
        decided = [_decide(a, user=user, answer=answer, status=status, now=now) for a in appeals]
        _notify_on_commit(decided, "decided")
    logger.info("Appeals %s %s by user %s", [a.pk for a in decided], status, user.pk)
    return decided


def appeal_accept(*, appeal: Appeal, user: AbstractBaseUser, answer: str) -> Appeal:
    """Uphold the appeal: the test is excluded (reason "Appeal #id: answer") and its category recomputes."""
    return _decide_all([appeal], user=user, answer=answer, status=Appeal.Status.ACCEPTED)[0]


def appeal_reject(*, appeal: Appeal, user: AbstractBaseUser, answer: str) -> Appeal:
    """Dismiss the appeal with an answer; the test keeps counting and nothing else changes."""
    return _decide_all([appeal], user=user, answer=answer, status=Appeal.Status.REJECTED)[0]


def appeals_accept(*, appeals: Iterable[Appeal], user: AbstractBaseUser, answer: str) -> list[Appeal]:
    """Accept several appeals with one answer, all or nothing."""
    return _decide_all(appeals, user=user, answer=answer, status=Appeal.Status.ACCEPTED)


def appeals_reject(*, appeals: Iterable[Appeal], user: AbstractBaseUser, answer: str) -> list[Appeal]:
    """Reject several appeals with one answer, all or nothing."""
    return _decide_all(appeals, user=user, answer=answer, status=Appeal.Status.REJECTED)


# -- the agency's side ------------------------------------------------------------------------------


def appeal_agency_answer(*, appeal: Appeal, user: AbstractBaseUser, answer: str) -> Appeal:
    """The agency that performed the test gives its version; it may revise it until the decision."""
    agency_id = AgencyMembership.objects.filter(user=user).values_list("agency_id", flat=True).first()
    if agency_id is None or agency_id != appeal.result.agency_id:
        raise AppealNotAllowed(_("Only the agency that performed this test may answer this appeal."))
    answer = _text(answer, field="agency_answer", empty=_("Write the agency's answer."), limit=ANSWER_MAX_CHARS)
    with transaction.atomic():
        locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if locked.status != Appeal.Status.OPEN:
            raise AppealConflict(_("This appeal has been decided: the agency's answer can no longer change."))
        locked.agency_answer = answer
        locked.agency_answered_at = timezone.now()
        locked.agency_answered_by = user
        locked.save(update_fields=["agency_answer", "agency_answered_at", "agency_answered_by"])
    logger.info("Appeal #%s answered by agency %s (user %s)", locked.pk, agency_id, user.pk)
    return locked
