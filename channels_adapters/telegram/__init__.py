"""Telegram's Bot API through python-telegram-bot: reading updates, fetching their media,
sending replies, registering the webhook, and keeping the bot token out of every log line
(the token is part of every Bot API URL)."""
