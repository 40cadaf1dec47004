"""Telling Telegram where to send a channel's updates (setWebhook), with the secret it will
put in every request's ``X-Telegram-Bot-Api-Secret-Token`` header."""

import secrets

from django.urls import reverse
from telegram import WebhookInfo

from ..models import Channel
from .client import bot_config, run

ALLOWED_UPDATES = ["message", "edited_message"]


def webhook_url(channel: Channel, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("webhook", args=[channel.kind, channel.pk])


def ensure_webhook_secret(channel: Channel) -> str:
    """The channel's webhook secret, made and saved if it has none (Telegram accepts
    1–256 characters of ``A-Za-z0-9_-``, which ``token_urlsafe`` produces)."""
    secret = (channel.secrets or {}).get("webhook_secret")
    if not secret:
        secret = secrets.token_urlsafe(32)
        channel.secrets = {**(channel.secrets or {}), "webhook_secret": secret}
        channel.save(update_fields=["secrets"])
    return secret


def set_webhook(channel: Channel, base_url: str) -> WebhookInfo:
    url = webhook_url(channel, base_url)
    secret = ensure_webhook_secret(channel)

    async def register(bot):
        await bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        return await bot.get_webhook_info()

    return run(bot_config(channel), register)


def delete_webhook(channel: Channel) -> WebhookInfo:
    async def remove(bot):
        await bot.delete_webhook()
        return await bot.get_webhook_info()

    return run(bot_config(channel), remove)
