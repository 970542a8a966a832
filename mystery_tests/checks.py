"""System checks of the mystery_tests layer: the signing key of receipts (METHODOLOGY §12)."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from .provenance import parse_key_ring


@register()
def signing_key_check(app_configs, **kwargs):
    pem = getattr(settings, "SIGNING_KEY", "") or ""
    if not pem:
        if getattr(settings, "PRODUCTION", False):
            return [
                Error(
                    "SIGNING_KEY must be set when DJANGO_ENV=production.",
                    hint="An Ed25519 private key in PEM, e.g. from `openssl genpkey -algorithm ed25519`.",
                    id="mystery_tests.E001",
                )
            ]
        return []
    try:
        parse_key_ring(pem)
    except (ImproperlyConfigured, ValueError) as error:
        return [Error(f"SIGNING_KEY cannot be used: {error}", id="mystery_tests.E002")]
    return []
