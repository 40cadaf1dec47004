"""The demo's SLA policies (``manage.py load_demo``) and the clocks of its open
conversations, as the listener's task would have given them."""

from reports.models import Episode

from .actions import start_clock
from .models import SlaPolicy


def demo_sla_policies(demo) -> None:
    SlaPolicy.objects.create(name="Standard", first_response_minutes=60, resolution_hours=24,
                             business_hours_only=True)
    SlaPolicy.objects.create(name="Web chat", channel_kind="webchat", first_response_minutes=10,
                             resolution_hours=8)
    SlaPolicy.objects.create(name="Urgent", priority=4, first_response_minutes=15,
                             resolution_hours=4)
    for thread_id in (Episode.objects.filter(resolved_at=None, thread__isnull=False)
                      .order_by("started_at").values_list("thread_id", flat=True)):
        start_clock(thread_id=thread_id)
