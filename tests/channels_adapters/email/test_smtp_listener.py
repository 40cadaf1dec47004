"""The SMTP listener (aiosmtpd) for forwarded mail: only our channels' addresses, stored
before the 250, and refused clearly otherwise."""

import smtplib

import pytest
from aiosmtpd.controller import Controller

from channels_adapters.email.smtp_listener import InboundMailHandler, smtp_server_factory
from channels_adapters.models import InboundPayload
from inbox.models import Message
from tests.channels_adapters.email.test_imap_poller import mail
from tests.helpers import wait_for
from tests.mail_servers import free_port

# Stored mail is processed by a task: the real worker's, on the production stack.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


class ListenerController(Controller):
    def factory(self):
        return smtp_server_factory()()


@pytest.fixture
def listener():
    controller = ListenerController(InboundMailHandler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mailbox(make_channel, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_channel("email", name="Support", address="Support@Shop.test")


def send(listener, recipients, raw) -> dict:
    with smtplib.SMTP(listener.hostname, listener.port) as client:
        return client.sendmail("ana@example.com", recipients, raw)


def processed(payload: InboundPayload) -> InboundPayload:
    """The payload once its task has run (a worker's, on the production stack)."""
    wait_for(lambda: InboundPayload.objects.get(pk=payload.pk).status != "pending", timeout=30)
    return InboundPayload.objects.get(pk=payload.pk)


def test_mail_for_a_channel_is_stored_and_becomes_a_message(listener, mailbox):
    refused = send(listener, ["support@shop.test"], mail(body="Hello over SMTP"))

    assert refused == {}
    payload = processed(InboundPayload.objects.get(channel=mailbox))
    assert payload.status == "processed", payload.error
    assert payload.headers["x-smtp-rcpt-to"] == "support@shop.test"
    assert Message.objects.get(channel=mailbox).text == "Hello over SMTP"


def test_a_plus_address_reaches_its_channel(listener, mailbox):
    send(listener, ["support+orders@shop.test"], mail())

    assert InboundPayload.objects.filter(channel=mailbox).count() == 1


def test_an_unknown_recipient_is_refused_so_we_are_no_open_relay(listener, mailbox):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(listener, ["someone@elsewhere.test"], mail())

    code, text = refused.value.recipients["someone@elsewhere.test"]
    assert code == 550 and b"no mailbox here" in text
    assert not InboundPayload.objects.exists()


def test_one_known_recipient_among_unknown_ones_is_stored_once(listener, mailbox):
    refused = send(listener, ["nobody@shop.test", "support@shop.test", "SUPPORT@shop.test"],
                   mail())

    assert list(refused) == ["nobody@shop.test"]
    assert InboundPayload.objects.filter(channel=mailbox).count() == 1


def test_an_inactive_channel_receives_nothing(listener, mailbox):
    mailbox.is_active = False
    mailbox.save()

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(listener, ["support@shop.test"], mail())


def test_an_unreadable_mail_is_kept_raw_and_flagged(listener, mailbox):
    send(listener, ["support@shop.test"], b"\x00\xff not a mail at all")

    payload = processed(InboundPayload.objects.get(channel=mailbox))
    assert payload.status == "failed" and payload.error
    assert bytes(payload.body).startswith(b"\x00\xff")


def test_an_oversized_mail_is_refused_by_the_server(settings, mailbox):
    settings.THREADLINE_MAX_MAIL_BYTES = 10_000
    controller = ListenerController(InboundMailHandler(), hostname="127.0.0.1",
                                    port=free_port())
    controller.start()
    try:
        with pytest.raises(smtplib.SMTPException) as refused:
            send(controller, ["support@shop.test"], mail(body="x" * 50_000))
    finally:
        controller.stop()
    assert "552" in str(refused.value)
    assert not InboundPayload.objects.exists()
