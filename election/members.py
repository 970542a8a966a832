"""Brand members: the portal users who read a brand's scorecards.

Organisers invite members from the admin (``member_invite``: the user and the membership are
created and an e-mail carries a link to choose a password); scripts use ``member_set``
(the ``brand_member`` command).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .models import Brand, BrandMembership


class MemberInvalid(Exception):
    """Bad input for a member; ``errors`` maps a field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _user_model():
    return get_user_model()


def member_set(
    *, brand: Brand, username: str, password: str | None = None, email: str | None = None
) -> tuple[BrandMembership, bool]:
    """Create or update the portal user ``username`` as a member of ``brand``.

    Returns (membership, user_created). A given password replaces the current one; a given
    e-mail replaces the current address. Nothing changes if anything is invalid.
    """
    errors: dict[str, str] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = _("A username is required.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("“%(email)s” is not a valid e-mail address.") % {"email": email}
    if password is not None and not password:
        errors["password"] = _("The password may not be empty.")
    if errors:
        raise MemberInvalid(errors)
    User = _user_model()  # noqa: N806
    with transaction.atomic():
        user, created = User.objects.select_for_update().get_or_create(username=username)
        if password is not None:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        if email:
            user.email = email
        user.is_active = True
        user.save()
        membership, _created = BrandMembership.objects.get_or_create(user=user, brand=brand)
    return membership, created


def member_invite(
    *,
    brand: Brand,
    email: str,
    first_name: str = "",
    last_name: str = "",
    language: str | None = None,
) -> BrandMembership:
    """Invite ``email`` to ``brand``'s portal: creates the user if needed (username = e-mail,
    no usable password) and the membership, then e-mails a link to choose a password once the
    transaction commits. An existing user with that address (any case) is reused."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise MemberInvalid({"email": _("“%(email)s” is not a valid e-mail address.") % {"email": email}})
    User = _user_model()  # noqa: N806
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).order_by("id").first()
        if user is None:
            username = email.lower()
            if User.objects.filter(username__iexact=username).exists():
                raise MemberInvalid({"email": _("A user named “%(name)s” already exists.") % {"name": username}})
            user = User(username=username, email=email, first_name=first_name, last_name=last_name)
            user.set_unusable_password()
            user.save()
        else:
            names = {"first_name": first_name, "last_name": last_name}
            changed = [field for field, value in names.items() if value]
            for field in changed:
                setattr(user, field, names[field])
            if not user.is_active:
                user.is_active = True
                changed.append("is_active")
            if changed:
                user.save(update_fields=changed)
        membership, _created = BrandMembership.objects.get_or_create(user=user, brand=brand)
        lang = language or settings.LANGUAGE_CODE
        transaction.on_commit(lambda: _send_invitation(user=user, brand=brand, language=lang))
    return membership


def invitation_link(*, user: AbstractBaseUser) -> str:
    """The absolute address where ``user`` chooses a password (Django's password-reset link)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL.rstrip("/") + path


def _send_invitation(*, user: AbstractBaseUser, brand: Brand, language: str) -> None:
    with translation.override(language):
        context = {
            "user": user,
            "brand": brand,
            "needs_password": not user.has_usable_password(),
            "set_password_url": invitation_link(user=user),
            # The portal lives in a later layer: its address comes from settings, not its URL name.
            "portal_url": settings.SITE_URL.rstrip("/") + settings.LOGIN_REDIRECT_URL,
        }
        subject = " ".join(render_to_string("registration/invitation_subject.txt", context).split())
        body = render_to_string("registration/invitation_email.txt", context)
    send_mail(subject, body, None, [user.email])
