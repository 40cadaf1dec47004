"""The event listener (THREADLINE_EVENT_LISTENERS) of CSAT: a thread resolved → a survey
task; a customer erased → their comments erased.

It runs after every commit, so it looks only at the events it was handed: no query unless
one of them matters."""

from inbox.events import CustomerDeleted, ThreadStatusChanged
from inbox.models import Event, Thread

from .actions import erase_comments
from .tasks import send_survey_task


def on_events(events: list[Event]) -> None:
    erased = []
    for event in events:
        if (event.type == ThreadStatusChanged.type and event.thread_id is not None
                and event.payload.get("status") == Thread.Status.RESOLVED):
            send_survey_task.delay(event.thread_id, event.actor_id)
        elif event.type == CustomerDeleted.type:
            erased.append(event.payload["customer_id"])
    if erased:
        erase_comments(customer_ids=erased)
