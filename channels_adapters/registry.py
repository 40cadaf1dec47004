"""Which adapter handles each channel kind: an explicit list, no discovery by import."""

from .adapters.base import ChannelAdapter
from .adapters.email import EmailAdapter
from .adapters.meta import InstagramAdapter, MessengerAdapter, WhatsAppAdapter
from .adapters.phone import PhoneAdapter
from .adapters.slack import SlackAdapter
from .adapters.stub import StubAdapter
from .adapters.telegram import TelegramAdapter
from .adapters.twilio_sms import TwilioSmsAdapter
from .adapters.webchat import WebchatAdapter
from .models import Channel, ChannelKind

ADAPTERS: dict[str, type[ChannelAdapter]] = {
    **{kind: StubAdapter for kind in ChannelKind.values},
    ChannelKind.EMAIL: EmailAdapter,
    ChannelKind.WEBCHAT: WebchatAdapter,
    ChannelKind.SMS: TwilioSmsAdapter,
    ChannelKind.TELEGRAM: TelegramAdapter,
    ChannelKind.PHONE: PhoneAdapter,
    ChannelKind.SLACK: SlackAdapter,
    ChannelKind.WHATSAPP: WhatsAppAdapter,
    ChannelKind.MESSENGER: MessengerAdapter,
    ChannelKind.INSTAGRAM: InstagramAdapter,
}


def adapter_for(channel: Channel) -> ChannelAdapter:
    """The channel's adapter; the stub while the channel lacks its provider credentials."""
    adapter_class = ADAPTERS[channel.kind]
    if not adapter_class.connected(channel):
        adapter_class = StubAdapter
    return adapter_class(channel)
