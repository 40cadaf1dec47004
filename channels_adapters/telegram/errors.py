"""What a Bot API error means for a reply: try again later, or tell the agent why not.

Reasons are built from Telegram's description, never from an exception's URL, and pass
through ``redact`` in case a description ever quotes the token."""

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from ..adapters.base import DeliveryError
from .redaction import redact


def delivery_error(error: TelegramError, token: str) -> DeliveryError:
    description = redact(error.message, token)
    lowered = description.lower()
    if isinstance(error, RetryAfter):
        return DeliveryError(f"Telegram asks to slow down: {description}", transient=True)
    if isinstance(error, Forbidden):
        if "blocked" in lowered:
            return DeliveryError("The customer has blocked the bot.", transient=False)
        if "deactivated" in lowered:
            return DeliveryError("The customer's Telegram account was deleted.",
                                 transient=False)
        return DeliveryError(f"Telegram does not let the bot write there: {description}",
                             transient=False)
    if isinstance(error, InvalidToken):
        return DeliveryError("Telegram rejected the bot token: check the channel's bot_token.",
                             transient=False)
    if isinstance(error, ChatMigrated):
        return DeliveryError("The group became a supergroup with a new chat id: the customer "
                             "must write again.", transient=False)
    if isinstance(error, BadRequest):  # a NetworkError subclass: before the next test
        if "chat not found" in lowered:
            return DeliveryError("Telegram does not know this chat: the customer never "
                                 "started the bot, or deleted the chat.", transient=False)
        return DeliveryError(f"Telegram refused the message: {description}", transient=False)
    if isinstance(error, TimedOut):
        return DeliveryError("Telegram did not answer in time.", transient=True)
    if isinstance(error, NetworkError):  # connection errors and HTTP 5xx
        return DeliveryError(f"Telegram is unavailable: {description}", transient=True)
    return DeliveryError(f"Telegram refused the message: {description}", transient=False)
