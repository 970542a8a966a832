# ruff: noqa: F811  (the iworld fixture is imported and then requested by name)
"""The quality review in the organiser console (issue 18): filters by score band and inconsistency, a
restore asks its reason like an exclusion, each change lands in the admin's history (LogEntry) and
the test's own, and a result reads in the reader's language (labels, not codes; §10 scores)."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from mystery_tests import review
from mystery_tests.models import Criterion, ResultEvent, TestResult
from mystery_tests.selectors import criterion_labels
from tests.support.world import iworld, iworld_admin, json_item, upload_results  # noqa: F401  (fixtures)

CHANGELIST = "/admin/mystery_tests/testresult/"


def _listed(client, **params) -> list[str]:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return sorted(r.external_id for r in response.context["cl"].result_list)


def _text(response) -> str:
    """The words a person reads on the page (no scripts, no tags)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_results_filter_by_score_band_keeps_only_that_band(iworld, iworld_admin):
    upload_results(
        iworld.campaign_a,
        json_item(1, scores={"greeting": 0, "courtesy": 0}),  # 0
        json_item(2, scores={"greeting": 2, "courtesy": 1}),  # 15
        json_item(3, scores={"greeting": 2, "courtesy": 2}),  # 20
    )

    assert _listed(iworld_admin, score_band="0-5") == ["J-00001"]
    assert _listed(iworld_admin, score_band="10-15") == []
    assert _listed(iworld_admin, score_band="15-20") == ["J-00002", "J-00003"]


def test_results_filter_unreached_with_wait_finds_only_those(iworld, iworld_admin):
    upload_results(
        iworld.campaign_a,
        json_item(1, reached=False, wait_seconds=240, scores={}),
        json_item(2, reached=False, scores={}),
        json_item(3, reached=True, wait_seconds=30),
    )

    assert _listed(iworld_admin, inconsistent="unreached-wait") == ["J-00001"]


def test_results_list_is_titled_by_its_plural_name(iworld, iworld_admin):
    french = iworld_admin.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="fr")
    english = iworld_admin.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")

    # Not « Sélectionnez l'objet résultat de test à afficher »
    assert "<h1>Résultats de test</h1>" in french.text and "Sélectionnez" not in french.text
    assert "<h1>Test results</h1>" in english.text


def test_restore_action_without_reason_shows_form_again_and_restores_nothing(iworld, iworld_admin):
    results = upload_results(iworld.campaign_a, json_item(1), json_item(2))
    review.results_exclude(result_ids=[r.pk for r in results], user=iworld.organiser, reason="Lot suspect")

    response = iworld_admin.post(
        CHANGELIST,
        {"action": "restore_results", ACTION_CHECKBOX_NAME: [r.pk for r in results], "index": 0, "apply": "1"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["reason"]
    assert TestResult.objects.filter(excluded=True).count() == 2


def test_bulk_exclude_then_restore_is_in_both_histories(iworld, iworld_admin):
    results = upload_results(iworld.campaign_a, json_item(1), json_item(2), json_item(3))
    ids = [r.pk for r in results[:2]]

    iworld_admin.post(
        CHANGELIST,
        {"action": "exclude_results", ACTION_CHECKBOX_NAME: ids, "index": 0, "apply": "1", "reason": "Hors scénario"},
    )
    iworld_admin.post(
        CHANGELIST,
        {"action": "restore_results", ACTION_CHECKBOX_NAME: ids, "index": 0, "apply": "1", "reason": "Vérifié"},
    )

    logged = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(TestResult)).order_by("id")
    assert [(int(e.object_id), e.action_flag, e.user_id) for e in logged] == [
        (pk, CHANGE, iworld.organiser.pk) for pk in ids + ids
    ]
    with translation.override("fr"):
        assert logged[0].get_change_message() == "Modifié : exclu et motif d'exclusion."
    events = ResultEvent.objects.filter(result_id__in=ids).exclude(kind=ResultEvent.Kind.CREATED)
    assert sorted((e.result_id, e.kind, e.reason, e.user_id) for e in events) == sorted(
        [(pk, "excluded", "Hors scénario", iworld.organiser.pk) for pk in ids]
        + [(pk, "restored", "Vérifié", iworld.organiser.pk) for pk in ids]
    )
    history = iworld_admin.get(f"/admin/mystery_tests/testresult/{ids[0]}/history/")
    assert history.status_code == 200 and len(history.context["action_list"]) == 2


def test_result_page_in_french_shows_labels_rounded_scores_and_no_codes(iworld, iworld_admin):
    (result,) = upload_results(
        iworld.campaign_a,
        json_item(1, wait_seconds=42.5, scores={"greeting": 2, "courtesy": 1, "answer_accuracy": 1}),
    )
    upload_results(iworld.campaign_a, json_item(1, wait_seconds=42.5, scores={"greeting": 2, "courtesy": 2}))
    review.result_exclude(result=result, user=iworld.organiser, reason="Doublon d'appel")

    text = _text(iworld_admin.get(f"{CHANGELIST}{result.pk}/change/", HTTP_ACCEPT_LANGUAGE="fr"))

    assert "Accueil" in text and "Courtoisie" in text  # criterion labels
    assert "Affichage du résultat de test" in text  # a title written whole, not « Affichage de résultat de test »
    assert "Note /20 : 20,00" in text  # §10: two decimals, French decimal comma
    assert "Temps d'attente (s) : 42,50" in text or "Temps d&#x27;attente (s) : 42,50" in text
    assert "Remplacé" in text and "Exactitude de la réponse" in text  # the replaced version, labelled
    for code in ("greeting", "courtesy", "answer_accuracy", "created", "excluded", "version:", "phone", "2027-05-12"):
        assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text), code
    assert not re.search(r"\b\d+\.\d+\b", text)  # no decimal point in a number


def test_result_page_in_english_has_no_french_words(iworld, iworld_admin, settings):
    settings.LANGUAGE_CODE = "fr"
    (result,) = upload_results(iworld.campaign_a, json_item(1, wait_seconds=42.5))

    text = _text(iworld_admin.get(f"{CHANGELIST}{result.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"))

    assert "Score /20: 15.00" in text
    assert "Waiting time (s): 42.50" in text
    assert "Greeting" in text and "Courtesy" in text  # criterion labels in English (Criterion.label_for)
    for word in ("Téléphone", "Créé", "Note", "Historique", "mai", "Remplacé", "Accueil", "Courtoisie"):
        assert not re.search(rf"\b{word}\b", text), word


@pytest.mark.parametrize(
    ("language", "shown", "hidden"), [("fr", "Accueil", "Greeting"), ("en", "Greeting", "Accueil")]
)
def test_grid_changelist_names_criteria_in_the_readers_language(iworld, iworld_admin, language, shown, hidden):
    text = _text(
        iworld_admin.get(
            "/admin/mystery_tests/criterion/", {"edition__id__exact": iworld.edition.pk}, HTTP_ACCEPT_LANGUAGE=language
        )
    )

    assert shown in text
    assert not re.search(rf"\b{hidden}\b", text)


def test_criterion_labels_fall_back_to_the_editions_language(iworld):
    Criterion.objects.filter(edition=iworld.edition, channel="phone", code="courtesy").update(labels={})

    english = criterion_labels(iworld.edition.pk, "phone", "en")

    assert english["greeting"] == "Greeting"
    assert english["courtesy"] == "Courtoisie"  # no English label: the edition's own
    assert criterion_labels(iworld.edition.pk, "phone", "fr")["greeting"] == "Accueil"
