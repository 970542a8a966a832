"""/sitemap.xml: the palmarès home and every live edition, its methodology and its categories."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from palmares.publication.selectors import live_publications


class PalmaresSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> list[tuple]:
        items: list[tuple] = [("public:home", (), None, 1.0)]
        rows = (
            live_publications()
            .order_by("-edition__year", "edition__country")
            .values("goes_live_at", "edition__country", "edition__year", "snapshot__palmares__categories")
        )
        for row in rows:
            args = (row["edition__country"].lower(), row["edition__year"])
            when = row["goes_live_at"]
            items.append(("public:edition", args, when, 0.9))
            items.append(("public:methodology", args, when, 0.4))
            for category in row["snapshot__palmares__categories"] or []:
                items.append(("public:category", (*args, category["slug"]), when, 0.7))
        return items

    # Absolute addresses on the site's public base (SITE_URL), whatever host the crawler used.
    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        parts = urlsplit(settings.SITE_URL)
        return parts.netloc + parts.path.rstrip("/")

    def location(self, item: tuple) -> str:
        return reverse(item[0], args=item[1])

    def lastmod(self, item: tuple):
        return item[2]

    def priority(self, item: tuple) -> float:
        return item[3]


SITEMAPS = {"palmares": PalmaresSitemap}
