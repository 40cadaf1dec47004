"""What keeps the widget's endpoints to the sites and the pace a company allows: the
channel's origin list, and rate limits kept in Django's cache (Redis on the production stack,
so every server process counts the same visitor together)."""

import hashlib
import time
from urllib.parse import urlsplit

from django.conf import settings

from config.process_cache import process_cache

from ..models import Channel

# Messages a visitor may send per minute unless the channel says otherwise.
DEFAULT_MESSAGES_PER_MINUTE = 20


def normalise_origin(origin: str) -> str:
    """``https://Shop.Example:443/`` → ``https://shop.example``; "" if it is not an origin."""
    parts = urlsplit((origin or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    default_port = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port
    except ValueError:
        return ""
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")


def origin_allowed(channel: Channel, origin: str | None) -> bool:
    """Whether a page of ``origin`` may use the channel's widget.

    ``settings["allowed_origins"]`` lists origins (``https://shop.example``), or ``"*"`` for
    any site. No Origin at all is a native app, not a browser page (browsers always send one
    on WebSockets and cross-origin requests): allowed unless ``allow_apps`` is false.
    """
    options = channel.settings or {}
    if not origin:
        return options.get("allow_apps", True) is not False
    allowed = options.get("allowed_origins") or []
    if isinstance(allowed, str):
        allowed = [allowed]
    if "*" in allowed:
        return True
    wanted = normalise_origin(origin)
    return bool(wanted) and wanted in {normalise_origin(str(entry)) for entry in allowed}


def max_text_length() -> int:
    return min(settings.THREADLINE_WEBCHAT_MAX_TEXT_LENGTH, settings.THREADLINE_MAX_TEXT_LENGTH)


def visitors_per_minute() -> int:
    return settings.THREADLINE_WEBCHAT_VISITORS_PER_MINUTE


def messages_per_minute(channel: Channel) -> int:
    try:
        return max(int((channel.settings or {}).get("messages_per_minute",
                                                     DEFAULT_MESSAGES_PER_MINUTE)), 1)
    except (TypeError, ValueError):
        return DEFAULT_MESSAGES_PER_MINUTE


def within_rate(scope: str, who: str, *, limit: int, window_seconds: int = 60) -> bool:
    """Count one more hit of ``who`` in the current window; False once over ``limit``.

    A fixed window in the cache: ``add`` starts it with its expiry, ``incr`` is atomic on
    Redis, so concurrent servers never both let the last one through.
    """
    window = int(time.time() // window_seconds)
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    key = f"webchat:rate:{scope}:{digest}:{window}"
    process_cache().add(key, 0, timeout=window_seconds + 5)
    try:
        count = process_cache().incr(key)
    except ValueError:  # expired between add and incr
        process_cache().add(key, 1, timeout=window_seconds + 5)
        count = 1
    return count <= limit
