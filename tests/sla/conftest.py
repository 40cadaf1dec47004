"""SLA policies as an admin enters them, and a customer who writes on a chosen channel at a
chosen time."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from inbox.actions import receive_message
from sla.models import SlaPolicy
from tests.hours.conftest import set_hours  # noqa: F401 - the business hours fixture

MONDAY_10H = datetime(2026, 3, 2, 10, tzinfo=UTC)


@pytest.fixture
def make_policy(db):
    def make(name="Standard", *, priority=None, channel_kind="", first_response_minutes=60,
             resolution_hours=8, business_hours_only=False):
        return SlaPolicy.objects.create(
            name=name, priority=priority, channel_kind=channel_kind,
            first_response_minutes=first_response_minutes, resolution_hours=resolution_hours,
            business_hours_only=business_hours_only)

    return make


@pytest.fixture
def mailbox(make_channel):
    return make_channel("email", name="Support mailbox", address="support@shop.example")


@pytest.fixture
def customer_writes(mailbox):
    sent = [0]

    def write(at=None, *, channel=None, address="ana@example.com", text="Where is my parcel?"):
        sent[0] += 1
        with time_machine.travel(at or timezone.now(), tick=False):
            return receive_message(channel=channel or mailbox, address=address, text=text,
                                   verified=True, display_name="Ana Lima",
                                   external_id=f"sla-{sent[0]}").message

    return write
