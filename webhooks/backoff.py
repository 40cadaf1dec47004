"""When a failed delivery is tried again: 30 s, 1 min, 2 min, 4 min… doubling up to an hour
between attempts, each shortened by up to a fifth at random (so endpoints that came back
are not hit by every waiting delivery at once), for a day after the first attempt."""

import random
from datetime import datetime, timedelta

from django.conf import settings


def retry_delay(failed_attempts: int) -> float:
    """Seconds to wait after the ``failed_attempts``-th failed attempt."""
    delay = min(settings.THREADLINE_WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(failed_attempts - 1, 0),
                settings.THREADLINE_WEBHOOK_RETRY_MAX_SECONDS)
    return delay * random.uniform(0.8, 1.0)


def retry_deadline(first_attempt_at: datetime) -> datetime:
    return first_attempt_at + timedelta(seconds=settings.THREADLINE_WEBHOOK_RETRY_FOR_SECONDS)
