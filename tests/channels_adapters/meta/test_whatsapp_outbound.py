"""Agent replies on WhatsApp: one correct Cloud API call each; Meta's errors retried or
shown to the agent with a reason they can act on."""

import logging

import pytest

from channels_adapters.delivery import Outcome, deliver
from inbox.actions import NewAttachment, receive_message, send_reply
from inbox.models import Message
from tests.helpers import wait_for

from .conftest import PHONE_NUMBER_ID

CUSTOMER = "+16505551234"
TEMPLATES = [{"name": "order_update", "language": "en_US", "category": "UTILITY",
              "body": "Hello {{1}}, your order {{2}} has shipped."}]


def given_reply(channel, *, text="We have it in blue.", **fields) -> Message:
    received = receive_message(channel=channel, address=CUSTOMER, text="Blue?",
                               external_id="wamid.IN1", display_name="Sheena")
    return send_reply(thread=received.message.thread, channel=channel, author=None, text=text,
                      **fields)


def fresh(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


@pytest.mark.django_db(transaction=True)
def test_a_reply_is_one_cloud_api_call(whatsapp_channel, graph, celery_worker):
    reply = given_reply(whatsapp_channel)

    sent = wait_for(lambda: Message.objects.filter(pk=reply.pk, delivery_status="sent").first())

    assert sent.external_id == "wamid.OUT1"
    [call] = graph.calls
    assert (call.method, call.path) == ("POST", f"/v21.0/{PHONE_NUMBER_ID}/messages")
    assert call.headers["authorization"] == f"Bearer {graph.token}"
    assert call.json == {"messaging_product": "whatsapp", "recipient_type": "individual",
                         "to": "16505551234", "type": "text",
                         "text": {"body": "We have it in blue.", "preview_url": False}}


@pytest.mark.django_db(transaction=True)
def test_a_template_is_sent_with_its_parameters(whatsapp_channel, graph, celery_worker):
    whatsapp_channel.settings = {**whatsapp_channel.settings, "templates": TEMPLATES}
    whatsapp_channel.save()

    reply = given_reply(whatsapp_channel, text="", template={
        "name": "order_update", "language": "en_US", "parameters": ["Sheena", "A-42"]})

    wait_for(lambda: fresh(reply).delivery_status == "sent")
    assert fresh(reply).text == "Hello Sheena, your order A-42 has shipped."
    [call] = graph.calls
    assert call.json == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "16505551234",
        "type": "template", "template": {
            "name": "order_update", "language": {"code": "en_US"},
            "components": [{"type": "body", "parameters": [
                {"type": "text", "text": "Sheena"}, {"type": "text", "text": "A-42"}]}]}}


@pytest.mark.django_db
def test_a_file_is_uploaded_then_sent_with_the_text_as_caption(whatsapp_channel, graph):
    reply = given_reply(whatsapp_channel, text="Here is your invoice.", attachments=[
        NewAttachment("invoice.pdf", b"%PDF-1.4 invoice", "application/pdf")])

    assert deliver(reply.pk) is Outcome.SENT

    upload, send = graph.calls
    assert upload.path == f"/v21.0/{PHONE_NUMBER_ID}/media"
    assert upload.form["messaging_product"] == (None, b"whatsapp")
    assert upload.form["type"] == (None, b"application/pdf")
    assert upload.form["file"] == ("invoice.pdf", b"%PDF-1.4 invoice")
    assert send.json["type"] == "document"
    assert send.json["document"] == {"id": "uploaded-1", "filename": "invoice.pdf",
                                     "caption": "Here is your invoice."}
    assert fresh(reply).external_id == "wamid.OUT1"


@pytest.mark.django_db
def test_provider_5xx_is_retried_then_failed_with_a_reason(whatsapp_channel, graph, settings):
    settings.THREADLINE_DELIVERY_MAX_RETRIES = 2
    graph.failures = ["500"] * 3
    reply = given_reply(whatsapp_channel)

    outcomes = [deliver(reply.pk) for _ in range(3)]

    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.FAILED]
    assert len(graph.calls_to("/messages")) == 3
    failed = fresh(reply)
    assert failed.delivery_status == "failed"
    assert failed.delivery_error.startswith("Meta is unavailable or busy: An unexpected error")


@pytest.mark.django_db
def test_a_5xx_then_success_sends_once(whatsapp_channel, graph):
    graph.failures = ["500"]
    reply = given_reply(whatsapp_channel)

    assert [deliver(reply.pk), deliver(reply.pk)] == [Outcome.RETRY, Outcome.SENT]
    assert graph.sent == 1 and fresh(reply).external_id == "wamid.OUT1"


@pytest.mark.django_db
def test_a_rate_limit_is_retried(whatsapp_channel, graph):
    graph.failures = ["rate_limit"]
    reply = given_reply(whatsapp_channel)

    assert deliver(reply.pk) is Outcome.RETRY


@pytest.mark.django_db
def test_outside_the_24_hour_window_it_fails_at_once_with_the_reason(whatsapp_channel, graph):
    graph.failures = ["131047"]
    reply = given_reply(whatsapp_channel)

    assert deliver(reply.pk) is Outcome.FAILED

    failed = fresh(reply)
    assert failed.delivery_attempts == 1
    assert failed.delivery_error == ("More than 24 hours have passed since the customer last "
                                     "wrote: only an approved template can be sent.")


@pytest.mark.django_db
def test_an_undeliverable_message_fails_with_metas_words(whatsapp_channel, graph):
    graph.failures = ["131026"]
    reply = given_reply(whatsapp_channel)

    assert deliver(reply.pk) is Outcome.FAILED
    assert fresh(reply).delivery_error == (
        "Meta refused the message: (#131026) Message Undeliverable.")


@pytest.mark.django_db
def test_an_unreachable_graph_api_is_retried(whatsapp_channel, graph):
    graph.stop()  # nothing listens on its port any more
    reply = given_reply(whatsapp_channel)

    assert deliver(reply.pk) is Outcome.RETRY
    graph.start()  # for the fixture's teardown


@pytest.mark.django_db
def test_a_refused_token_is_a_clear_reason_that_hides_the_token(whatsapp_channel, graph):
    whatsapp_channel.secrets = {**whatsapp_channel.secrets, "access_token": "EAAG-revoked"}
    whatsapp_channel.save()
    reply = given_reply(whatsapp_channel)

    assert deliver(reply.pk) is Outcome.FAILED
    error = fresh(reply).delivery_error
    assert error == ("Meta refused the channel's access token: update it in the channel "
                     "settings.")
    assert "EAAG" not in error


@pytest.mark.django_db
def test_the_token_never_appears_in_the_logs(whatsapp_channel, graph, caplog):
    caplog.set_level(logging.DEBUG)
    graph.failures = ["500"]
    reply = given_reply(whatsapp_channel)

    deliver(reply.pk)
    deliver(reply.pk)

    assert graph.calls and graph.token not in caplog.text
    assert all(graph.token not in call.path for call in graph.calls)
