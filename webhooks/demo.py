"""The demo's webhook endpoint (``manage.py load_demo``): inactive, since nobody listens at
example.com, with deliveries of the demo's last events to look at in the back office."""

from inbox.models import Event, User

from .actions import deliveries_create, endpoint_create
from .models import WebhookEndpoint

DEMO_URL = "https://crm.example.com/threadline/events"


def demo_endpoint(*, owner: User) -> WebhookEndpoint:
    endpoint = endpoint_create(
        url=DEMO_URL, description="Demo CRM (inactive: point it at your own receiver)",
        event_types=["message.received", "reply.queued", "thread.status_changed"],
        all_teams=True, is_active=False, created_by=owner)
    deliveries_create(events=list(Event.objects.order_by("-id")[:20]), endpoints=[endpoint])
    return endpoint
