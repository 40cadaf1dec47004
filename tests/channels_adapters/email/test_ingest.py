"""Stored mail becomes messages in the sender's one thread (the poller and the SMTP listener
store mail as payloads; these tests process such payloads)."""

from pathlib import Path

import pytest

from channels_adapters.inbound import process_payload, store_payload
from inbox.actions import change_status
from inbox.models import Message, Thread

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def mailbox(make_channel, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_channel("email", name="Support mailbox", address="support@example.com")


def ingest(mailbox, name_or_bytes):
    raw = (FIXTURES / name_or_bytes).read_bytes() if isinstance(name_or_bytes, str) \
        else name_or_bytes
    payload = store_payload(channel=mailbox, headers={}, body=raw)
    return process_payload(payload.pk)


def test_a_reply_shows_its_new_part_and_keeps_the_history(mailbox):
    payload = ingest(mailbox, "gmail_reply.eml")

    assert payload.status == "processed", payload.error
    message = Message.objects.get(channel=mailbox)
    assert message.direction == "inbound" and message.identity.kind == "email"
    assert len(message.text) < len(message.metadata["full_text"])
    assert message.metadata["message_id"] and message.external_id.startswith("<")


def test_the_same_mail_twice_is_one_message(mailbox):
    ingest(mailbox, "plain_text.eml")
    ingest(mailbox, "plain_text.eml")

    assert Message.objects.filter(channel=mailbox).count() == 1


def test_attachments_are_kept_with_the_message(mailbox):
    ingest(mailbox, "mixed_pdf_attachment.eml")

    message = Message.objects.get(channel=mailbox)
    attachment = message.attachments.get()
    assert attachment.content_type == "application/pdf" and attachment.size > 0


def test_an_out_of_office_is_recorded_but_does_not_reopen(mailbox):
    raw = (FIXTURES / "out_of_office.eml").read_bytes()
    assert ingest(mailbox, raw).status == "processed"
    thread = Thread.objects.get()
    change_status(thread=thread, status="resolved")

    # the same sender's next auto-reply
    assert ingest(mailbox, raw.replace(b"Message-ID: <", b"Message-ID: <again-")).status \
        == "processed"

    thread.refresh_from_db()
    assert thread.status == "resolved"
    assert Message.objects.filter(metadata__automatic=True).count() == 2


@pytest.mark.parametrize("raw", [b"", b"\x00\xff garbage", b"Subject: nothing else\n\n"])
def test_what_is_not_an_email_stays_stored_raw_and_flagged(mailbox, raw):
    payload = ingest(mailbox, raw)

    assert payload.status == "failed" and payload.error
    assert bytes(payload.body) == raw
    assert not Message.objects.exists()


def test_every_fixture_is_either_a_message_or_a_flagged_payload(mailbox):
    for path in sorted(FIXTURES.glob("*.eml")):
        payload = ingest(mailbox, path.name)
        assert payload.status in {"processed", "failed"}, path.name
        if payload.status == "failed":
            assert payload.error, path.name


def test_a_mail_longer_than_a_message_may_be_is_cut_and_attached_whole(mailbox, settings):
    payload = ingest(mailbox, "huge_line.eml")

    assert payload.status == "processed", payload.error
    message = Message.objects.get(channel=mailbox)
    assert len(message.text) <= settings.THREADLINE_MAX_TEXT_LENGTH
    whole = message.attachments.get(filename="full-message.txt")
    assert whole.size > settings.THREADLINE_MAX_TEXT_LENGTH


def test_inline_images_keep_their_cid_reference(mailbox):
    ingest(mailbox, "related_inline_image.eml")

    message = Message.objects.get(channel=mailbox)
    assert 'src="cid:' in message.html
    assert message.attachments.filter(inline=True).exists()
