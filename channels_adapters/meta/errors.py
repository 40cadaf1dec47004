"""What a Graph API error means for a message we tried to send: try again later, or tell the
agent why it cannot go."""

from django.utils.translation import gettext as _

from ..adapters.base import DeliveryError
from .graph import GraphError

# Meta's temporary and rate-limit codes: 1/2 (unknown, service), 4/17/613/80007/130429
# (rate limits), 131000 (something went wrong), 131016 (service unavailable).
TRANSIENT_CODES = {1, 2, 4, 17, 613, 80007, 130429, 131000, 131016}
WHATSAPP_WINDOW_CODE = 131047
MESSENGER_WINDOW = (10, 2018278)
TOKEN_CODE = 190


def whatsapp_window_reason() -> str:
    return _("More than 24 hours have passed since the customer last wrote: only an approved "
             "template can be sent.")


def messenger_window_reason() -> str:
    return _("More than 24 hours have passed since the customer last wrote: Messenger and "
             "Instagram accept replies only within 24 hours (7 days with the channel's "
             "human_agent_tag setting).")


def meta_reason(error: GraphError) -> str:
    """The reason an agent reads: ours for the errors we know, else Meta's own words."""
    if error.code == WHATSAPP_WINDOW_CODE:
        return whatsapp_window_reason()
    if (error.code, error.subcode) == MESSENGER_WINDOW:
        return messenger_window_reason()
    if error.code == TOKEN_CODE:
        return _("Meta refused the channel's access token: update it in the channel settings.")
    reason = error.message
    if error.details and error.details not in reason:
        reason = f"{reason} — {error.details}"
    return _("Meta refused the message: %(reason)s") % {"reason": reason}


def delivery_error(error: GraphError) -> DeliveryError:
    transient = (error.status is None or error.status >= 500 or error.status == 429
                 or error.code in TRANSIENT_CODES)
    if transient:
        return DeliveryError(_("Meta is unavailable or busy: %(reason)s")
                             % {"reason": error.message}, transient=True)
    return DeliveryError(meta_reason(error), transient=False)
