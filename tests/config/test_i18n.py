"""French and English ship: every catalogue complete and compiled, key pages in both languages.

The catalogues are read with polib (no gettext tool needed); the check that the
catalogues hold every string of the code runs Django's makemessages on a copy of the sources.
"""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

from tests.support import factories
from tests.support.world import small_world

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", ".git", "media", "staticfiles", "artifacts", "node_modules", "bench"}
# makemessages as README "Translations" runs it (svg: the scorecard's charts are templates).
MAKEMESSAGES = ["makemessages", "-l", "fr", "--no-obsolete", "-e", "html,txt,py,svg"]
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%%|\{[A-Za-z_]?\w*\}")


def catalogues() -> list[Path]:
    return sorted(
        po for po in ROOT.glob("**/locale/*/LC_MESSAGES/django.po") if not SKIP_DIRS & set(po.relative_to(ROOT).parts)
    )


def read_po(path: Path) -> list[dict]:
    """The catalogue's entries (polib): msgctxt, msgid, msgid_plural, msgstr by plural index, flags, obsolete."""
    return [
        {
            "msgctxt": e.msgctxt,
            "msgid": e.msgid,
            "msgid_plural": e.msgid_plural or None,
            "msgstr": dict(e.msgstr_plural) if e.msgid_plural else {0: e.msgstr},
            "flags": set(e.flags),
            "obsolete": bool(e.obsolete),
        }
        for e in polib.pofile(str(path))
    ]


def live(path: Path) -> list[dict]:
    return [e for e in read_po(path) if e["msgid"] and not e["obsolete"]]


def label(path: Path) -> str:
    return str(path.relative_to(ROOT))


# -- the catalogues --------------------------------------------------------------------------------


def test_catalogues_cover_project_and_apps():
    found = {label(p) for p in catalogues()}

    assert found == {
        "locale/fr/LC_MESSAGES/django.po",
        "mystery_tests/locale/fr/LC_MESSAGES/django.po",
        "palmares/locale/fr/LC_MESSAGES/django.po",
        "scoring/locale/fr/LC_MESSAGES/django.po",
    }


@pytest.mark.parametrize("po", catalogues(), ids=label)
def test_catalogue_every_entry_translated_and_not_fuzzy(po):
    problems = [
        ("fuzzy" if "fuzzy" in e["flags"] else "untranslated", e["msgid"])
        for e in live(po)
        if "fuzzy" in e["flags"] or not e["msgstr"] or not all(e["msgstr"].values())
    ]

    assert problems == []


@pytest.mark.parametrize("po", catalogues(), ids=label)
def test_catalogue_translations_keep_placeholders(po):
    problems = []
    for e in live(po):
        sources = [e["msgid"]] + ([e["msgid_plural"]] if e["msgid_plural"] else [])
        expected = {p for s in sources for p in PLACEHOLDER.findall(s)}
        for text in e["msgstr"].values():
            # A singular French form may leave the count implicit ("un test"), never add a name.
            found = set(PLACEHOLDER.findall(text))
            if not found <= expected or (not e["msgid_plural"] and found != expected):
                problems.append((e["msgid"], text))

    assert problems == []


@pytest.mark.parametrize("po", catalogues(), ids=label)
def test_catalogue_compiled_mo_is_up_to_date(po):
    with po.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for e in live(po):
        key = f"{e['msgctxt']}\x04{e['msgid']}" if e["msgctxt"] else e["msgid"]
        if e["msgid_plural"]:
            got = [compiled.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
            want = [e["msgstr"][0], e["msgstr"][1]]
        else:
            got, want = [compiled.gettext(key)], [e["msgstr"][0]]
        if got != want:
            stale.append(e["msgid"])

    assert stale == []


@pytest.mark.slow
def test_catalogues_hold_every_string_of_the_code(tmp_path):
    """makemessages on a copy of the sources finds no msgid the catalogues lack."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*SKIP_DIRS, "*.sqlite3", "__pycache__", ".*cache"))
    for stale in copy.glob("**/locale/*/LC_MESSAGES/django.*"):
        stale.unlink()  # regenerated from the code alone
    subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES, "-i", "tests"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    missing = {}
    for po in catalogues():
        regenerated = copy / po.relative_to(ROOT)
        have = {(e["msgctxt"], e["msgid"]) for e in live(po)}
        need = {(e["msgctxt"], e["msgid"]) for e in live(regenerated)}
        assert need, label(po)
        if need - have:
            missing[label(po)] = sorted(msgid for _ctx, msgid in need - have)

    assert missing == {}


# -- pages in both languages -----------------------------------------------------------------------


def get(path: str, *, language: str, user=None) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


PAGES = {
    # page: (French text, English text)
    "login": ("/accounts/login/", "Mot de passe oublié ?", "Forgotten your password?"),
    "palmares": (
        "/palmares/",
        "Les marques qui servent le mieux leurs clients",
        "The brands that serve their customers best",
    ),
    "verify": ("/verify/", "Vérifier un certificat", "Verify a certificate"),
    "password reset": ("/accounts/password_reset/", "Réinitialiser votre mot de passe", "Reset your password"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_public_page_renders_in_french_and_english(name):
    path, french, english = PAGES[name]

    fr, en = get(path, language="fr"), get(path, language="en")

    assert (french in fr, english in fr) == (True, False)
    assert (english in en, french in en) == (True, False)
    assert '<html lang="fr">' in fr
    assert '<html lang="en">' in en


@pytest.mark.django_db
def test_portal_scorecard_renders_in_french_and_english():
    world = small_world()
    path = f"/portal/scorecards/{world.a.pk}/"

    fr = get(path, language="fr", user=world.member_a)
    en = get(path, language="en", user=world.member_a)

    for french, english in [
        ("Fiche de résultats confidentielle", "Confidential scorecard"),
        ("Notes par canal", "Scores by channel"),
        ("Points retirés de la note globale, par critère", "Points removed from the overall score, by criterion"),
        ("Les tests derrière les chiffres", "The tests behind the figures"),
    ]:
        assert (french in fr, english in fr) == (True, False), french
        assert (english in en, french in en) == (True, False), english


@pytest.mark.django_db
def test_admin_index_renders_in_french_and_english():
    organiser = factories.UserFactory(is_staff=True, is_superuser=True)

    fr = get("/admin/", language="fr", user=organiser)
    en = get("/admin/", language="en", user=organiser)

    assert "Administration du concours" in fr
    assert "Competition administration" in en
    assert "Résultats de test" in fr
    assert "Test results" in en


@pytest.mark.django_db
def test_language_cookie_overrides_browser_language():
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    body = client.get("/accounts/login/").content.decode()

    assert "Forgotten your password?" in body


@pytest.mark.django_db
def test_language_switch_sets_english_then_french():
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")

    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    english = client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    french = client.get("/accounts/login/").content.decode()

    assert "Forgotten your password?" in english
    assert "Mot de passe oublié ?" in french


@pytest.mark.django_db
def test_default_language_is_french_without_preference():
    body = Client().get("/accounts/login/").content.decode()

    assert "Mot de passe oublié ?" in body
