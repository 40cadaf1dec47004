"""A customer who writes while their team is closed gets one automatic reply per
conversation, with the next opening time; none when the team is open or has no reply set.

The ``transaction=True`` test goes through the real path: the message commits, the listener
hands it to the task (the worker on the production stack, eager Celery on the embedded one).
The others call ``send_out_of_hours_reply`` inside the test's transaction, at a chosen time."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from bot.models import Article, BotConversation, BotSettings
from hours.actions import send_out_of_hours_reply
from hours.models import OutOfHoursReply
from inbox.actions import change_status, receive_message, send_reply
from inbox.models import Message
from tests.helpers import wait_for
from tests.hours.conftest import OFFICE_WEEK

TEXT = "We are closed. We open again {next_opening}."
MONDAY_NIGHT = datetime(2026, 3, 2, 21, tzinfo=UTC)  # 22:00 in Paris


@pytest.fixture
def mailbox(make_channel):
    return make_channel("email", name="Support mailbox", address="support@shop.example")


class Customer:
    def __init__(self, channel):
        self.channel, self.sent = channel, 0

    def writes(self, text="Where is my parcel?", **fields) -> Message:
        self.sent += 1
        return receive_message(channel=self.channel, address="ana@example.com", text=text,
                               display_name="Ana Lima", verified=True,
                               external_id=f"ooh-{self.sent}-{timezone.now().timestamp()}",
                               **fields).message


def automatic_replies(thread) -> list[Message]:
    return list(Message.objects.filter(thread=thread, direction="outbound",
                                       metadata__out_of_hours=True).order_by("id"))


@pytest.mark.django_db
def test_one_reply_per_conversation_with_the_next_opening(team, mailbox, set_hours, agent):
    set_hours(team, "Europe/Paris", OFFICE_WEEK, reply=True, text=TEXT)
    customer = Customer(mailbox)
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        first = customer.writes()
        reply = send_out_of_hours_reply(message=first)
        second = customer.writes("Hello?")
        assert send_out_of_hours_reply(message=second) is None
        assert send_out_of_hours_reply(message=first) is None  # the task run twice
    [sent] = automatic_replies(first.thread)
    assert reply.message == sent and reply.thread == first.thread
    assert sent.text == "We are closed. We open again Tuesday 3 March at 09:00 (Europe/Paris)."
    assert sent.metadata["automatic"] is True and sent.author is None
    assert sent.channel == mailbox and sent.delivery_status == "queued"

    # resolved, then the customer writes at night again: a new conversation, a new reply
    with time_machine.travel(MONDAY_NIGHT + timedelta(hours=1), tick=False):
        change_status(thread=first.thread, status="resolved", by=agent)
        third = customer.writes("Me again")
        assert send_out_of_hours_reply(message=third) is not None
    assert len(automatic_replies(first.thread)) == 2
    assert OutOfHoursReply.objects.count() == 2


@pytest.mark.django_db
def test_no_reply_while_the_team_is_open(team, mailbox, set_hours):
    set_hours(team, "Europe/Paris", OFFICE_WEEK, reply=True, text=TEXT)
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=UTC), tick=False):  # 11:00
        message = Customer(mailbox).writes()
        assert send_out_of_hours_reply(message=message) is None
    assert automatic_replies(message.thread) == []


@pytest.mark.django_db
def test_no_reply_without_hours_or_with_the_reply_off(team, other_team, make_channel, set_hours):
    set_hours(team, "Europe/Paris", OFFICE_WEEK, reply=False, text=TEXT)
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        silent = make_channel("email", name="A", address="a@shop.example")
        closed_but_silent = Customer(silent).writes()
        no_hours = receive_message(
            channel=make_channel("email", name="B", address="b@shop.example",
                                 channel_team=other_team),
            address="bob@example.com", text="Hi", external_id="b-1").message
        assert send_out_of_hours_reply(message=closed_but_silent) is None
        assert send_out_of_hours_reply(message=no_hours) is None
    assert Message.objects.filter(direction="outbound").count() == 0


@pytest.mark.django_db
def test_an_automatic_message_from_the_customer_gets_no_reply(team, mailbox, set_hours):
    set_hours(team, "Europe/Paris", OFFICE_WEEK, reply=True, text=TEXT)
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        vacation_notice = Customer(mailbox).writes("I am away", automatic=True)
        assert send_out_of_hours_reply(message=vacation_notice) is None


@pytest.mark.django_db
def test_a_voicemail_gets_no_written_reply(team, make_channel, set_hours):
    set_hours(team, "Europe/Paris", OFFICE_WEEK, reply=True, text=TEXT)
    hotline = make_channel("phone", name="Support hotline")
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        voicemail = receive_message(channel=hotline, address="+33 6 12 34 56 78",
                                    text="Voicemail: call me back").message
        assert send_out_of_hours_reply(message=voicemail) is None
    assert automatic_replies(voicemail.thread) == []


@pytest.mark.django_db
def test_a_late_task_for_a_message_of_an_earlier_conversation_sends_nothing(team, mailbox,
                                                                             set_hours, agent):
    set_hours(team, "Europe/Paris", OFFICE_WEEK, reply=True, text=TEXT)
    customer = Customer(mailbox)
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        earlier = customer.writes("First question")
    with time_machine.travel(MONDAY_NIGHT + timedelta(minutes=30), tick=False):
        change_status(thread=earlier.thread, status="resolved", by=agent)
    with time_machine.travel(MONDAY_NIGHT + timedelta(hours=1), tick=False):
        customer.writes("Another question")
        assert send_out_of_hours_reply(message=earlier) is None  # its task ran late
    assert automatic_replies(earlier.thread) == []


@pytest.mark.django_db
def test_an_agent_reply_is_not_an_out_of_hours_reply(team, mailbox, set_hours, agent):
    """The agent answering at night does not stop the one automatic reply of a conversation
    the customer started at night, and the reports count only the agent's."""
    set_hours(team, "Europe/Paris", OFFICE_WEEK, reply=True, text=TEXT)
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        message = Customer(mailbox).writes()
        send_out_of_hours_reply(message=message)
        send_reply(thread=message.thread, channel=mailbox, author=agent, text="On it.")
    from reports.models import Episode

    episode = Episode.objects.get(thread=message.thread)
    assert episode.first_responder == agent


@pytest.mark.django_db(transaction=True)
def test_a_customer_writing_when_closed_gets_the_reply_through_the_listener(
        celery_worker, team, mailbox, set_hours):
    # Open on one weekday only, two days from today: closed now whatever the time.
    opening_day = (timezone.now() + timedelta(days=2)).astimezone(UTC)
    set_hours(team, "UTC", {opening_day.weekday(): [("09:00", "10:00")]}, reply=True,
              text=TEXT)
    customer = Customer(mailbox)
    first = customer.writes()
    [sent] = wait_for(lambda: automatic_replies(first.thread) or None, timeout=60)
    assert sent.text.startswith("We are closed. We open again ")
    assert sent.text.endswith(f"{opening_day.day} {opening_day:%B} at 09:00 (UTC).")
    customer.writes("Anyone?")
    wait_for(lambda: Message.objects.filter(thread=first.thread, direction="inbound").count() == 2)
    # the second message's task, if it ran, sent nothing more
    assert len(automatic_replies(first.thread)) == 1


@pytest.fixture
def bot(team):
    Article.objects.create(team=team, question="Where is my parcel?",
                           answer="Parcels arrive within 2 to 4 working days.")
    return BotSettings.objects.create(team=team, enabled=True, greeting_text="",
                                      follow_up_text="", hand_off_text="")


@pytest.mark.django_db
def test_no_reply_while_the_bot_answers_the_customer(team, mailbox, set_hours, bot):
    set_hours(team, "Europe/Paris", OFFICE_WEEK, reply=True, text=TEXT)
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        message = Customer(mailbox).writes("Where is my parcel?")
        assert send_out_of_hours_reply(message=message) is None
    assert automatic_replies(message.thread) == []


@pytest.mark.django_db(transaction=True)
def test_the_bot_hands_a_closed_teams_customer_over_and_then_the_reply_goes(
        celery_worker, team, mailbox, set_hours, bot):
    opening_day = (timezone.now() + timedelta(days=2)).astimezone(UTC)
    set_hours(team, "UTC", {opening_day.weekday(): [("09:00", "10:00")]}, reply=True,
              text=TEXT)
    customer = Customer(mailbox)
    first = customer.writes("Where is my parcel?")
    wait_for(lambda: Message.objects.filter(thread=first.thread, direction="outbound",
                                            metadata__has_key="bot").exists(), timeout=60)
    assert automatic_replies(first.thread) == []

    customer.writes("I want to talk to a person")

    [sent] = wait_for(lambda: automatic_replies(first.thread) or None, timeout=60)
    assert sent.text.startswith("We are closed. We open again ")
    assert BotConversation.objects.get(thread=first.thread).state == "handed_off"
