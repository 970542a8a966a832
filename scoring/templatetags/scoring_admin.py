"""Small filters for the scoring admin templates (templates do no queries)."""

from django import template
from django.utils.translation import get_language

from common.display import localised
from election.channels import channel_label as _channel_label

register = template.Library()


@register.filter
def channel_label(channel: str) -> str:
    return _channel_label(channel)


@register.filter
def channel_block(channels: dict, channel: str) -> dict | None:
    return (channels or {}).get(channel)


@register.filter
def reader_name(category) -> str:
    """A category (model, or a rankings body's {"name", "names"}) named in the reader's language, else the
    edition's."""
    if isinstance(category, dict):
        return localised(category.get("name", ""), category.get("names"), get_language())
    return category.reader_name
