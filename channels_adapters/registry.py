"""Which adapter handles each channel kind: an explicit list, no discovery by import."""

from .adapters.base import ChannelAdapter
from .adapters.email import EmailAdapter
from .adapters.stub import StubAdapter
from .adapters.webchat import WebchatAdapter
from .models import Channel, ChannelKind

ADAPTERS: dict[str, type[ChannelAdapter]] = {
    **{kind: StubAdapter for kind in ChannelKind.values},
    ChannelKind.EMAIL: EmailAdapter,
    ChannelKind.WEBCHAT: WebchatAdapter,
}


def adapter_for(channel: Channel) -> ChannelAdapter:
    return ADAPTERS[channel.kind](channel)
