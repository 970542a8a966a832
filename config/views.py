"""Site-wide files that crawlers and browsers ask for at fixed addresses: /robots.txt, /favicon.ico."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# Crawlers read the public palmarès; nothing behind a login, nor the API, is theirs to index. The
# verification pages stay crawlable so that their own "noindex" is seen.
ROBOTS_DISALLOW = ("/admin/", "/portal/", "/api/", "/accounts/", "/i18n/")


@require_safe
@cache_control(public=True, max_age=86_400)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", "Allow: /palmares/", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), ""]
    lines.append(f"Sitemap: {settings.SITE_URL}{reverse('public:sitemap')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
@cache_control(public=True, max_age=86_400)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers and feed readers ask for /favicon.ico whatever the page links: send them the SVG icon
    (a temporary redirect: its static address changes with its content in production)."""
    return HttpResponseRedirect(static("img/favicon.svg"))
