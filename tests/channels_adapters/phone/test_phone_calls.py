"""Calls reported by a telephony system through the phone line's webhook."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from channels_adapters.adapters.stub import sign
from channels_adapters.models import InboundPayload
from inbox.actions import receive_message, send_reply
from inbox.models import Event, Message
from inbox.timeline import reply_channels
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "telephony-S3cret"


@pytest.fixture
def line(make_channel):
    return make_channel("phone", address="+33 1 84 80 00 00",
                        secrets={"webhook_secret": SECRET})


def report(client, line, calls, *, secret=SECRET, raw=None):
    body = raw if raw is not None else json.dumps({"calls": calls}).encode()
    return client.post(reverse("webhook", args=["phone", line.pk]), data=body,
                       content_type="application/json",
                       headers={"X-Threadline-Signature": sign(body, secret)})


def processed(response):
    payload_id = response.json()["payload"]
    wait_for(lambda: InboundPayload.objects.get(pk=payload_id).status != "pending")
    return InboundPayload.objects.get(pk=payload_id)


CALL = {"id": "CA-1", "direction": "inbound", "from": "06 12 34 56 78",
        "to": "+33184800000", "started_at": "2026-11-20T09:30:00+01:00",
        "duration_seconds": 185, "outcome": "answered",
        "summary": "Asked where the order is.", "caller_name": "Ana Costa",
        "recording_url": "https://pbx.example/rec/CA-1.mp3"}


def test_a_reported_call_lands_on_the_customer_who_texted_from_the_same_number(
        client, line, make_channel, make_user, team, celery_worker):
    sms = make_channel("sms", address="+33757591234")
    texted = receive_message(channel=sms, address="+33612345678", text="Hello",
                             external_id="SM1", verified=True)
    agent = make_user("liam", teams=[team])
    agent.email = "Liam@lumen.example"
    agent.save()

    payload = processed(report(client, line, [{**CALL, "agent_email": "liam@lumen.example"}]))

    assert payload.status == "processed" and payload.message_count == 1
    call = Message.objects.get(channel=line, external_id="CA-1")
    assert call.thread == texted.message.thread
    assert call.direction == Message.Direction.CALL and call.author == agent
    assert call.text == "Asked where the order is."
    assert call.metadata["number"] == "+33612345678"
    assert call.metadata["duration_seconds"] == 185
    assert call.metadata["recording_url"] == "https://pbx.example/rec/CA-1.mp3"
    assert call.metadata["occurred_at"] == "2026-11-20T09:30:00+01:00"
    assert Event.objects.filter(type="interaction.logged", thread=call.thread).exists()


def test_an_international_number_and_a_national_one_are_one_customer(
        client, line, celery_worker):
    processed(report(client, line, [{**CALL, "id": "CA-2", "from": "+33 6 12 34 56 78"}]))
    processed(report(client, line, [{**CALL, "id": "CA-3", "from": "0612345678"}]))

    calls = Message.objects.filter(channel=line).order_by("id")
    assert calls.count() == 2
    assert calls[0].thread_id == calls[1].thread_id
    assert calls[0].thread.customer.name == "Ana Costa"


def test_an_outbound_call_is_filed_under_the_number_dialled(client, line, celery_worker):
    processed(report(client, line, [{"id": "CA-4", "direction": "outbound",
                                     "from": "+33184800000", "to": "07 57 59 00 11"}]))

    call = Message.objects.get(external_id="CA-4")
    assert call.metadata["interaction_direction"] == "outbound"
    identity = call.thread.customer.identities.get()
    assert identity.address == "+33757590011" and not identity.verified


def test_a_call_reported_twice_is_logged_once(client, line, celery_worker):
    first, second = report(client, line, [CALL]), report(client, line, [CALL])

    assert processed(first).status == processed(second).status == "processed"
    assert Message.objects.filter(external_id="CA-1").count() == 1


@pytest.mark.parametrize("secret", ["wrong", ""])
def test_a_bad_signature_is_refused_and_nothing_is_stored(client, line, secret):
    response = report(client, line, [CALL], secret=secret or "x")
    if not secret:
        body = json.dumps({"calls": [CALL]}).encode()
        response = client.post(reverse("webhook", args=["phone", line.pk]), data=body,
                               content_type="application/json")

    assert response.status_code == 403
    assert not InboundPayload.objects.exists()


@pytest.mark.parametrize("raw, reason", [
    (b"{not json", "not JSON"),
    (b'["calls"]', "expected"),
    (json.dumps({"calls": [{"direction": "inbound", "from": "+33612345678"}]}).encode(),
     "id is required"),
    (json.dumps({"calls": [{"id": "x", "direction": "sideways", "from": "1"}]}).encode(),
     "direction"),
    (json.dumps({"calls": [{"id": "x", "direction": "inbound", "from": "not a number"}]})
     .encode(), "not a phone number"),
    (json.dumps({"calls": [{"id": "x", "direction": "inbound", "from": "+33612345678",
                            "started_at": "yesterday"}]}).encode(), "started_at"),
    (json.dumps({"calls": [{"id": "x", "direction": "inbound", "from": "+33612345678",
                            "recording_url": "javascript:alert(1)"}]}).encode(),
     "recording_url"),
    (json.dumps({"calls": [{"id": "x", "direction": "inbound", "from": "+33612345678",
                            "duration_seconds": "long"}]}).encode(), "duration"),
    (json.dumps({"calls": [{"id": "x", "direction": "inbound", "from": "+33612345678",
                            "summary": "x" * 200_000}]}).encode(), "the limit is"),
])
def test_a_malformed_report_is_kept_as_failed_with_its_reason(client, line, raw, reason,
                                                              celery_worker):
    payload = processed(report(client, line, None, raw=raw))

    assert payload.status == "failed"
    assert reason in payload.error
    assert not Message.objects.exists()


def test_an_oversized_report_is_refused(client, line):
    calls = [{**CALL, "id": f"CA-{n}", "summary": "x" * 1000} for n in range(1200)]

    assert report(client, line, calls).status_code == 413
    assert not InboundPayload.objects.exists()


def test_a_hostile_summary_is_kept_as_text(client, line, celery_worker):
    processed(report(client, line, [{**CALL, "summary": "<script>alert(1)</script>"}]))

    call = Message.objects.get(external_id="CA-1")
    assert call.text == "<script>alert(1)</script>" and call.html == ""


def test_a_phone_line_is_not_offered_for_written_replies(client, line, make_channel,
                                                         make_user, team, celery_worker):
    sms = make_channel("sms", address="+33757591234")
    processed(report(client, line, [CALL]))
    thread = Message.objects.get(external_id="CA-1").thread

    channels, default = reply_channels(thread, make_user("liam", teams=[team]))

    assert channels == [sms] and default == sms


def test_a_written_reply_forced_onto_a_phone_line_is_refused_with_the_reason(client, line):
    processed(report(client, line, [CALL]))
    thread = Message.objects.get(external_id="CA-1").thread

    with pytest.raises(ValidationError, match="carries no written replies") as refused:
        send_reply(thread=thread, channel=line, author=None, text="Hi")

    assert refused.value.code == "no_written_replies"
    assert not Message.objects.filter(thread=thread, direction="outbound").exists()
