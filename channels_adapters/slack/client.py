"""Talking to Slack's Web API for a channel: the WebClient, users.info (cached), file
downloads, and what a failed call means for a message."""

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.core.cache import cache
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from ..adapters.base import DeliveryError
from ..downloads import TooLarge, read_limited
from ..models import Channel

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://slack.com/api/"
TIMEOUT_SECONDS = 10
PROFILE_CACHE_SECONDS = 3600
# Files a customer shares are downloaded up to this size each; larger ones are skipped.
MAX_FILE_BYTES = 20 * 1024 * 1024

# Slack's error codes that no retry will fix, and what the agent is told.
PERMANENT_ERRORS = {
    "channel_not_found": "The Slack conversation no longer exists, or the bot cannot see it.",
    "not_in_channel": "The bot is not in the Slack channel any more.",
    "is_archived": "The Slack channel is archived.",
    "account_inactive": "The Slack app was uninstalled or its token revoked.",
    "invalid_auth": "Slack refused the bot token: reinstall the app or update the token.",
    "token_revoked": "The Slack app's token was revoked.",
    "user_not_found": "This Slack user no longer exists.",
    "cannot_dm_bot": "Slack does not let the app write to another bot.",
    "msg_too_long": "The message is too long for Slack.",
}


def web_client(channel: Channel) -> WebClient:
    # No retry inside the SDK: delivery retries with back-off, and counts the attempts.
    return WebClient(token=channel.secrets.get("bot_token", ""),
                     base_url=channel.settings.get("api_base_url") or DEFAULT_API_BASE_URL,
                     timeout=TIMEOUT_SECONDS, retry_handlers=[])


def delivery_error(error: Exception) -> DeliveryError:
    """A failed Web API call as a DeliveryError: transient when trying later may work."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        if status == 429 or code == "ratelimited":
            wait = error.response.headers.get("Retry-After", "?")
            return DeliveryError(f"Slack is rate limiting the app (retry after {wait} s).",
                                 transient=True)
        if status >= 500 or code in {"fatal_error", "internal_error", "service_unavailable",
                                     "request_timeout"}:
            return DeliveryError(f"Slack is unavailable (HTTP {status}).", transient=True)
        if code in PERMANENT_ERRORS:
            return DeliveryError(PERMANENT_ERRORS[code], transient=False)
        return DeliveryError(f"Slack refused the message: {code or status}.", transient=False)
    # A connection refused, a timeout, a broken response: the network, not the message.
    return DeliveryError(f"Slack could not be reached: {type(error).__name__}.", transient=True)


CALL_ERRORS = (SlackClientError, OSError, ValueError)


@dataclass(frozen=True)
class SlackProfile:
    name: str = ""
    email: str = ""


def user_profile(channel: Channel, *, workspace: str, user_id: str) -> SlackProfile:
    """The user's name and (Slack-verified) e-mail, cached for an hour per workspace and
    user. A failure gives an empty profile and is not cached: never a reason to lose a
    message."""
    key = f"slack-user:{workspace}:{user_id}"
    cached = cache.get(key)
    if cached is not None:
        return SlackProfile(**cached)
    try:
        user = web_client(channel).users_info(user=user_id)["user"] or {}
    except CALL_ERRORS as error:
        logger.warning("users.info for %s on channel %s failed: %s", user_id, channel.pk,
                       type(error).__name__)
        return SlackProfile()
    profile = user.get("profile") or {}
    found = SlackProfile(
        name=(profile.get("real_name") or user.get("real_name") or profile.get("display_name")
              or user.get("name") or "")[:200],
        email=(profile.get("email") or "")[:254])
    cache.set(key, {"name": found.name, "email": found.email}, PROFILE_CACHE_SECONDS)
    return found


def _may_have_token(channel: Channel, url: str) -> bool:
    """The bot token goes to Slack's own hosts (or the configured API's host) only."""
    parsed, api = urlsplit(url), urlsplit(channel.settings.get("api_base_url") or "")
    host = (parsed.hostname or "").lower()
    if api.hostname and (parsed.scheme, host, parsed.port) == (
            api.scheme, api.hostname.lower(), api.port):
        return True
    return parsed.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com"))


def download_file(channel: Channel, url: str) -> bytes | None:
    """A file a user shared (``url_private``), with the bot token; None when it cannot be
    had or is larger than MAX_FILE_BYTES."""
    if not _may_have_token(channel, url):
        logger.warning("file URL of channel %s is not Slack's: skipped", channel.pk)
        return None
    headers = {"Authorization": f"Bearer {channel.secrets.get('bot_token', '')}"}
    try:
        with httpx.stream("GET", url, headers=headers, timeout=TIMEOUT_SECONDS,
                          follow_redirects=True) as response:
            if response.status_code != 200:
                logger.warning("file download for channel %s: HTTP %s", channel.pk,
                               response.status_code)
                return None
            return read_limited(response, MAX_FILE_BYTES)
    except TooLarge:
        logger.warning("file for channel %s over %s bytes: skipped", channel.pk, MAX_FILE_BYTES)
        return None
    except httpx.HTTPError as error:
        logger.warning("file download for channel %s failed: %s", channel.pk,
                       type(error).__name__)
        return None


def escape(text: str) -> str:
    """Text shown as is in a Slack message (its mrkdwn reads &, < and > as markup)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
