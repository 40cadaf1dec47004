"""Telegram bots, through python-telegram-bot (``channels_adapters.telegram``).

Inbound, Telegram POSTs each Update to the webhook with the secret registered by
``manage.py telegram_set_webhook`` in ``X-Telegram-Bot-Api-Secret-Token``; the customer is
the sender, whose user id is their address. Outbound, replies go to the chat the customer
last wrote from. Secrets: ``bot_token``, ``webhook_secret``; setting ``api_base_url``.
"""

import hmac

from telegram.error import TelegramError

from ..telegram import redaction
from ..telegram.client import bot_config, run
from ..telegram.media import download, media_of
from ..telegram.outbound import send_reply_message
from ..telegram.updates import customer_message, inbound_message, read_update
from .base import ChannelAdapter

SECRET_HEADER = "x-telegram-bot-api-secret-token"

redaction.install()  # the token is in every Bot API URL that httpx logs


class TelegramAdapter(ChannelAdapter):
    kind = "telegram"
    # An update is a few kilobytes (4,096 characters of text, a quoted message).
    max_body_bytes = 256 * 1024

    @classmethod
    def connected(cls, channel) -> bool:
        return bool((channel.secrets or {}).get("bot_token"))

    def verify(self, headers, body) -> bool:
        secret = (self.channel.secrets or {}).get("webhook_secret")
        given = headers.get(SECRET_HEADER, "")
        return bool(secret) and hmac.compare_digest(given.encode(), str(secret).encode())

    def parse(self, body, headers):
        update = read_update(body)
        message = customer_message(update)
        if message is None:
            return []
        media = media_of(message)
        fetched = None
        if media is not None:
            config = bot_config(self.channel)
            try:
                fetched = run(config, lambda bot: download(bot, media))
            except TelegramError as error:  # kept as failed, to process again later
                reason = redaction.redact(error.message, config.token)
                raise ValueError(f"could not download the {media.label} from Telegram: "
                                 f"{reason}") from None
        item = inbound_message(update, message, fetched)
        return [item] if item is not None else []

    def send(self, message) -> str:
        return send_reply_message(message)
