"""Meta's three channel kinds: WhatsApp (Cloud API), Messenger and Instagram direct
messages. They share the webhook's signature and handshake; the wire formats live in
``channels_adapters.meta``.

Channel secrets: ``access_token``, ``app_secret``, ``verify_token``. Settings:
``phone_number_id`` and ``business_account_id`` (WhatsApp), ``page_id`` (Messenger) or
``instagram_account_id`` (Instagram), ``graph_base_url``, ``graph_version``,
``human_agent_tag`` (Messenger/Instagram). See docs/channels/meta.md.
"""

from ..meta import signature
from ..meta.graph import GraphClient
from ..meta.messenger_inbound import parse_messaging
from ..meta.messenger_outbound import send_messaging
from ..meta.whatsapp_inbound import parse_whatsapp
from ..meta.whatsapp_outbound import send_whatsapp
from ..payloads import load_document
from .base import ChannelAdapter


class MetaAdapter(ChannelAdapter):
    @classmethod
    def connected(cls, channel) -> bool:
        return bool((channel.secrets or {}).get("access_token"))

    @property
    def client(self) -> GraphClient:
        return GraphClient.for_channel(self.channel)

    def _secret(self, name: str) -> str:
        return str((self.channel.secrets or {}).get(name) or "")

    def _setting(self, name: str):
        return (self.channel.settings or {}).get(name) or ""

    def handshake(self, query):
        return signature.handshake(query, self._secret("verify_token"))

    def verify(self, headers, body) -> bool:
        return signature.signature_matches(headers, body, self._secret("app_secret"))


class WhatsAppAdapter(MetaAdapter):
    kind = "whatsapp"

    def parse(self, body, headers):
        return parse_whatsapp(load_document(body), client=self.client,
                              phone_number_id=self._setting("phone_number_id"))

    def send(self, message) -> str:
        return send_whatsapp(self.client, message=message,
                             phone_number_id=self._setting("phone_number_id"))


class MessengerAdapter(MetaAdapter):
    kind = "messenger"
    webhook_object = "page"
    profile_fields = "first_name,last_name"
    uploads = True

    def parse(self, body, headers):
        return parse_messaging(load_document(body), object_name=self.webhook_object,
                               client=self.client, channel_id=self.channel.pk,
                               profile_fields=self.profile_fields)

    def send(self, message) -> str:
        return send_messaging(self.client, message=message, uploads=self.uploads,
                              human_agent_tag=bool(self._setting("human_agent_tag")))


class InstagramAdapter(MessengerAdapter):
    kind = "instagram"
    webhook_object = "instagram"
    profile_fields = "name,username"
    uploads = False
