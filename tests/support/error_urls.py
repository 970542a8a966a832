"""The site's URLs plus two views that fail, to see the 403 and 500 pages through the whole stack."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config.urls import handler404, handler500
from config.urls import urlpatterns as site_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


def forbidden(request):
    raise PermissionDenied("not for you")


def broken(request):
    raise RuntimeError("boom")


urlpatterns = [path("test-errors/forbidden/", forbidden), path("test-errors/broken/", broken), *site_urlpatterns]
