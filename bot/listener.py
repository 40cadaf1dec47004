"""The event listener (THREADLINE_EVENT_LISTENERS) of the bot: a customer wrote to a team
whose bot is enabled → a task decides whether to answer or hand off.

It runs after every commit: no query unless the events hold a customer's message, then one
for the teams whose bot is enabled."""

from inbox.events import MessageReceived
from inbox.models import Event

from .models import BotSettings
from .tasks import bot_reply_task


def on_events(events: list[Event]) -> None:
    written = [event for event in events
               if event.type == MessageReceived.type and event.team_id is not None
               and event.thread_id is not None
               and not (event.payload["message"].get("metadata") or {}).get("automatic")]
    if not written:
        return
    enabled = set(BotSettings.objects.filter(
        team_id__in={event.team_id for event in written}, enabled=True)
        .values_list("team_id", flat=True))
    for event in written:
        if event.team_id in enabled:
            bot_reply_task.delay(event.payload["message"]["id"])
