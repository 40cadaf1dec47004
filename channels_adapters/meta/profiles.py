"""Customers' names on Messenger and Instagram: the webhook carries only an id, so the name
is asked of the Graph API once a day per person (Django's cache is shared by every process)."""

from django.core.cache import cache

from .graph import GraphClient, GraphError

CACHE_SECONDS = 24 * 3600


def display_name(client: GraphClient, *, channel_id: int, user_id: str, fields: str) -> str:
    """The person's name, or "" when Meta will not say (no permission, a network error)."""
    key = f"meta-profile:{channel_id}:{user_id[:100]}"
    name = cache.get(key)
    if name is not None:
        return name
    try:
        profile = client.get(user_id, params={"fields": fields})
    except GraphError:
        return ""  # not cached: the next message asks again
    parts = [profile.get(field) for field in fields.split(",")]
    # Instagram has a name and a username; the first one present is the name to show.
    if "first_name" not in fields:
        parts = parts[:1] if parts and parts[0] else parts[1:]
    name = " ".join(str(part) for part in parts if part)[:200]
    cache.set(key, name, CACHE_SECONDS)
    return name
