"""What a webhook URL may be: http(s), a host, no credentials in it."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def validate_webhook_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ValidationError(_("This is not a valid URL."), code="invalid_url") from None
    if parts.scheme not in {"http", "https"}:
        raise ValidationError(_("Only http and https URLs can receive webhooks."),
                              code="invalid_url_scheme")
    if parts.username is not None or parts.password is not None:
        # It would be stored and shown in clear: use the signature to authenticate us.
        raise ValidationError(_("A webhook URL may not contain a user name or password."),
                              code="url_with_credentials")
    if not parts.hostname:
        raise ValidationError(_("This URL has no host."), code="invalid_url")


def validate_event_types(event_types) -> None:
    """A list of known event types (inbox.events); empty means every type."""
    from inbox.events import EVENT_TYPES

    if not isinstance(event_types, list) or not all(isinstance(t, str) for t in event_types):
        raise ValidationError(_("Give a list of event types."), code="invalid_event_types")
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise ValidationError(
            _("Unknown event types: %(types)s. Known: %(known)s.")
            % {"types": ", ".join(unknown), "known": ", ".join(sorted(EVENT_TYPES))},
            code="unknown_event_type")
