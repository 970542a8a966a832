"""``manage.py load_edition``: happy path, idempotency, all-or-nothing errors (API.md "Command line")."""

import copy
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from election.models import Brand, Category, Edition, Entry
from mystery_tests.grid import DEFAULT_GRID
from mystery_tests.loading import EditionFileInvalid, load_edition
from mystery_tests.models import Agency, Campaign, Criterion
from tests.support import factories

pytestmark = pytest.mark.django_db

DOC = {
    "country": "FR",
    "year": 2027,
    "name": "Élu Service Client de l'Année 2027",
    "time_zone": "Europe/Paris",
    "settings": {
        "threshold": 12.5,
        "min_entrants": 3,
        "completion": 0.9,
        "quota": {"phone": 100, "chat": 0},
        "weight": {"email": 60},
    },
    "grid": {"phone": [{"code": "greeting", "label": "Accueil", "weight": 1}, {"code": "courtesy", "weight": 2}]},
    "categories": [
        {"slug": "banque-en-ligne", "name": "Banque en ligne"},
        {"slug": "assurance-auto", "name": "Assurance auto"},
    ],
    "brands": [{"slug": "banque-azur", "name": "Banque Azur"}, {"slug": "assur-plus", "name": "Assur Plus"}],
    "entries": [
        {"brand": "banque-azur", "category": "banque-en-ligne"},
        {"brand": "assur-plus", "category": "assurance-auto", "status": "withdrawn"},
    ],
    "agencies": [{"slug": "terrain-sa", "name": "Terrain SA"}, {"slug": "oeil-client", "name": "Œil Client"}],
    "campaigns": [
        {"agency": "terrain-sa", "starts_on": "2027-05-02", "ends_on": "2027-07-31", "categories": ["banque-en-ligne"]},
        {"agency": "oeil-client", "starts_on": "2027-05-02", "ends_on": "2027-07-31"},
    ],
}


def write(tmp_path, doc, name="edition.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
    return str(path)


def run(path) -> dict:
    out = StringIO()
    with translation.override("en"):
        call_command("load_edition", path, stdout=out)
    return json.loads(out.getvalue())


def database_state() -> dict:
    """Everything load_edition may write, to compare before and after a run."""
    return {
        "editions": list(Edition.objects.order_by("id").values()),
        "categories": list(Category.objects.order_by("id").values()),
        "brands": list(Brand.objects.order_by("id").values()),
        "entries": list(Entry.objects.order_by("id").values()),
        "agencies": list(Agency.objects.order_by("id").values()),
        "campaigns": list(Campaign.objects.order_by("id").values()),
        "campaign_categories": list(Campaign.categories.through.objects.order_by("id").values()),
        "criteria": list(Criterion.objects.order_by("id").values()),
    }


def test_load_edition_file_creates_everything(tmp_path):
    # Arrange
    path = write(tmp_path, DOC)

    # Act
    result = run(path)

    # Assert
    edition = Edition.objects.get()
    campaigns = {c.agency.slug: c for c in Campaign.objects.select_related("agency")}
    assert result == {"edition": edition.pk, "campaigns": {s: campaigns[s].pk for s in ("terrain-sa", "oeil-client")}}
    assert (edition.country, edition.year, edition.time_zone) == ("FR", 2027, "Europe/Paris")
    assert (edition.threshold, edition.min_entrants, edition.completion) == (Decimal("12.5"), 3, Decimal("0.9"))
    assert edition.quota == {"phone": 100, "email": 50, "web": 15, "chat": 0, "social": 10}
    assert edition.weight == {"phone": 100, "email": 60, "web": 15, "chat": 0, "social": 10}
    assert sorted(edition.categories.values_list("slug", flat=True)) == ["assurance-auto", "banque-en-ligne"]
    assert dict(Entry.objects.values_list("brand__slug", "status")) == {
        "banque-azur": "registered",
        "assur-plus": "withdrawn",
    }
    assert list(campaigns["terrain-sa"].categories.values_list("slug", flat=True)) == ["banque-en-ligne"]
    assert sorted(campaigns["oeil-client"].categories.values_list("slug", flat=True)) == [
        "assurance-auto",
        "banque-en-ligne",
    ]


def test_load_edition_grid_replaces_named_channels_only(tmp_path):
    # Arrange
    path = write(tmp_path, DOC)

    # Act
    run(path)

    # Assert
    edition = Edition.objects.get()
    phone = list(Criterion.objects.filter(edition=edition, channel="phone").values_list("code", "label", "weight"))
    assert phone == [("greeting", "Accueil", 1), ("courtesy", "Courtoisie", 2)]
    email = list(Criterion.objects.filter(edition=edition, channel="email").values_list("code", "weight"))
    assert email == [(code, weight) for code, weight, _fr, _en in DEFAULT_GRID["email"]]


def test_load_edition_second_run_changes_nothing_and_prints_same_ids(tmp_path):
    # Arrange
    path = write(tmp_path, DOC)
    first = run(path)
    before = database_state()

    # Act
    second = run(path)

    # Assert
    assert second == first
    assert database_state() == before


def test_load_edition_update_changes_names_settings_and_status(tmp_path):
    # Arrange
    run(write(tmp_path, DOC))
    doc = copy.deepcopy(DOC)
    doc["settings"] = {"threshold": 11.5}
    doc["brands"][0]["name"] = "Banque Azur & Cie"
    doc["entries"][1]["status"] = "registered"

    # Act
    run(write(tmp_path, doc, "v2.json"))

    # Assert
    edition = Edition.objects.get()
    assert edition.threshold == Decimal("11.5")
    assert edition.quota["phone"] == 100  # keys absent from the file keep their value
    assert Brand.objects.get(slug="banque-azur").name == "Banque Azur & Cie"
    assert Entry.objects.get(brand__slug="assur-plus").status == "registered"


def test_load_edition_minimal_file_uses_defaults(tmp_path):
    # Arrange
    doc = {"country": "fr", "year": 2028, "name": "Édition 2028"}

    # Act
    result = run(write(tmp_path, doc))

    # Assert
    edition = Edition.objects.get(pk=result["edition"])
    assert (edition.country, edition.time_zone, edition.threshold) == ("FR", "Europe/Paris", Decimal("12.00"))
    assert edition.quota == {"phone": 140, "email": 50, "web": 15, "chat": 10, "social": 10}
    assert Criterion.objects.filter(edition=edition).count() == sum(len(rows) for rows in DEFAULT_GRID.values())
    assert result["campaigns"] == {}


def test_load_edition_entry_may_name_an_existing_brand(tmp_path):
    # Arrange
    factories.BrandFactory(slug="marque-existante", name="Marque existante")
    doc = {
        "country": "FR",
        "year": 2029,
        "name": "2029",
        "categories": [{"slug": "energie", "name": "Fournisseur d'énergie"}],
        "entries": [{"brand": "marque-existante", "category": "energie"}],
    }

    # Act
    run(write(tmp_path, doc))

    # Assert
    assert list(Entry.objects.values_list("brand__name", flat=True)) == ["Marque existante"]


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        (
            lambda d: d["entries"].append({"brand": "inconnue", "category": "banque-en-ligne"}),
            "entries[2].brand",
            "inconnue",
        ),
        (
            lambda d: d["entries"].append({"brand": "banque-azur", "category": "nulle-part"}),
            "entries[2].category",
            "nulle-part",
        ),
        (
            lambda d: d["categories"].append({"slug": "banque-en-ligne", "name": "Doublon"}),
            "categories[2].slug",
            "banque-en-ligne",
        ),
        (lambda d: d["brands"].append({"slug": "banque-azur", "name": "Doublon"}), "brands[2].slug", "banque-azur"),
        (
            lambda d: d["entries"].append({"brand": "banque-azur", "category": "banque-en-ligne"}),
            "entries[2]",
            "banque-azur",
        ),
        (lambda d: d["settings"].update(threshold=25), "settings.threshold", "20"),
        (lambda d: d["settings"].update(completion=0), "settings.completion", ""),
        (lambda d: d["settings"].update(min_entrants="trois"), "settings.min_entrants", ""),
        (lambda d: d["settings"]["quota"].update(fax=3), "settings.quota.fax", "phone"),
        (lambda d: d["settings"]["weight"].update(phone=0), "settings.weight.phone", ""),
        (lambda d: d.update(time_zone="Europe/Lutece"), "time_zone", "Europe/Lutece"),
        (lambda d: d["entries"][0].update(status="exclue"), "entries[0].status", "exclue"),
        (lambda d: d["campaigns"][0].update(ends_on="2027-04-01"), "campaigns[0].ends_on", ""),
        (lambda d: d["campaigns"][0].update(starts_on="02/05/2027"), "campaigns[0].starts_on", "YYYY-MM-DD"),
        (lambda d: d["campaigns"][0].update(agency="personne"), "campaigns[0].agency", "personne"),
        (lambda d: d["grid"]["phone"].append({"code": "greeting", "weight": 1}), "grid.phone[2].code", "greeting"),
        (lambda d: d.update(categorie=[]), "categorie", "categories"),
    ],
)
def test_load_edition_bad_file_changes_nothing_and_names_the_problem(tmp_path, change, path, fragment):
    # Arrange
    run(write(tmp_path, DOC))
    before = database_state()
    doc = copy.deepcopy(DOC)
    doc["year"] = 2027
    change(doc)

    # Act
    with pytest.raises(CommandError) as raised:
        run(write(tmp_path, doc, "bad.json"))

    # Assert
    message = str(raised.value)
    assert f"  {path}: " in message
    assert fragment in message
    assert database_state() == before


def test_load_edition_bad_new_edition_creates_nothing(tmp_path):
    # Arrange
    doc = copy.deepcopy(DOC)
    doc["entries"].append({"brand": "inconnue", "category": "banque-en-ligne"})

    # Act
    with pytest.raises(EditionFileInvalid) as raised:
        load_edition(data=doc)

    # Assert
    assert [e["path"] for e in raised.value.errors] == ["entries[2].brand"]
    assert "inconnue" in raised.value.errors[0]["message"]
    assert database_state() == {k: [] for k in database_state()}


def test_load_edition_reports_every_problem_not_only_the_first(tmp_path):
    # Arrange
    doc = copy.deepcopy(DOC)
    doc["entries"] = [{"brand": "x1", "category": "banque-en-ligne"}, {"brand": "x2", "category": "banque-en-ligne"}]
    doc["settings"]["threshold"] = -1

    # Act
    with pytest.raises(EditionFileInvalid) as raised:
        load_edition(data=doc)

    # Assert
    assert [e["path"] for e in raised.value.errors] == ["settings.threshold", "entries[0].brand", "entries[1].brand"]


def test_load_edition_malformed_json_names_line_and_column(tmp_path):
    # Arrange
    path = write(tmp_path, '{"country": "FR",\n  "year": 2027,,\n}')

    # Act
    with pytest.raises(CommandError) as raised:
        run(path)

    # Assert
    assert "line 2, column 16" in str(raised.value)
    assert Edition.objects.count() == 0


def test_load_edition_missing_file_is_a_clear_error(tmp_path):
    # Act
    with pytest.raises(CommandError) as raised:
        run(str(tmp_path / "absent.json"))

    # Assert
    assert "absent.json" in str(raised.value)


def test_load_edition_not_an_object_is_refused(tmp_path):
    # Act
    with pytest.raises(CommandError) as raised:
        run(write(tmp_path, "[1, 2]"))

    # Assert
    assert "(file): Expected an object." in str(raised.value)


def test_load_edition_frozen_edition_refuses_settings_grid_and_entry_changes(tmp_path):
    # Arrange
    run(write(tmp_path, DOC))
    Edition.objects.update(frozen_at=timezone.now())
    before = database_state()
    doc = copy.deepcopy(DOC)
    doc["settings"]["threshold"] = 13
    doc["grid"]["phone"][0]["weight"] = 3
    doc["entries"][1]["status"] = "registered"

    # Act
    with pytest.raises(EditionFileInvalid) as raised:
        load_edition(data=doc)

    # Assert
    assert [e["path"] for e in raised.value.errors] == ["settings.threshold", "grid.phone", "entries[1]"]
    assert database_state() == before


def test_load_edition_frozen_edition_same_file_is_accepted_unchanged(tmp_path):
    # Arrange
    first = run(write(tmp_path, DOC))
    Edition.objects.update(frozen_at=timezone.now())
    before = database_state()

    # Act
    second = run(write(tmp_path, DOC))

    # Assert
    assert second == first
    assert database_state() == before


def test_load_edition_errors_speak_french(tmp_path):
    # Arrange
    doc = copy.deepcopy(DOC)
    doc["entries"].append({"brand": "inconnue", "category": "banque-en-ligne"})

    # Act
    with translation.override("fr"), pytest.raises(EditionFileInvalid) as raised:
        load_edition(data=doc)

    # Assert
    assert raised.value.errors[0]["message"] == (
        "Marque « inconnue » inconnue : elle n'est ni dans « brands » ni déjà enregistrée."
    )


def test_load_edition_missing_required_keys_are_each_named_once(tmp_path):
    # Act
    with pytest.raises(EditionFileInvalid) as raised:
        load_edition(data={"country": "FR", "year": 2031})

    # Assert
    assert [e["path"] for e in raised.value.errors] == ["name"]
    assert Edition.objects.count() == 0
