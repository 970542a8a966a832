"""The five remote contact channels (METHODOLOGY §1) and their default settings (§2).

The order of CHANNELS is the rule book's tie-break order for equal weights (§7.2).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social networks")


CHANNELS: tuple[str, ...] = ("phone", "email", "web", "chat", "social")
DEFAULT_QUOTA: dict[str, int] = {"phone": 140, "email": 50, "web": 15, "social": 10, "chat": 10}
# Channels whose tests carry a waiting time in seconds, or a response delay in hours (§9).
WAIT_CHANNELS = ("phone", "chat")
RESPONSE_CHANNELS = ("email", "social")


def channel_label(code: str) -> str:
    """The channel's name in the active language, for messages people read (the code itself if unknown)."""
    try:
        return str(Channel(code).label)
    except ValueError:
        return code
