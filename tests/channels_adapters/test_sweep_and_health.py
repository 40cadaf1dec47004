"""The periodic sweep re-queues what a lost broker message left behind; the health command
says how each channel is doing."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from channels_adapters.inbound import requeue_stuck
from channels_adapters.models import InboundPayload
from inbox.actions import receive_message
from inbox.models import Message
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reply_and_a_payload_whose_task_was_lost_are_sent_again(make_channel, celery_worker):
    # given a reply and a payload written while the broker lost their tasks
    channel = make_channel("sms")
    thread = receive_message(channel=channel, address="+33612345678", text="hi").message.thread
    reply = Message.objects.create(thread=thread, channel=channel, direction="outbound",
                                   text="lost", delivery_status="queued",
                                   identity=thread.customer.identities.get())
    payload = InboundPayload.objects.create(channel=channel, headers={}, body=json.dumps(
        {"messages": [{"id": "sm1", "from": "+33612345678", "text": "lost too"}]}).encode())
    long_ago = timezone.now() - timedelta(minutes=5)
    Message.objects.filter(pk=reply.pk).update(created_at=long_ago)
    InboundPayload.objects.filter(pk=payload.pk).update(received_at=long_ago)

    assert requeue_stuck() == {"replies": 1, "payloads": 1}

    wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == "sent")
    wait_for(lambda: InboundPayload.objects.get(pk=payload.pk).status == "processed")
    assert Message.objects.filter(external_id="sm1").count() == 1


def test_fresh_work_is_left_to_its_own_task(make_channel):
    channel = make_channel("sms")
    InboundPayload.objects.create(channel=channel, headers={}, body=b"{}")
    assert requeue_stuck() == {"replies": 0, "payloads": 0}


def test_channel_health_lists_each_channel_with_its_troubles(make_channel, celery_worker):
    quiet = make_channel("telegram", name="Quiet bot")
    make_channel("email", name="Unused mailbox")
    broken = make_channel("sms", name="Broken gateway", settings={"stub_fail": "permanent"})
    for _ in range(3):  # several payloads must not multiply the message counts
        InboundPayload.objects.create(channel=broken, headers={}, body=b"{", status="failed",
                                      error="not JSON: Expecting property name")
    thread = receive_message(channel=broken, address="+33612345678", text="hi").message.thread
    from inbox.actions import send_reply

    reply = send_reply(thread=thread, channel=broken, author=None, text="refused")
    wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == "failed")
    receive_message(channel=quiet, address="42", text="hi")
    output = io.StringIO()

    call_command("channel_health", stdout=output)

    lines = {line.split()[0] + " " + line.split()[1]: line for line in
             output.getvalue().splitlines()[1:]}
    assert "not JSON" in lines["Broken gateway"]
    assert lines["Broken gateway"].split()[6:8] == ["0", "1"]  # queued, failed
    assert "never" not in lines["Quiet bot"]
    assert "never" in lines["Unused mailbox"]
