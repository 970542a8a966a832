"""Small filters for the scoring admin templates (templates do no queries)."""

from django import template

from election.channels import Channel

register = template.Library()


@register.filter
def channel_label(channel: str) -> str:
    return str(dict(Channel.choices).get(channel, channel))


@register.filter
def channel_block(channels: dict, channel: str) -> dict | None:
    return (channels or {}).get(channel)
