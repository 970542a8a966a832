"""Stable public addresses of the palmarès (API.md "Stable page addresses"); they never move."""

from django.contrib.sitemaps.views import sitemap
from django.shortcuts import redirect
from django.urls import include, path, register_converter

from palmares.publication import views
from palmares.publication.sitemaps import SITEMAPS


class CountryConverter:
    """A lower-case ISO 3166 code, as the stable addresses spell it (``fr``)."""

    regex = "[a-z]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value.lower()


class UpperCountryConverter(CountryConverter):
    """An ISO code typed in capitals (``FR``), redirected to the stable lower-case address."""

    regex = "[A-Z]{2}"


def _lower_country(request, country: str, rest: str = ""):
    return redirect(request.get_full_path().replace(f"/{country}/", f"/{country.lower()}/", 1), permanent=True)


register_converter(CountryConverter, "country")
register_converter(UpperCountryConverter, "COUNTRY")

app_name = "public"

# An edition's pages, below palmares/<country>/<year>/.
edition_patterns = [
    path("", views.edition_page, name="edition"),
    # Before the category pattern: "methodology" is reserved, never a category slug.
    path("methodology/", views.methodology_page, name="methodology"),
    path("<slug:slug>/", views.category_page, name="category"),
]

urlpatterns = [
    path("palmares/", views.home_page, name="home"),
    path("palmares/brands/<slug:slug>/", views.brand_page, name="brand"),
    path("palmares/<country:country>/<int:year>/", include(edition_patterns)),
    path("palmares/<COUNTRY:country>/<path:rest>", _lower_country),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]
