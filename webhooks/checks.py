"""A configuration check: outgoing-webhook retries wait in the broker, held by a worker, for
up to THREADLINE_WEBHOOK_RETRY_MAX_SECONDS; with the Redis broker a task held longer than
BROKER_VISIBILITY_TIMEOUT is handed to a second worker too, so each such retry would be
delivered twice."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def visibility_outlasts_retries(app_configs=None, **kwargs) -> list[Warning]:
    if not getattr(settings, "REDIS_URL", ""):
        return []  # embedded mode: no broker holds a countdown
    visibility = settings.BROKER_VISIBILITY_TIMEOUT
    longest_wait = settings.THREADLINE_WEBHOOK_RETRY_MAX_SECONDS
    if visibility > longest_wait:
        return []
    return [Warning(
        f"BROKER_VISIBILITY_TIMEOUT ({visibility} s) is not above "
        f"THREADLINE_WEBHOOK_RETRY_MAX_SECONDS ({longest_wait:g} s): a webhook retry waiting "
        "that long is handed to a second worker and delivered twice.",
        hint="Raise BROKER_VISIBILITY_TIMEOUT a few minutes above the longest retry wait.",
        id="webhooks.W001")]
