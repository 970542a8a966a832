"""``{% site_url %}``: the site's public base address (settings.SITE_URL) for absolute links in texts
rendered without a request or read elsewhere, such as e-mails (``{% site_url %}{% url '…' %}``)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def site_url() -> str:
    return settings.SITE_URL.rstrip("/")
