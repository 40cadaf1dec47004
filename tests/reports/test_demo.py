"""The demo's four weeks of past conversations: the report pages of ``make run`` have data."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from inbox.models import Thread
from reports.metrics import Filters, first_response_times, resolution_times
from reports.models import Episode

pytestmark = pytest.mark.django_db


def test_the_demo_has_weeks_of_resolved_conversations():
    call_command("load_demo", verbosity=0)
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    past = Filters(start=today - timedelta(days=28), end=today)
    [first_response] = first_response_times(past)
    [resolution] = resolution_times(past)
    assert first_response.count >= 30 and first_response.median > 0
    assert resolution.count >= 30 and resolution.median > first_response.median
    started = Episode.objects.filter(started_at__lt=today).values_list("started_at", flat=True)
    assert min(started) >= today - timedelta(days=28)
    # The past is resolved; the open threads and the newest activity are the stories'.
    past_threads = Thread.objects.filter(last_activity_at__lt=today)
    assert not past_threads.exclude(status=Thread.Status.RESOLVED).exists()
    newest = Thread.objects.order_by("-last_activity_at").first()
    assert newest.last_activity_at >= today
