"""The one write of business hours: the automatic reply to a customer who wrote while their
team was closed, at most once per conversation (episode).

It goes out through ``send_reply`` as an automatic message on the channel the customer wrote
on: it joins the timeline, its adapter delivers it with retries, and the reports do not
count it as an agent's reply. While the first-line bot (bot/) is answering the conversation
it waits: a customer the bot helps needs no "we are closed"; one it hands to a person gets
the reply then, if the team was closed when they last wrote.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bot.selectors import threads_held_by_bot
from channels_adapters.models import WRITTEN_KINDS
from inbox.actions.messages import send_reply
from inbox.actions.threads import lock_thread
from inbox.models import Message
from reports.models import Episode

from .calendar import calendar_for, describe_moment, is_open, next_opening
from .models import BusinessHours, OutOfHoursReply

logger = logging.getLogger(__name__)


def reply_text(hours: BusinessHours, calendar, at) -> str:
    opening = next_opening(calendar, at)
    described = describe_moment(calendar, opening) if opening else ""
    return hours.out_of_hours_text.replace("{next_opening}", described)


def send_out_of_hours_reply(*, message: Message | int) -> OutOfHoursReply | None:
    """Answer the customer's ``message`` automatically if their thread's team was closed
    when it arrived and nothing was sent yet in this conversation.

    Safe to run twice: ``None`` and nothing written when the team has no reply configured,
    was open, the conversation is over or already answered this way, or the channel refuses
    (a closed WhatsApp window, no identity to reach)."""
    message_id = getattr(message, "pk", message)
    message = (Message.objects.select_related("thread", "channel")
               .filter(pk=message_id, direction=Message.Direction.INBOUND).first())
    if (message is None or message.channel is None or message.metadata.get("automatic")
            or message.channel.kind not in WRITTEN_KINDS):  # a voicemail: no written answer
        return None
    hours = BusinessHours.objects.filter(team_id=message.thread.team_id,
                                         out_of_hours_reply=True).first()
    if hours is None or not hours.out_of_hours_text.strip():
        return None
    calendar = calendar_for(hours.team_id)
    if is_open(calendar, message.created_at) or threads_held_by_bot([message.thread_id]):
        return None
    try:
        return _send(message, hours, calendar)
    except ValidationError as error:
        logger.info("no out-of-hours reply on thread %s: %s", message.thread_id,
                    "; ".join(error.messages))
        return None


def send_out_of_hours_reply_after_hand_off(*, thread_id: int) -> OutOfHoursReply | None:
    """The bot handed the thread to a person: the out-of-hours reply to the customer's last
    message, on the same terms (closed when they wrote, once per conversation)."""
    last = (Message.objects.filter(thread_id=thread_id, direction=Message.Direction.INBOUND)
            .exclude(metadata__has_key="automatic").order_by("-created_at", "-id")
            .values_list("pk", flat=True).first())
    return None if last is None else send_out_of_hours_reply(message=last)


def _resolved_since(message: Message) -> bool:
    return Episode.objects.filter(thread_id=message.thread_id,
                                  resolved_at__gt=message.created_at).exists()


def _send(message: Message, hours: BusinessHours, calendar) -> OutOfHoursReply | None:
    try:
        with transaction.atomic():
            thread = lock_thread(message.thread_id)  # two runs at once: one waits, then sees
            episode = Episode.objects.filter(thread=thread, resolved_at=None).first()
            if (episode is None or _resolved_since(message)  # a late task: its conversation is over
                    or OutOfHoursReply.objects.filter(
                        thread=thread, episode_started_at=episode.started_at).exists()):
                return None
            reply = send_reply(thread=thread, channel=message.channel, author=None,
                               text=reply_text(hours, calendar, message.created_at),
                               metadata={"automatic": True, "out_of_hours": True})
            return OutOfHoursReply.objects.create(
                thread=thread, episode_started_at=episode.started_at, message=reply,
                sent_at=reply.created_at)
    except IntegrityError:  # another run's reply committed first
        return None
