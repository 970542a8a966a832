"""The upload's writers (mystery_tests.writers): the ORM writer and PostgreSQL's COPY writer store the
same rows, history, fingerprints and receipts for the same uploads.

Runs on SQLite (the ORM writer, checked against what the uploads sent) and on PostgreSQL, where the
COPY writer — the one ``writer_for`` picks there — is compared with the ORM writer on the same data.
"""
# ruff: noqa: F811  (pytest fixtures imported from tests.support.world are redefined as test arguments)

import datetime as dt

import pytest
from django.db import connection

from mystery_tests import services
from mystery_tests.fields import CONTENT_ATTRIBUTES
from mystery_tests.models import ResultEvent, TestResult, UploadReceipt
from mystery_tests.writers import CopyResultWriter, OrmResultWriter, version_data, writer_for
from tests.support.world import result, world  # noqa: F401  (world is a fixture)

ROW_FIELDS = ("external_id", "campaign_id", *CONTENT_ATTRIBUTES, "score", "fingerprint", "version", "excluded")


def _batches(world) -> tuple[list[dict], list[dict]]:
    """A first batch, then one that replaces two results (one of them excluded meanwhile), repeats one
    and adds one."""
    banque1, banque2, assurance1 = (world.entries[k] for k in ("banque-1", "banque-2", "assurance-1"))
    first = [
        result(banque1, 1),
        result(
            banque2,
            2,
            channel="email",
            wait_seconds=None,
            response_hours=3.5,
            performed_at="2027-05-13T08:00:00.250000+02:00",
            scores={"greeting": 1, "answer_accuracy": None},
            comment='Réponse « exacte », avec "guillemets";\nsur deux lignes',
        ),
        result(banque1, 3, reached=False, scores={}, wait_seconds=None, comment=""),
        result(assurance1, 4, wait_seconds=0),
    ]
    second = [
        {**first[0], "comment": "Revu : conseillère aimable."},
        {**first[1], "entry": assurance1.pk, "performed_at": "2027-05-14T09:30:00+02:00"},
        first[2],
        {**first[3], "wait_seconds": 61.5},
        result(banque2, 5),
    ]
    return first, second


def _snapshot(world) -> dict:
    agency = world.agency_a
    rows = {row["external_id"]: row for row in TestResult.objects.filter(agency=agency).values(*ROW_FIELDS)}
    events = sorted(
        (event["result__external_id"], event["kind"], event["user_id"], event["data"], event["fingerprint"])
        for event in ResultEvent.objects.filter(result__agency=agency).values(
            "result__external_id", "kind", "user_id", "data", "fingerprint"
        )
    )
    receipts = list(UploadReceipt.objects.filter(campaign=world.campaign_a).order_by("id").values_list("count", "root"))
    return {"rows": rows, "events": [list(e) for e in events], "receipts": receipts}


def _run(world, writer, monkeypatch) -> tuple[dict, list[dict], dict]:
    """Upload both batches through ``writer``; the answers, the stored rows between them, and the snapshot."""
    monkeypatch.setattr(services, "writer_for", lambda: writer)
    first, second = _batches(world)
    answers = [services.results_upload(campaign=world.campaign_a, items=first, user=world.user_a)]
    # The organisers exclude one result; its replacement keeps the exclusion.
    TestResult.objects.filter(agency=world.agency_a, external_id=first[3]["external_id"]).update(
        excluded=True, exclusion_reason="Doublon"
    )
    before = list(TestResult.objects.filter(agency=world.agency_a).values())
    answers.append(services.results_upload(campaign=world.campaign_a, items=second, user=world.user_a))
    return {"answers": [{k: v for k, v in a.items() if k != "receipt"} for a in answers]}, before, _snapshot(world)


def _forget(world) -> None:
    ResultEvent.objects.filter(result__agency=world.agency_a).delete()
    TestResult.objects.filter(agency=world.agency_a).delete()
    UploadReceipt.objects.filter(campaign=world.campaign_a).delete()


def test_writer_for_picks_copy_on_postgresql_and_the_orm_elsewhere():
    assert isinstance(writer_for("postgresql"), CopyResultWriter)
    assert isinstance(writer_for("sqlite"), OrmResultWriter)


def test_orm_writer_stores_the_uploads_and_the_replaced_versions(world, monkeypatch):
    # Arrange
    first, second = _batches(world)

    # Act
    counts, before, snap = _run(world, OrmResultWriter(), monkeypatch)

    # Assert: counts, the stored content, the history holding each replaced version as it was stored
    assert counts["answers"] == [
        {"created": 4, "updated": 0, "unchanged": 0},
        {"created": 1, "updated": 3, "unchanged": 1},
    ]
    rows = snap["rows"]
    assert set(rows) == {item["external_id"] for item in second}
    assert rows[first[1]["external_id"]]["entry_id"] == world.entries["assurance-1"].pk
    assert rows[first[1]["external_id"]]["version"] == 2
    assert rows[first[3]["external_id"]]["wait_seconds"] == 61.5
    assert rows[first[3]["external_id"]]["excluded"] is True
    assert rows[first[2]["external_id"]]["version"] == 1
    replaced = [e for e in snap["events"] if e[1] == "replaced"]
    by_key = {row["external_id"]: row for row in before}
    assert sorted(e[0] for e in replaced) == sorted(item["external_id"] for item in (first[0], first[1], first[3]))
    for key, _kind, user_id, data, fingerprint in replaced:
        assert data == version_data(by_key[key])
        assert fingerprint == by_key[key]["fingerprint"]
        assert user_id == world.user_a.pk
    assert version_data(by_key[first[1]["external_id"]])["performed_at"] == "2027-05-13T06:00:00.250000+00:00"
    assert len([e for e in snap["events"] if e[1] == "created"]) == 5
    assert [count for count, _root in snap["receipts"]] == [4, 5]


def test_default_writer_stores_exactly_what_the_orm_writer_stores(world, monkeypatch):
    """On PostgreSQL the default writer is the COPY writer: same rows, history, fingerprints, receipts."""
    # Arrange: the ORM writer's result on the same uploads
    orm = _run(world, OrmResultWriter(), monkeypatch)
    _forget(world)

    # Act
    default = _run(world, writer_for(), monkeypatch)

    # Assert
    assert type(writer_for()) is (CopyResultWriter if connection.vendor == "postgresql" else OrmResultWriter)
    assert default[0] == orm[0]
    assert default[2]["rows"] == orm[2]["rows"]
    assert default[2]["events"] == orm[2]["events"]
    assert default[2]["receipts"] == orm[2]["receipts"]
    assert all(isinstance(row["performed_at"], dt.datetime) for row in default[2]["rows"].values())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY writer needs PostgreSQL")
def test_copy_writer_keeps_null_numbers_and_quoted_comments(world, monkeypatch):
    # Act
    _counts, _before, snap = _run(world, CopyResultWriter(), monkeypatch)

    # Assert
    first, _second = _batches(world)
    email = snap["rows"][first[1]["external_id"]]
    assert email["wait_seconds"] is None
    assert email["comment"] == first[1]["comment"]
    assert snap["rows"][first[2]["external_id"]]["comment"] == ""
