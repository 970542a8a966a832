"""METHODOLOGY §11 and issue 15 where people read them: the rankings API, the organisers' admin,
the palmarès API and public pages (laureates only, transparency counts, why a category was not
awarded), and the one display of probabilities and robustness."""

import io
import math

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from common.display import format_percent, format_robustness
from mystery_tests.models import TestResult
from mystery_tests.review import result_exclude
from palmares.models import Appeal
from palmares.portal.scorecard import scorecard_for
from palmares.publication import services
from tests.support import factories
from tests.support.palmares import add_results, build_world, displayed, recompute
from tests.support.world import small_world

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def _main(response) -> str:
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


def _exclude_two(world, organiser):
    """Two extra tests of banque-1, one excluded by quality review, one by an upheld appeal."""
    runner_up = world.entries["banque"][1]
    add_results(world, runner_up, 3.0, phone=2, email=0)
    review, appealed = TestResult.objects.filter(entry=runner_up, score=3.0).order_by("id")
    result_exclude(result=review, user=organiser, reason="Shopper did not follow the scenario")
    Appeal.objects.create(
        result=appealed, entry=runner_up, filed_by=factories.UserFactory(), reason="Wrong number", status="accepted"
    )
    result_exclude(result=appealed, user=organiser, reason=f"Appeal #{appealed.pk}: upheld")


# -- display ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.995, f">{NBSP}99{NBSP}%"),
        (1.0, f">{NBSP}99{NBSP}%"),
        (0.9949, f"99{NBSP}%"),
        (0.965, f"97{NBSP}%"),
        (0.5, f"50{NBSP}%"),
        (0.005, f"1{NBSP}%"),
        (0.00499, f"<{NBSP}1{NBSP}%"),
        (0.0, f"<{NBSP}1{NBSP}%"),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_display_percent_whole_with_extremes(value, shown):
    assert format_percent(value) == shown


def test_display_robustness_in_plain_words():
    with translation.override("en"):
        assert format_robustness(1.0) == "holds whatever the weights"
        assert format_robustness(0.35) == f"holds for any weight change up to ±35{NBSP}%"
        assert format_robustness(0.0) == "holds only with the edition's weights"
        assert format_robustness(None) == ""
    with translation.override("fr"):
        assert format_robustness(0.35) == f"tient pour toute variation des poids jusqu'à ±35{NBSP}%"


# -- organisers ---------------------------------------------------------------------------------


def test_rankings_api_carries_p_threshold_p_best_and_robustness(world, organiser_api):
    # Act
    body = organiser_api.get(f"/api/v1/editions/{world.edition.pk}/rankings/").json()

    # Assert
    categories = {c["slug"]: c for c in body["categories"]}
    banque = categories["banque"]
    assert banque["robustness"] == 1.0
    laureate, second, third, last = banque["entries"]
    assert laureate["p_best"] == pytest.approx(1, abs=1e-4)
    assert second["p_best"] == pytest.approx(0, abs=1e-4)
    assert laureate["p_threshold"] == pytest.approx(1, abs=1e-9)
    assert last["p_threshold"] == pytest.approx(0, abs=1e-9)  # 9.8125, σ at its 0.01 floor
    assert categories["energie"]["robustness"] is None
    assert [e["p_best"] for e in categories["energie"]["entries"]] == [None, None]  # not contested
    assert categories["energie"]["entries"][0]["p_threshold"] == pytest.approx(1)


def test_rankings_api_schema_documents_the_statistics(organiser_api):
    schema = organiser_api.get("/api/v1/schema/?format=json").json()["components"]["schemas"]

    assert {"p_threshold", "p_best"} <= set(schema["_Entry"]["properties"])
    assert "robustness" in schema["_Category"]["properties"]
    category = schema["PalmaresCategory"]["properties"]
    assert {"robustness", "outcome", "transparency"} <= set(category)
    assert {"moe", "p_best"} <= set(schema["PalmaresLaureate"]["properties"])


def test_admin_category_ranking_shows_every_entry_statistics(client, organiser, world):
    client.force_login(organiser)

    url = reverse("admin:scoring_category_ranking", args=[world.categories["banque"].pk])

    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "P(threshold)" in html and "P(best)" in html
    assert html.count(f"&gt;{NBSP}99{NBSP}%") >= 2  # the laureate's P(best), P(threshold) of the top two
    assert f"&lt;{NBSP}1{NBSP}%" in html  # the last one's P(threshold) (9.81 against 12)
    assert "holds whatever the weights" in html


def test_admin_overview_and_what_if_show_p_best_and_robustness(client, organiser, world):
    client.force_login(organiser)
    edition = world.edition
    params = {"threshold": "12", "completion": "1", "min_entrants": "3", "weight_phone": "1", "weight_email": "10"}

    overview = client.get(reverse("admin:scoring_edition_overview", args=[edition.pk]), HTTP_ACCEPT_LANGUAGE="en")
    what_if = client.get(reverse("admin:scoring_what_if", args=[edition.pk]), params, HTTP_ACCEPT_LANGUAGE="en")

    assert "holds whatever the weights" in overview.content.decode()
    rows = {r["category"]["slug"]: r for r in what_if.context["rows"]}
    assert rows["banque"]["p_best_now"] == [f">{NBSP}99{NBSP}%"]
    assert rows["banque"]["what_if"]["robustness"] == 1.0
    assert "holds whatever the weights → holds whatever the weights" in what_if.content.decode()


# -- the public -------------------------------------------------------------------------------


def test_palmares_api_transparency_counts_exclusions_by_origin(world, organiser):
    # Arrange
    _exclude_two(world, organiser)
    recompute(world)
    services.edition_publish(edition=world.edition)

    # Act
    body = Client().get(f"/api/v1/editions/{world.edition.pk}/palmares/").json()

    # Assert
    categories = {c["slug"]: c for c in body["categories"]}
    assert categories["banque"]["transparency"] == {
        "entries": 4,
        "scored_entries": 4,
        "complete_entries": 4,
        "min_entrants": 3,
        "counted_tests": {"phone": 8, "email": 4},
        "excluded_tests": {"quality_review": 1, "appeal": 1},
    }
    assert categories["banque"]["outcome"] == "awarded"
    assert categories["assurance"]["outcome"] == "below_threshold"
    assert categories["energie"]["outcome"] == "not_contested"
    assert categories["energie"]["transparency"]["excluded_tests"] == {"quality_review": 0, "appeal": 0}


def test_category_page_explains_why_not_awarded_in_french(world):
    services.edition_publish(edition=world.edition)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")

    energie = _main(client.get("/palmares/fr/2031/energie/"))
    assurance = _main(client.get("/palmares/fr/2031/assurance/"))

    assert "Non disputée : 2 candidatures complètes, 3 requises." in energie.replace(NBSP, " ")
    assert "Aucune candidature complète n'a atteint 12,00/20." in assurance.replace(NBSP, " ").replace("&#x27;", "'")


def test_category_page_shows_laureate_statistics_and_transparency(world, organiser):
    # Arrange
    _exclude_two(world, organiser)
    recompute(world)
    services.edition_publish(edition=world.edition)

    # Act
    fr = _main(Client(HTTP_ACCEPT_LANGUAGE="fr").get("/palmares/fr/2031/banque/")).replace(NBSP, " ")
    en = _main(Client(HTTP_ACCEPT_LANGUAGE="en").get("/palmares/fr/2031/banque/")).replace(NBSP, " ")

    # Assert
    assert "Probabilité que le lauréat ait réellement la meilleure note : &gt; 99 %" in fr
    assert "Probability that the laureate truly has the best score: &gt; 99 %" in en
    assert "Weight robustness: the title holds whatever the weights." in en
    assert "Margin of error: ± 0.00 point" in en
    assert "Tests excluded by quality review</dt><dd>1</dd>" in en
    assert "Tests excluded by upheld appeals</dt><dd>1</dd>" in en
    assert "Complete entries</dt><dd>4 <small>(at least 3 required)</small>" in en


def test_edition_page_summarises_each_outcome(world):
    services.edition_publish(edition=world.edition)

    html = _main(Client(HTTP_ACCEPT_LANGUAGE="en").get("/palmares/fr/2031/")).replace(NBSP, " ")

    assert "Not contested: 2 complete entries, 3 required." in html
    assert "No complete entry reached 12.00/20." in html


def test_methodology_page_explains_each_figure(world):
    services.edition_publish(edition=world.edition)

    en = _main(Client(HTTP_ACCEPT_LANGUAGE="en").get("/palmares/fr/2031/methodology/"))
    fr = _main(Client(HTTP_ACCEPT_LANGUAGE="fr").get("/palmares/fr/2031/methodology/"))

    assert "Probability of having the best score" in en and "Weight robustness" in en
    assert "Probabilité d'avoir la meilleure note" in fr.replace("&#x27;", "'")
    assert "Robustesse aux poids" in fr


def test_public_never_shows_a_non_laureate_statistic_one_hundredth_behind():
    # Arrange: the runner-up 0.01 behind, every σ at its floor: P(best) about 76 % / 24 %
    world = build_world(scores={"banque": [14.0, 13.99, 10.0]})
    recompute(world)
    services.edition_publish(edition=world.edition)
    runner_up = world.entries["banque"][1].computed
    laureate = world.entries["banque"][0].computed
    assert 0.2 < runner_up.p_best < 0.3
    pages = [("fr", "/palmares/fr/2031/banque/"), ("en", "/palmares/fr/2031/banque/"), ("en", "/palmares/fr/2031/")]
    pages.append(("en", f"/api/v1/editions/{world.edition.pk}/palmares/"))

    # Act
    bodies = [Client(HTTP_ACCEPT_LANGUAGE=lang).get(url).content.decode().replace(NBSP, " ") for lang, url in pages]

    # Assert
    runner_texts = [*displayed(13.99), repr(runner_up.p_best), format_percent(runner_up.p_best).replace(NBSP, " ")]
    assert [t for t in runner_texts for b in bodies if t in b] == []
    assert all("Banque 1" not in b for b in bodies)
    assert format_percent(laureate.p_best).replace(NBSP, " ") in bodies[1]
    api = Client().get(pages[-1][1]).json()
    (banque,) = api["categories"]
    assert [set(lau) for lau in banque["laureates"]] == [{"brand", "overall", "moe", "p_best"}]
    assert banque["laureates"][0]["p_best"] == pytest.approx(laureate.p_best)


# -- brands -------------------------------------------------------------------------------------


def _portal(user, path) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_scorecard_shows_own_p_threshold_only_page_and_pdf():
    # Arrange: A at 12.50 ± 7.54 (σ = 7.54 / 1.96), threshold 12 (tests/support/world.py)
    world = small_world()
    sigma = 1.96 * math.sqrt((2 / 3) ** 2 * 100 / 3) / 1.96
    expected = 0.5 * math.erfc(-(0.5 / sigma) / math.sqrt(2))  # ≈ 0.5517

    # Act
    card = scorecard_for(entry=world.a)
    page = _portal(world.member_a, f"/portal/scorecards/{world.a.pk}/").replace(NBSP, " ")
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(world.member_a)
    pdf = b"".join(client.get(f"/portal/scorecards/{world.a.pk}/report.pdf").streaming_content)
    pdf_text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())

    # Assert
    assert card["p_threshold"] == pytest.approx(expected, abs=1e-6)
    assert "Probabilité que votre note réelle atteigne 12,00/20 : 55 %" in page
    assert "Probabilité que votre note réelle atteigne 12,00/20 : 55 %" in pdf_text.replace(NBSP, " ")
    assert page.count('data-testid="p-threshold"') == 1
