"""How a customer is reached: identity kinds and the normal form of their addresses.

One normal form per kind is what makes ``(kind, address)`` unique in practice: the same
person writing from ``Ana@Example.com`` and ``ana@example.com``, or texting from
``06 12 34 56 78`` and calling from ``+33612345678``, is one identity.
"""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_ADDRESS_LENGTH = 255


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("E-mail address")
    PHONE = "phone", _("Phone number")
    WHATSAPP = "whatsapp", _("WhatsApp number")
    TELEGRAM = "telegram", _("Telegram user")
    SLACK = "slack", _("Slack user")
    MESSENGER = "messenger", _("Messenger user")
    INSTAGRAM = "instagram", _("Instagram user")
    WEBCHAT = "webchat", _("Web chat visitor")


# Provider user ids (Telegram, Slack, Meta) and our web-chat visitor ids are all of this shape.
OPAQUE_ID = re.compile(r"[A-Za-z0-9._:@+=/|-]+")

# Kinds whose address is a phone number, and therefore proves one.
PHONE_KINDS = frozenset({IdentityKind.PHONE, IdentityKind.WHATSAPP})


# Kinds a customer can be written to through another kind's verified address: a WhatsApp
# account is a phone number, so a proven number can be written to on WhatsApp (outside
# WhatsApp's 24-hour window, with an approved template).
REACHED_THROUGH = {IdentityKind.WHATSAPP: IdentityKind.PHONE}


def normalise_phone(raw: str, region: str | None = None) -> str:
    """Return ``raw`` in E.164, reading national numbers in ``region``."""
    try:
        number = phonenumbers.parse(raw, region or settings.THREADLINE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            _("%(raw)r is not a phone number: %(reason)s"),
            code="invalid_phone",
            params={"raw": raw, "reason": error},
        ) from error
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(
            _("%(raw)r is not a possible phone number."), code="invalid_phone", params={"raw": raw}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_address(kind: str, raw: str, *, region: str | None = None) -> str:
    """Return the normal form of ``raw`` for identities of ``kind``, or raise ValidationError."""
    if kind not in IdentityKind.values:
        raise ValidationError(
            _("Unknown identity kind %(kind)r."), code="invalid_kind", params={"kind": kind}
        )
    address = (raw or "").strip()
    if not address:
        raise ValidationError(_("The %(kind)s address is empty."), code="empty_address",
                              params={"kind": kind})
    if len(address) > MAX_ADDRESS_LENGTH:
        raise ValidationError(
            _("The %(kind)s address is longer than %(max)d characters."),
            code="address_too_long",
            params={"kind": kind, "max": MAX_ADDRESS_LENGTH},
        )
    if kind == IdentityKind.EMAIL:
        address = address.lower()
        validate_email(address)
        return address
    if kind in PHONE_KINDS:
        return normalise_phone(address, region)
    if not OPAQUE_ID.fullmatch(address):
        raise ValidationError(
            _("The %(kind)s id may only hold letters, digits and . _ : @ + = / | -"),
            code="invalid_address",
            params={"kind": kind},
        )
    return address
