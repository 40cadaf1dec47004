"""The event listener (THREADLINE_EVENT_LISTENERS) of SLAs: a customer's message that
started or re-opened a conversation → a task gives it its due times; a change of priority →
the task looks again for the policy that matches.

It runs after every commit: no query unless the events hold a customer's message or a
change of priority, then one to see whether any policy exists."""

from inbox.events import ThreadPriorityChanged, customers_own_messages
from inbox.models import Event

from .models import SlaPolicy
from .tasks import start_clock_task


def on_events(events: list[Event]) -> None:
    written = {event.thread_id for event in customers_own_messages(events)}
    reprioritised = {event.thread_id for event in events
                     if event.type == ThreadPriorityChanged.type and event.thread_id is not None}
    if not (written or reprioritised) or not SlaPolicy.objects.exists():
        return
    for thread_id in sorted(written - reprioritised):
        start_clock_task.delay(thread_id)
    for thread_id in sorted(reprioritised):
        start_clock_task.delay(thread_id, reconsider=True)
