"""Computing the report pages' medians and percentiles ahead of the supervisors.

Each percentile query sorts every duration of its range: about 0.1 s per breakdown for
100,000 conversations, eight of them on the response-times page. Counts are cheap and read
fresh, but these are kept (reports/metrics.py), and the ranges everyone opens — the form's
presets over all teams, channels and agents — are computed again by Celery beat every
THREADLINE_REPORTS_CACHE_SECONDS, so that no supervisor waits for them. Figures are then at
most that old; any other filter is computed when first asked for and kept as long.
"""

from datetime import timedelta

from django.utils import timezone

from . import metrics
from .filters import PRESETS, local_midnight

BREAKDOWNS = ("all", "channel", "team", "agent")


def preset_filters() -> list[metrics.Filters]:
    """The form's preset ranges (today, 7, 30 and 90 days), unfiltered, as the pages read
    them."""
    today = timezone.localdate()
    return [metrics.Filters(start=local_midnight(today - timedelta(days=days - 1)),
                            end=local_midnight(today + timedelta(days=1)))
            for days in sorted(set(PRESETS.values()))]


def warm_percentiles() -> int:
    """Compute and keep the presets' medians and percentiles by every breakdown; how many
    were computed."""
    computed = 0
    for filters in preset_filters():
        for by in BREAKDOWNS:
            metrics.first_response_times(filters, by, refresh=True)
            metrics.resolution_times(filters, by, refresh=True)
            computed += 2
    return computed
