"""METHODOLOGY §10 disclosure control, attacked the way a brand would.

For categories of 3, 4, 5 and 8 scored entries (before and after publication, with a channel
that fewer entries have, with a member of two competing brands), the brand reads its scorecard
page, its PDF report and the card as data, and tries to recover one other entry's score: a
figure equal to it (best, minimum, quantile…), ``n × average − own − published laureates`` over
each average, and the overall average against the channel averages (the overall score is their
weighted mean, §6). None may give away a score.
"""

import io
import json
import re
from dataclasses import dataclass

import pytest
from django.core import mail
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from common.display import format_score
from election.models import BrandMembership, Entry
from palmares.appeals.services import appeal_accept, appeal_file
from palmares.portal.disclosure import Peer, category_averages
from palmares.portal.scorecard import scorecard_for
from palmares.portal.services import report_pdf
from palmares.publication.services import edition_publish
from scoring.models import EntryScore
from scoring.services import recompute_categories
from tests.support import factories
from tests.support.appeals import build_world
from tests.support.world import add_test, entry, graded_edition, set_state

pytestmark = pytest.mark.django_db

# graded_edition: weights phone 2, e-mail 1 (= the quotas).
WEIGHTS = {"phone": 2.0, "email": 1.0}
SECTION_KEYS = {"average", "entries"}
PHONE_STEPS = [0, 1.83, 2.91, 4.62, 5.07, 7.74, 8.39, 10.58]
EMAIL_STEPS = [0, 2.44, 3.17, 5.95, 6.31, 8.82, 10.09, 12.66]
CATEGORY_KEYS = {"scored_entries", "overall", "awarded", "laureates"}


@dataclass
class Scenario:
    entrants: int
    published: bool = False
    # Entry 1 has no e-mail test: the e-mail average has one contributor fewer than the overall one.
    short_channel: bool = False
    # The member also belongs to entry 1's brand: both entries are "own".
    co_member: bool = False


SCENARIOS = [
    *(Scenario(n) for n in (3, 4, 5, 8)),
    *(Scenario(n, published=True) for n in (3, 4, 5, 8)),
    *(Scenario(n, short_channel=True) for n in (4, 5, 8)),
    *(Scenario(n, published=True, short_channel=True) for n in (4, 5, 8)),
    *(Scenario(n, co_member=True) for n in (4, 5)),
    Scenario(5, published=True, co_member=True),
]


def _id(s: Scenario) -> str:
    flags = [f for f in ("published", "short_channel", "co_member") if getattr(s, f)]
    return "-".join([str(s.entrants), *flags])


def _world(s: Scenario):
    """Entry i: two phone tests (the second 0.38 higher) and an e-mail test, at irregular steps so
    that no average happens to equal one entry's score: a match is a leak, not a coincidence.
    Entry 0 is the member's."""
    edition = graded_edition(threshold=8, min_entrants=1)
    category = factories.CategoryFactory(edition=edition, slug="banque-en-ligne", name="Banque en ligne")
    entries = []
    for i in range(s.entrants):
        one = entry(category, f"marque-{i}")
        phone = round(5.17 + PHONE_STEPS[i], 2)
        add_test(one, "phone", phone, {"a": i % 3, "b": (i + 1) % 3, "c": 2}, wait_seconds=30 + i, day=1)
        add_test(one, "phone", phone + 0.38, {"a": (i + 2) % 3, "b": 1}, wait_seconds=50 + i, day=2)
        if not (s.short_channel and i == 1):
            add_test(
                one, "email", round(19.03 - EMAIL_STEPS[i], 2), {"x": (2 * i) % 3, "y": 1}, response_hours=5, day=3
            )
        entries.append(one)
    recompute_categories(category_ids=[category.id])
    set_state(edition, released=True, published=False)
    if s.published:
        edition_publish(edition=edition)  # a real publication: the palmarès snapshot names the laureates
    member = factories.UserFactory(username="membre")
    BrandMembership.objects.create(user=member, brand=entries[0].brand)
    if s.co_member:
        BrandMembership.objects.create(user=member, brand=entries[1].brand)
    return entries, member


def _secrets(s: Scenario, entries: list[Entry]) -> tuple[dict[str, float], set[int]]:
    """What the brand must not learn: every other entry's channel scores, and its overall score
    unless it is a published laureate. Returns them by name, and the published laureates' ids."""
    own = {entries[0].pk} | ({entries[1].pk} if s.co_member else set())
    scores = {es.entry_id: es for es in EntryScore.objects.filter(entry__in=entries)}
    laureates = {pk for pk, es in scores.items() if es.laureate} if s.published else set()
    secrets: dict[str, float] = {}
    for pk, es in scores.items():
        if pk in own:
            continue
        for channel, block in (es.channels or {}).items():
            secrets[f"{pk}.{channel}"] = block["score"]
        if pk not in laureates:
            secrets[f"{pk}.overall"] = es.overall
    return secrets, laureates


def _numbers(value) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list | tuple):
        return [n for v in value for n in _numbers(v)]
    return []


def _french(value: float) -> str:
    with translation.override("fr"):
        return format_score(value)


def _shown_numbers(text: str) -> set[str]:
    """Every score-like number of a French text (14,46)."""
    return set(re.findall(r"(?<![\d,])\d{1,2},\d{2}(?![\d])", text))


def _attack(card: dict, s: Scenario, entries: list[Entry], secrets: dict[str, float], laureates: set[int]):
    """The arithmetic a brand would try on the averages it reads; returns what it recovers."""
    own = [entries[0]] + ([entries[1]] if s.co_member else [])
    own_scores = [EntryScore.objects.get(entry=e) for e in own]
    laureate_public = {lau["brand"]["slug"]: lau["overall"] for lau in card["category"]["laureates"]}
    recovered = []

    def check(candidate: float, tolerance: float, how: str) -> None:
        for name, secret in secrets.items():
            if abs(candidate - secret) <= tolerance:
                recovered.append((how, name, secret, candidate))

    residuals: dict[str, float] = {}
    overall = card["category"]["overall"]
    if overall is not None:
        known = [es.overall for es in own_scores] + list(laureate_public.values())
        unknown = overall["entries"] - len(known)
        residual = overall["entries"] * overall["average"] - sum(known)
        residuals["overall"] = residual + sum(laureate_public.values())
        assert unknown >= 2, "an overall average over fewer than 2 unknown entries"
        check(residual, 0.01 * overall["entries"], "n × overall average − own − laureates")
    for row in card["channels"]:
        avg = row["category"]
        if avg is None:
            continue
        known = [es.channels[row["channel"]]["score"] for es in own_scores if row["channel"] in (es.channels or {})]
        unknown = avg["entries"] - len(known)
        residual = avg["entries"] * avg["average"] - sum(known)
        residuals[row["channel"]] = residual
        assert unknown >= 2, f"a {row['channel']} average over fewer than 2 unknown entries"
        check(residual, 0.01 * avg["entries"], f"n × {row['channel']} average − own")
    # The overall score is the weighted mean of the channel scores (§6): over the same entries the
    # overall residual equals the weighted channel residuals; any difference comes from entries
    # missing a channel, scaled back to that entry's score.
    if "overall" in residuals and all(c in residuals for c in WEIGHTS):
        total = sum(WEIGHTS.values())
        gap = residuals["overall"] - sum(w / total * residuals[c] for c, w in WEIGHTS.items())
        for c, w in WEIGHTS.items():
            check(gap * total / w, 0.1, f"overall vs channel averages, scaled by {c}")
            check(gap * total / (total - w), 0.1, f"overall vs channel averages, without {c}")
    return recovered


def _page(member, entry) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(member)
    response = client.get(f"/portal/scorecards/{entry.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _pdf_text(card: dict) -> str:
    reader = PdfReader(io.BytesIO(report_pdf(card=card, language="fr")))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=_id)
def test_scorecard_disclosure_no_other_score_recoverable(scenario):
    entries, member = _world(scenario)
    secrets, laureates = _secrets(scenario, entries)
    own_entry = entries[0]

    card = scorecard_for(entry=own_entry)
    data = json.loads(json.dumps(card, cls=DjangoJSONEncoder))
    page = _page(member, own_entry)

    # Only averages (and, once published, the laureates' public scores) about the others.
    assert set(data["category"]) <= CATEGORY_KEYS
    for section in [data["category"]["overall"], *(row["category"] for row in data["channels"])]:
        assert section is None or set(section) == SECTION_KEYS
    assert {c["channel"] for c in data["criteria"]} <= set(WEIGHTS)
    if not scenario.published:
        assert data["category"]["laureates"] == []
        assert (data["rank"], data["laureate"]) == (None, None)
    # No figure equal to another entry's score, in the data, on the page or in the PDF.
    numbers = _numbers(data)
    assert not [name for name, v in secrets.items() if any(abs(n - v) < 1e-6 for n in numbers)]
    shown = _shown_numbers(page)
    assert not [name for name, v in secrets.items() if _french(v) in shown]
    for word in ("Quartile", "Meilleur", "Médiane de la catégorie", "Best"):
        assert word not in page
    # Nor any arithmetic on the averages.
    assert _attack(data, scenario, entries, secrets, laureates) == []


@pytest.mark.parametrize(
    "scenario",
    [Scenario(3), Scenario(4, published=True), Scenario(5, short_channel=True), Scenario(8, published=True)],
    ids=_id,
)
def test_scorecard_pdf_disclosure_no_other_score_recoverable(scenario):
    entries, _member = _world(scenario)
    secrets, _laureates = _secrets(scenario, entries)

    card = scorecard_for(entry=entries[0])
    text = _pdf_text(card)

    shown = _shown_numbers(text)
    assert not [name for name, v in secrets.items() if _french(v) in shown]
    for word in ("Quartile", "Meilleur", "Best"):
        assert word not in text


def test_scorecard_disclosure_shows_averages_where_safe():
    # 5 entries, nothing published: 4 unknown others → overall and both channel averages shown.
    entries, member = _world(Scenario(5))

    card = scorecard_for(entry=entries[0])

    overall = sum(EntryScore.objects.get(entry=e).overall for e in entries) / 5
    assert card["category"]["overall"] == {"average": pytest.approx(overall), "entries": 5}
    assert [row["category"]["entries"] for row in card["channels"]] == [5, 5]
    assert _french(overall) in _page(member, entries[0])


def test_scorecard_disclosure_withholds_channel_average_that_would_combine_into_a_score():
    # Entry 1 lacks e-mail: overall over 5, phone over 5, e-mail over 4. All three together give
    # entry 1's score (see _attack); the check keeps the overall and phone averages only.
    entries, member = _world(Scenario(5, short_channel=True))

    card = scorecard_for(entry=entries[0])
    page = _page(member, entries[0])

    assert card["category"]["overall"]["entries"] == 5
    assert {row["channel"]: row["category"] for row in card["channels"]}["email"] is None
    assert "Trop peu de candidatures pour une comparaison confidentielle" in page


def test_scorecard_disclosure_published_shows_laureate_public_score():
    entries, member = _world(Scenario(5, published=True))
    laureate = EntryScore.objects.get(entry__in=entries, laureate=True)

    card = scorecard_for(entry=entries[0])
    page = _page(member, entries[0])

    assert card["category"]["laureates"] == [
        {"brand": {"slug": laureate.entry.brand.slug, "name": laureate.entry.brand.name}, "overall": laureate.overall}
    ]
    assert 'data-testid="laureate-score"' in page
    assert _french(laureate.overall) in page


def test_category_averages_withhold_criterion_means_that_would_give_a_channel_score():
    # Phone grid a(1), b(1). A, B, C: every phone test reached with both criteria scored, so their
    # phone score is 10 × (m_a + m_b). D's phone tests were all unreached: score 0, no criterion mean.
    # Phone average over O, A, B, C, D and both criterion means over O, A, B, C would give D's score.
    def peer(entry_id, phone, means, *, own=False):
        return Peer(
            entry_id=entry_id,
            overall=phone,
            channels={"phone": phone},
            own=own,
            criteria={("phone", k): m for k, m in means.items()},
            linear_channels=frozenset({"phone"}) if means else frozenset(),
        )

    peers = [
        peer(1, 15.0, {"a": 1.5, "b": 1.5}, own=True),
        peer(2, 12.0, {"a": 1.0, "b": 1.4}),
        peer(3, 9.0, {"a": 0.5, "b": 1.3}),
        peer(4, 17.0, {"a": 1.9, "b": 1.5}),
        peer(5, 0.0, {}),
    ]

    shown = category_averages(peers, channels=["phone"], weights={"phone": 1.0}, grid={"phone": {"a": 1, "b": 1}})

    # One channel: the overall average is the phone average, the same figure shown twice.
    assert shown["overall"] == shown["channels"]["phone"] == {"average": pytest.approx(53 / 5), "entries": 5}
    assert shown["criteria"][("phone", "a")] == pytest.approx(4.9 / 4)
    assert shown["criteria"][("phone", "b")] is None


def test_category_averages_rule_counts_own_and_laureates_as_known():
    peers = [Peer(entry_id=i, overall=10.0 + i, channels={"phone": 10.0 + i}) for i in range(4)]
    peers[0].own = True

    open_ = category_averages(peers, channels=["phone"], weights={"phone": 1.0}, grid={})
    peers[1].laureate = True
    peers[2].laureate = True
    closed = category_averages(peers, channels=["phone"], weights={"phone": 1.0}, grid={})

    assert open_["overall"] == {"average": pytest.approx(11.5), "entries": 4}
    assert (closed["overall"], closed["channels"]["phone"]) == (None, None)


@pytest.mark.parametrize("published", [False, True], ids=["released", "published"])
def test_brand_api_reads_hold_no_other_score(published):
    scenario = Scenario(5, published=published)
    entries, member = _world(scenario)
    secrets, laureates = _secrets(scenario, entries)
    edition_id = entries[0].category.edition_id
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(member)

    rankings = client.get(f"/api/v1/editions/{edition_id}/rankings/")
    palmares = client.get(f"/api/v1/editions/{edition_id}/palmares/")
    editions = client.get("/api/v1/editions/")

    # Rankings are the organisers'; the palmarès carries laureates only (404 before publication).
    assert rankings.status_code == 403
    assert palmares.status_code == (200 if published else 404)
    # (§9's edition figures in the palmarès are public by definition; with a single laureate in the
    # edition its channel averages are that laureate's channel scores, so only non-laureates count here.)
    non_laureates = {k: v for k, v in secrets.items() if int(k.split(".")[0]) not in laureates}
    for response in (rankings, palmares, editions):
        body = response.content.decode()
        numbers = [float(n) for n in re.findall(r"-?\d+\.\d+", body)]
        assert not [name for name, v in non_laureates.items() if any(abs(n - v) < 1e-6 for n in numbers)]


def test_brand_emails_hold_no_score_of_another_entry(organiser, django_capture_on_commit_callbacks):
    world = build_world()
    with django_capture_on_commit_callbacks(execute=True):
        appeal = appeal_file(result=world.appealed, user=world.member_a, reason="Closed that day.")
    with django_capture_on_commit_callbacks(execute=True):
        appeal_accept(appeal=appeal, user=organiser, answer="Upheld.")

    brand_mails = [m for m in mail.outbox if m.to[0].endswith("@azur.example")]
    others = [EntryScore.objects.get(entry=e).overall for e in (world.beryl, world.corail)]

    # Filed and decided, to both members of the brand: the test concerned, never a figure of the category.
    assert len(brand_mails) == 4
    for message in brand_mails:
        text = re.sub(r"https?://\S+", "", f"{message.subject}\n{message.body}")  # the link's address
        assert re.findall(r"\d+[.,]\d+", text) == [], text
        assert not [v for v in others if _french(v) in text or f"{v:.2f}" in text]


@pytest.mark.parametrize(
    ("own", "others", "revealed"),
    [
        (18.0, [5.0, 6.0, 6.0], True),  # others' sum 17 < 18: all below, the brand is first
        (17.0, [5.0, 6.0, 6.0], True),  # sum 17, within the average's rounding of 17: withheld too
        (16.0, [5.0, 6.0, 6.0], False),  # one of them could be above 16
        (3.0, [19.0, 18.0, 17.5], True),  # sum 54.5 − 2 × 20 = 14.5 > 3: all above, the brand is last
        (15.0, [19.0, 18.0, 17.5], False),
    ],
)
def test_category_averages_before_publication_never_give_the_brand_its_rank(own, others, revealed):
    peers = [Peer(entry_id=0, overall=own, channels={"phone": own}, own=True)] + [
        Peer(entry_id=i + 1, overall=v, channels={"phone": v}) for i, v in enumerate(others)
    ]

    before = category_averages(peers, channels=["phone"], weights={"phone": 1.0}, grid={}, published=False)
    after = category_averages(peers, channels=["phone"], weights={"phone": 1.0}, grid={}, published=True)

    assert (before["overall"] is None, before["channels"]["phone"] is None) == (revealed, revealed)
    # Once published the rank is on the scorecard anyway: the averages are shown.
    assert after["overall"] is not None
