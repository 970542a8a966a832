"""An appeal's status reads in the gender of « recours » in French (Ouvert), campaigns keep « Ouverte »."""

from django.utils import translation

from palmares.appeals.services import appeal_file
from palmares.models import Appeal
from tests.conftest import session_client


def _open_appeal(world) -> Appeal:
    return appeal_file(result=world.appealed, user=world.member_a, reason="Outside opening hours.")


def test_french_appeal_status_is_masculine_and_english_unchanged():
    with translation.override("fr"):
        labels = [str(label) for _value, label in Appeal.Status.choices]
    with translation.override("en"):
        english = [str(label) for _value, label in Appeal.Status.choices]

    assert (labels, english) == (["Ouvert", "Accepté", "Rejeté"], ["Open", "Accepted", "Rejected"])


def test_french_admin_list_and_change_page_say_ouvert(world, organiser):
    appeal = _open_appeal(world)
    client = session_client(organiser, language="fr")

    listing = client.get("/admin/palmares/appeal/").content.decode()
    change = client.get(f"/admin/palmares/appeal/{appeal.pk}/change/").content.decode()

    assert ('appeal-status-open">Ouvert<' in listing, "Ouverte" in listing) == (True, False)
    assert (">Ouvert<" in change, "Ouverte" in change) == (True, False)


def test_french_brand_appeals_page_says_ouvert(world):
    _open_appeal(world)

    page = session_client(world.member_a, language="fr").get("/portal/appeals/").content.decode()

    assert ('appeal-status-open">Ouvert<' in page, "Ouverte" in page) == (True, False)
