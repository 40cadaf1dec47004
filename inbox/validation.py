"""Checks shared by the actions: each raises a ValidationError that names the problem."""

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from channels_adapters.models import Channel


def clean_text(text: str | None, *, what: str = "message", allow_empty: bool = False) -> str:
    text = (text or "").replace("\x00", "").strip()
    if not text and not allow_empty:
        raise ValidationError(_("The %(what)s is empty.") % {"what": what}, code="empty")
    limit = settings.THREADLINE_MAX_TEXT_LENGTH
    if len(text) > limit:
        raise ValidationError(
            _("The %(what)s is %(length)d characters long; the limit is %(limit)d.")
            % {"what": what, "length": len(text), "limit": limit},
            code="too_long",
        )
    return text


# cid: points at an e-mail's inline image, kept as an attachment of the message.
URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


def clean_html(html: str | None) -> str:
    """Sanitised HTML: scripts, event handlers and dangerous URLs removed."""
    if not html:
        return ""
    if len(html) > settings.THREADLINE_MAX_TEXT_LENGTH * 4:
        raise ValidationError(_("The HTML body is too large."), code="too_long")
    return nh3.clean(html, link_rel="noopener noreferrer nofollow", url_schemes=URL_SCHEMES)


def get_channel(channel: Channel | int) -> Channel:
    """The channel, active, from an instance or an id."""
    if not isinstance(channel, Channel):
        try:
            channel = Channel.objects.select_related("team").get(pk=int(channel))
        except (Channel.DoesNotExist, TypeError, ValueError):
            raise ValidationError(
                _("Unknown channel %(channel)r.") % {"channel": channel}, code="unknown_channel"
            ) from None
    if not channel.is_active:
        raise ValidationError(
            _("The channel %(channel)s is disabled.") % {"channel": channel},
            code="channel_disabled",
        )
    return channel


def clean_external_id(external_id: str | None) -> str | None:
    if external_id is None or external_id == "":
        return None
    external_id = str(external_id)
    if len(external_id) > 255:
        raise ValidationError(_("The provider id is longer than 255 characters."),
                              code="too_long")
    return external_id
