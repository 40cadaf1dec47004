"""The event listener (THREADLINE_EVENT_LISTENERS) of the bot: a customer wrote to a team
whose bot is enabled → a task decides whether to answer or hand off.

It runs after every commit: no query unless the events hold a customer's message, then one
for the teams whose bot is enabled."""

from inbox.events import customers_own_messages
from inbox.models import Event

from .models import BotSettings
from .tasks import bot_reply_task


def on_events(events: list[Event]) -> None:
    written = [event for event in customers_own_messages(events) if event.team_id is not None]
    if not written:
        return
    enabled = set(BotSettings.objects.filter(
        team_id__in={event.team_id for event in written}, enabled=True)
        .values_list("team_id", flat=True))
    for event in written:
        if event.team_id in enabled:
            bot_reply_task.delay(event.payload["message"]["id"])
