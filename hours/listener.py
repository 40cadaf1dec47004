"""The event listener (THREADLINE_EVENT_LISTENERS) of business hours: a customer wrote to a
team that sends an out-of-hours reply, or the first-line bot handed such a customer to a
person → a task decides and sends it (not while the bot is still answering: see
``hours.actions``).

It runs after every commit: no query unless the events hold a customer's message or a
hand-off, then one for the teams that reply when closed."""

from inbox.events import BotHandedOff, customers_own_messages
from inbox.models import Event

from .models import BusinessHours
from .tasks import out_of_hours_reply_after_hand_off_task, out_of_hours_reply_task


def on_events(events: list[Event]) -> None:
    written = [event for event in customers_own_messages(events) if event.team_id is not None]
    handed_off = [event for event in events if event.type == BotHandedOff.type
                  and event.team_id is not None and event.thread_id is not None]
    if not written and not handed_off:
        return
    replying = set(BusinessHours.objects.filter(
        team_id__in={event.team_id for event in written + handed_off}, out_of_hours_reply=True)
        .values_list("team_id", flat=True))
    for event in written:
        if event.team_id in replying:
            out_of_hours_reply_task.delay(event.payload["message"]["id"])
    for event in handed_off:
        if event.team_id in replying:
            out_of_hours_reply_after_hand_off_task.delay(event.thread_id)
