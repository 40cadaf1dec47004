"""The web chat widget: a reply is pushed to the visitors' sockets of the thread.

There is no provider to accept the message: the channel layer rings the widgets that are
open, and a visitor who comes back later reads the reply from their history (by message id).
The channel layer is at-most-once, so "sent" means handed to it; the widget's own receipts
move the message to delivered and read. Inbound, visitors write through the widget's socket
(channels_adapters.webchat), not through the webhook.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from inbox.groups import webchat_thread_group

from .base import ChannelAdapter, DeliveryError

MESSAGE_TYPE = "webchat.message"


class WebchatAdapter(ChannelAdapter):
    def send(self, message) -> str:
        from ..webchat.email_fallback import email_if_away
        from ..webchat.selectors import visitor_message

        channel_layer = get_channel_layer()
        if channel_layer is not None:
            try:
                async_to_sync(channel_layer.group_send)(
                    webchat_thread_group(message.thread_id),
                    {"type": MESSAGE_TYPE, "identity_id": message.identity_id,
                     "message": visitor_message(message)})
            except Exception as error:  # the layer (Redis) is down: try again later
                raise DeliveryError(f"The channel layer is unavailable: {error}",
                                    transient=True) from error
        email_if_away(message)  # the visitor is gone: the reply follows them by e-mail
        return f"webchat:{message.pk}"

    def verify(self, headers, body) -> bool:
        return False  # visitors write through the widget's socket, never the webhook

    def parse(self, body, headers):
        raise ValueError("web chat messages arrive through the widget's socket")
