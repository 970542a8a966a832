import re
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from palmares.portal.urls import account_urlpatterns

from . import views

urlpatterns = [
    path("", RedirectView.as_view(url="/palmares/", permanent=False)),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include(account_urlpatterns)),
    # The language switch is a plain link (no form, no CSRF cookie on public pages); setlang stays for old forms.
    path("i18n/language/<str:code>/", views.switch_language, name="switch_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP forbids inline scripts.
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("mystery_tests.api_urls")),
    path("api/v1/", include("scoring.api_urls")),
    path("api/v1/", include("palmares.api_urls")),
    path("", include("mystery_tests.urls")),
    path("", include("palmares.urls")),
]

# Under /api/ a URL that matches nothing still answers the contract's JSON error body.
handler404 = "common.api.exceptions.not_found"
handler500 = "common.api.exceptions.server_error"

# In development (DEBUG) only the media subfolders that hold public files are served: brand logos. The rest
# of the media folder is private and never served here: import uploads, scorecard reports, certificates and
# appeal evidence go out through views that check who asks, and signing/ keeps the development signing key.
PUBLIC_MEDIA_FOLDERS = ("brands",)

if settings.DEBUG and not re.match(r"^[a-z][a-z0-9+.-]*://", settings.MEDIA_URL):
    # Each folder is its own document root: a path climbing out of it ("brands/../signing/…") is refused.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}{re.escape(folder)}/(?P<path>.+)$",
            serve,
            {"document_root": Path(settings.MEDIA_ROOT) / folder},
        )
        for folder in PUBLIC_MEDIA_FOLDERS
    ]
