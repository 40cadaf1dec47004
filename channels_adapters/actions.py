"""Writes on channels an admin makes outside the back office (the API): create, update.

Secrets are replaced as a whole and never read back. Every process forgets its cached
channels on save (see apps.py), so a channel switched off stops taking webhooks at once
here and within seconds elsewhere."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from inbox.models import Team

from .models import Channel

UNCHANGED = object()


def _name_taken() -> ValidationError:
    return ValidationError({"name": [_("A channel of this kind with this name already "
                                       "exists.")]})


def _save(channel: Channel, **save_options) -> Channel:
    try:
        with transaction.atomic():
            channel.save(**save_options)
    except IntegrityError:
        raise _name_taken() from None
    return channel


def channel_create(*, team: Team, kind: str, name: str, address: str = "",
                   secrets: dict[str, str] | None = None, is_active: bool = True) -> Channel:
    if Channel.objects.filter(kind=kind, name=name).exists():
        raise _name_taken()
    return _save(Channel(team=team, kind=kind, name=name, address=address,
                         secrets=secrets or {}, is_active=is_active))


def channel_update(*, channel: Channel, team=UNCHANGED, name=UNCHANGED, address=UNCHANGED,
                   secrets=UNCHANGED, is_active=UNCHANGED) -> Channel:
    """The fields given change; ``secrets`` replaces all of them."""
    changed = {field: value for field, value in
               {"team": team, "name": name, "address": address, "secrets": secrets,
                "is_active": is_active}.items() if value is not UNCHANGED}
    if "name" in changed and (Channel.objects.filter(kind=channel.kind, name=changed["name"])
                              .exclude(pk=channel.pk).exists()):
        raise _name_taken()
    for field, value in changed.items():
        setattr(channel, field, value)
    if changed:
        _save(channel, update_fields=list(changed))
    return channel
