# ruff: noqa: F811  (fixtures are imported and then requested by name)
"""The public pages show the frozen roots (METHODOLOGY §12) and the methodology's recipe checks a real proof."""

import html
import json
import re
import subprocess
import sys

from django.test import Client

from palmares.publication.services import edition_publish
from tests.support.world import result, world  # noqa: F401  (fixture)


def _published(world, organiser):
    items = [result(world.entries[f"banque-{i}"], n) for i in (1, 2, 3) for n in (1, 2)]
    response = world.api_a.post(f"/api/v1/campaigns/{world.campaign_a.pk}/results/", items, format="json")
    assert response.status_code == 200
    edition_publish(edition=world.edition, user=organiser)
    palmares = Client().get(f"/api/v1/editions/{world.edition.pk}/palmares/").json()
    return items, palmares


def _page(world, suffix=""):
    base = f"/palmares/{world.edition.country.lower()}/{world.edition.year}/"
    return Client(HTTP_ACCEPT_LANGUAGE="en").get(base + suffix)


def test_category_and_edition_pages_show_the_published_roots(world, organiser):
    # Arrange
    _, palmares = _published(world, organiser)
    banque = next(c for c in palmares["categories"] if c["slug"] == "banque")

    # Act
    category_page = _page(world, "banque/")
    edition_page = _page(world)

    # Assert
    assert category_page.status_code == 200
    assert banque["provenance"]["root"] in category_page.content.decode()
    assert "Merkle root of the 6 counted tests" in category_page.content.decode()
    assert edition_page.status_code == 200
    assert palmares["provenance"]["edition_root"] in edition_page.content.decode()


def test_methodology_recipe_checks_a_proof_as_printed(world, organiser, tmp_path):
    # Arrange: the agency saves its proof and the palmarès, then copies the recipe from the page
    items, palmares = _published(world, organiser)
    proof = world.api_a.get(f"/api/v1/editions/{world.edition.pk}/proofs/", {"external_id": items[3]["external_id"]})
    (tmp_path / "proof.json").write_text(json.dumps(proof.json()), encoding="utf-8")
    (tmp_path / "palmares.json").write_text(json.dumps(palmares), encoding="utf-8")
    methodology = _page(world, "methodology/").content.decode()
    recipe = html.unescape(re.search(r'<pre class="recipe"><code>(.*?)</code></pre>', methodology, re.DOTALL).group(1))

    # Act
    run = subprocess.run([sys.executable, "-c", recipe], cwd=tmp_path, capture_output=True, text=True)
    tampered = {**proof.json(), "fingerprint": "00" * 32}
    (tmp_path / "proof.json").write_text(json.dumps(tampered), encoding="utf-8")
    run_bad = subprocess.run([sys.executable, "-c", recipe], cwd=tmp_path, capture_output=True, text=True)

    # Assert
    assert palmares["provenance"]["edition_root"] in methodology
    assert run.stdout.strip() == "proof holds", run.stderr
    assert run_bad.stdout.strip() == "proof FAILS"
