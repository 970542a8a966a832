"""Site-wide files that crawlers and browsers ask for at fixed addresses: /robots.txt, /favicon.ico."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
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


@require_safe
def switch_language(request: HttpRequest, code: str) -> HttpResponseRedirect:
    """/i18n/language/<code>/?next=<path>: the language switch as a plain link, so that an anonymous public
    page carries no form, hence no CSRF token nor cookie, and a shared cache may keep it. It only sets the
    language cookie (a preference, nothing to forge) and goes back to ``next`` on this site."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    add_never_cache_headers(response)
    return response
