"""The public palmarès pages. They read only live publication snapshots (never live rankings).

Each page's main part is rendered once per (publication, fingerprint, language, page) and
cached; the shell (header with the visitor's login state) is rendered per request for a signed-in
visitor. A plain anonymous visitor (ceremony-night traffic) gets the whole page from the cache, with no
CSRF token, no cookie and ``Cache-Control: public, max-age`` so that a CDN may keep it too (the
language switch is a plain link). Nothing unpublished or previewed is ever cached. Organisers (the
explicit permission) may add ``?preview=1`` to see an unpublished or scheduled edition, clearly marked.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from common.display import country_name, localised
from common.pagecache import mark_public
from common.permissions import is_organiser
from election.models import Edition
from palmares.audit.selectors import audit_statement
from palmares.models import Publication
from palmares.publication import presentation, selectors
from palmares.publication.snapshot import build_snapshot

PAGE_TEMPLATE = "palmares/page.html"
# How long a shared cache (CDN) or a browser may keep an anonymous published page (Cache-Control: public),
# unless settings.PUBLIC_PAGE_MAX_AGE says otherwise. The server's own cache is invalidated at once by a
# publication, unpublication or revocation; this bounds how long a copy kept outside may lag behind.
PUBLIC_PAGE_MAX_AGE = 60


def _wants_preview(request: HttpRequest) -> bool:
    return request.GET.get("preview") == "1" and is_organiser(request.user)


def _shell_context(request: HttpRequest, part: dict[str, Any], *, preview: bool = False) -> dict[str, Any]:
    return {
        "part": part,
        "preview": preview,
        # On the site's public base, not the host this request used (shared links, crawlers).
        "canonical": settings.SITE_URL + part["path"],
        "og_image": settings.SITE_URL + static("img/og-palmares.png"),
    }


def _page_response(request: HttpRequest, part: dict[str, Any], *, preview: bool = False) -> HttpResponse:
    response = render(request, PAGE_TEMPLATE, _shell_context(request, part, preview=preview))
    if preview:
        response["X-Robots-Tag"] = "noindex"
    return response


def _plain_anonymous(request: HttpRequest) -> bool:
    """A visitor whose page is the same as any other's in their language (ceremony-night traffic)."""
    return (
        request.method in ("GET", "HEAD")
        and not request.GET
        and not request.user.is_authenticated
        and "messages" not in request.COOKIES
    )


def make_public(response: HttpResponse) -> HttpResponse:
    """A page the same for every anonymous visitor in a language: a shared cache (CDN) may keep it for
    PUBLIC_PAGE_MAX_AGE seconds; it varies with the language (cookie or Accept-Language)."""
    patch_cache_control(response, public=True, max_age=getattr(settings, "PUBLIC_PAGE_MAX_AGE", PUBLIC_PAGE_MAX_AGE))
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def public_response(html: str) -> HttpResponse:
    return make_public(HttpResponse(html))


def _until_next_go_live() -> float:
    """Seconds until a scheduled publication goes live (a page listing live editions changes then)."""
    upcoming = selectors.next_go_live_cached()
    return (upcoming - timezone.now()).total_seconds() if upcoming is not None else selectors.PAGE_TTL


def _respond(request: HttpRequest, key_parts: tuple, build, *, ttl=lambda: selectors.PAGE_TTL) -> HttpResponse:
    """A live page: for plain anonymous visitors the whole page comes from the cache as it is (no
    token, no cookie); anyone else gets the cached main part inside a shell rendered for them."""
    if not _plain_anonymous(request):
        return _page_response(request, _cached_part(key_parts, build))
    full_key = _cache_key("full", *key_parts, request.get_host())
    html = cache.get(full_key)
    if html is None:
        part = _cached_part(key_parts, build)
        html = render_to_string(PAGE_TEMPLATE, {**_shell_context(request, part), "messages": ()}, request=request)
        cache.set(full_key, html, selectors.PAGE_TTL)
    # The next anonymous visitors are answered by common.pagecache before any session or view.
    return mark_public(public_response(html), ttl())


def _render_part(template: str, context: dict[str, Any], *, title: str, description: str, path: str) -> dict:
    return {
        "title": title,
        "description": description,
        "path": path,
        "body": render_to_string(template, context),
    }


def _cache_key(*parts) -> str:
    return "palmares:page:" + ":".join(str(p) for p in (*parts, get_language()))


def _cached_part(key_parts: tuple, build) -> dict:
    key = _cache_key(*key_parts)
    part = cache.get(key)
    if part is None:
        part = build()
        cache.set(key, part, selectors.PAGE_TTL)
    return part


def _edition_snapshot(request: HttpRequest, country: str, year: int) -> tuple[dict | None, dict, bool]:
    """(publication ref or None, snapshot, is preview). Raises 404 unless live or previewed by an organiser."""
    if country != country.lower():
        raise Http404
    ref = selectors.current_publication_ref(country=country, year=year)
    if selectors.is_live(ref) and not _wants_preview(request):
        return ref, {}, False
    if not _wants_preview(request):
        raise Http404(_("No palmarès is public for this edition."))
    edition = Edition.objects.filter(country=country.upper(), year=year).first()
    if edition is None:
        raise Http404
    publication = Publication.objects.filter(edition=edition, is_current=True).first()
    if publication is not None:
        return None, publication.snapshot, True
    return None, build_snapshot(edition=edition, goes_live_at=None), True


def _load(ref: dict) -> dict:
    return selectors.publication_snapshot(publication_id=ref["id"])


def _edition_key(ref: dict, page_key: tuple) -> tuple:
    return ("edition", ref["id"], ref["fingerprint"], *page_key)


def _serve(request, country, year, page_key, build_part):
    """Serve a per-edition page: cached for a live snapshot, rendered afresh (never cached) in preview."""
    ref, snapshot, preview = _edition_snapshot(request, country, year)
    if preview:
        response = _page_response(request, build_part(snapshot, country, year, preview=True), preview=True)
        add_never_cache_headers(response)
        return response
    return _respond(request, _edition_key(ref, page_key), lambda: build_part(_load(ref), country, year, preview=False))


def warm_publication_pages(*, publication: Publication, languages: list[str]) -> int:
    """Render and cache every public page of a live publication (edition, categories, methodology)
    in each language, so the first visitors after go-live are served from the cache."""
    country, year = publication.edition.country.lower(), publication.edition.year
    ref = {"id": publication.pk, "fingerprint": publication.fingerprint}
    snapshot = publication.snapshot
    pages = [(("home",), lambda: build_edition_part(snapshot, country, year, preview=False))]
    pages.append((("methodology",), lambda: build_methodology_part(snapshot, country, year, preview=False)))
    for category in snapshot["palmares"]["categories"]:
        pages.append(
            (
                ("category", category["slug"]),
                lambda slug=category["slug"]: build_category_part(snapshot, country, year, slug, preview=False),
            )
        )
    count = 0
    for language in languages:
        with translation.override(language):
            for page_key, build in pages:
                _cached_part(_edition_key(ref, page_key), build)
                count += 1
    return count


def _edition_urls(country: str, year: int) -> dict[str, str]:
    return {
        "edition": reverse("public:edition", args=[country, year]),
        "methodology": reverse("public:methodology", args=[country, year]),
    }


def _common(snapshot: dict, country: str, year: int, preview: bool) -> dict[str, Any]:
    palmares = snapshot["palmares"]
    edition = palmares["edition"]
    return {
        "edition": edition,
        "published_at": selectors.parse_when(edition.get("published_at")),
        "country_code": country,
        "country_name": country_name(country),
        "urls": _edition_urls(country, year),
        "preview": preview,
        "query": "?preview=1" if preview else "",
        "provenance": palmares.get("provenance") or {},  # METHODOLOGY §12: {"edition_root"}
        # The independent controller's signed-off audit, as one sentence ("" without one).
        "audit_statement": audit_statement(
            palmares.get("audit"), time_zone=snapshot.get("methodology", {}).get("time_zone", "Europe/Paris")
        ),
    }


def _laureate_logos(palmares: dict) -> dict[str, str]:
    slugs = [lau["brand"]["slug"] for c in palmares.get("categories", []) for lau in c["laureates"]]
    return selectors.brand_logos(slugs=slugs) if slugs else {}


def build_edition_part(snapshot: dict, country: str, year: int, *, preview: bool) -> dict:
    palmares = snapshot["palmares"]
    channels = [c["channel"] for c in snapshot.get("methodology", {}).get("channels", [])]
    context = {
        **_common(snapshot, country, year, preview),
        "categories": presentation.categories_view(palmares, _laureate_logos(palmares)),
        "figures": presentation.figures_view(palmares.get("figures") or {}, channels),
        "methodology": presentation.methodology_view(snapshot.get("methodology", {})),
    }
    return _render_part(
        "palmares/edition.html",
        context,
        title=_("%(name)s — the palmarès") % {"name": palmares["edition"]["name"]},
        description=presentation.edition_description(palmares),
        path=context["urls"]["edition"],
    )


def edition_page(request: HttpRequest, country: str, year: int) -> HttpResponse:
    return _serve(request, country, year, ("home",), build_edition_part)


def build_category_part(snapshot: dict, country: str, year: int, slug: str, *, preview: bool) -> dict:
    palmares = snapshot["palmares"]
    categories = presentation.categories_view(palmares, _laureate_logos(palmares))
    index = next((i for i, c in enumerate(categories) if c["slug"] == slug), None)
    if index is None:
        raise Http404(_("No such category in this edition."))
    category = categories[index]
    context = {
        **_common(snapshot, country, year, preview),
        "category": category,
        "previous": categories[index - 1] if index > 0 else None,
        "next": categories[index + 1] if index + 1 < len(categories) else None,
        "others": [c for c in categories if c["slug"] != slug],
        "methodology": presentation.methodology_view(snapshot.get("methodology", {})),
    }
    names = ", ".join(lau["name"] for lau in category["laureates"])
    if names:
        description = _("%(brands)s: laureate of “%(category)s”, %(edition)s.") % {
            "brands": names,
            "category": category["name"],
            "edition": palmares["edition"]["name"],
        }
    else:
        description = _("“%(category)s”: not awarded, %(edition)s.") % {
            "category": category["name"],
            "edition": palmares["edition"]["name"],
        }
    return _render_part(
        "palmares/category.html",
        context,
        title=f"{category['name']} — {palmares['edition']['name']}",
        description=description,
        path=reverse("public:category", args=[country, year, slug]),
    )


def category_page(request: HttpRequest, country: str, year: int, slug: str) -> HttpResponse:
    return _serve(
        request,
        country,
        year,
        ("category", slug),
        lambda snapshot, country, year, *, preview: build_category_part(snapshot, country, year, slug, preview=preview),
    )


def build_methodology_part(snapshot: dict, country: str, year: int, *, preview: bool) -> dict:
    palmares = snapshot["palmares"]
    context = {
        **_common(snapshot, country, year, preview),
        "methodology": presentation.methodology_view(snapshot.get("methodology", {})),
    }
    return _render_part(
        "palmares/methodology.html",
        context,
        title=_("Methodology — %(name)s") % {"name": palmares["edition"]["name"]},
        description=_("How %(name)s was scored: channels, quotas, weights, the grid and the qualifying mark.")
        % {"name": palmares["edition"]["name"]},
        path=context["urls"]["methodology"],
    )


def methodology_page(request: HttpRequest, country: str, year: int) -> HttpResponse:
    return _serve(request, country, year, ("methodology",), build_methodology_part)


def home_page(request: HttpRequest) -> HttpResponse:
    editions = selectors.palmares_home_cached()

    def build() -> dict:
        latest: dict[str, dict] = {}
        past = []
        for e in editions:
            e = {
                **e,
                # The category names in the reader's language (the held list serves every language).
                "highlights": [
                    {**h, "category": localised(h["category"], h.get("category_names"), get_language())}
                    for h in e["highlights"]
                ],
                "country_code": e["country"].lower(),
                "country_name": country_name(e["country"]),
                "url": reverse("public:edition", args=[e["country"].lower(), e["year"]]),
            }
            if e["country"] not in latest:
                latest[e["country"]] = e
            else:
                past.append(e)
        return _render_part(
            "palmares/home.html",
            {"latest": list(latest.values()), "past": past},
            title=_("The palmarès — Customer Service of the Year"),
            description=_("Every laureate of the customer-service award, by country and year, with its score."),
            path=reverse("public:home"),
        )

    return _respond(request, ("home", selectors.home_fingerprint(editions)), build, ttl=_until_next_go_live)


def brand_page(request: HttpRequest, slug: str) -> HttpResponse:
    brand = selectors.brand_titles(slug=slug)
    if brand is None:
        raise Http404(_("This brand holds no published title."))

    def build() -> dict:
        for t in brand["titles"]:
            t["url"] = reverse("public:category", args=[t["country"].lower(), t["year"], t["category"]["slug"]])
            t["category"]["name"] = localised(t["category"]["name"], t["category"].get("names"), get_language())
            t["country_name"] = country_name(t["country"])
            t["overall"] = presentation.round_score(t["overall"])
        brand["logo"] = selectors.brand_logos(slugs=[slug]).get(slug)
        return _render_part(
            "palmares/brand.html",
            {"brand": brand, "now": timezone.now()},
            title=_("%(brand)s — titles") % {"brand": brand["name"]},
            description=_("%(brand)s: %(count)s title(s) of Customer Service of the Year.")
            % {"brand": brand["name"], "count": len(brand["titles"])},
            path=reverse("public:brand", args=[slug]),
        )

    return _respond(request, ("brand", slug, brand["fingerprint"]), build, ttl=_until_next_go_live)
