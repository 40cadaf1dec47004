"""The bot token is part of every Bot API URL (``…/bot<token>/sendMessage``): httpx logs
those URLs at INFO and python-telegram-bot logs its base URL at DEBUG. This filter, on the
loggers that do, replaces any token with ``<token>`` before a handler sees the record."""

import logging
import re

# A token is "<bot id>:<secret>"; inside a URL it follows "/bot" up to the next "/".
TOKEN = re.compile(r"(?<![0-9])\d{3,}:[A-Za-z0-9_-]{20,}")
TOKEN_IN_URL = re.compile(r"(/bot)[^/\s'\"]+")

# The loggers that print Bot API URLs: httpx's, and python-telegram-bot's own.
LOGGERS = ("httpx", "telegram", "telegram.Bot", "telegram.BaseRequest", "telegram.HTTPXRequest")


def redact(text: str, token: str = "") -> str:
    """``text`` without any bot token (``token``, if given, is removed wherever it is)."""
    if token:
        text = text.replace(token, "<token>")
    return TOKEN_IN_URL.sub(r"\1<token>", TOKEN.sub("<token>", text))


class TokenRedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Always freeze the text: python-telegram-bot logs getFile's result dict, then
        # writes the file URL (token included) into that same dict.
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken record: its handler reports it
            return True
        record.msg, record.args = redact(message), None
        return True


def install() -> None:
    """Add the filter once to each logger that prints Bot API URLs."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenRedactingFilter) for f in logger.filters):
            logger.addFilter(TokenRedactingFilter())
