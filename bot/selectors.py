"""Which threads the bot is handling now: routing leaves them alone until the bot hands
off (``bot.handed_off``) or an agent replies."""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from channels_adapters.models import WRITTEN_KINDS
from reports.models import Episode

from .models import BotConversation


def threads_held_by_bot(thread_ids: Iterable[int]) -> set[int]:
    """Of ``thread_ids``, those whose team's bot is enabled and whose open conversation
    began on a channel the bot answers on, with no agent reply and no hand-off yet.
    One query."""
    thread_ids = list(thread_ids)
    if not thread_ids:
        return set()
    handed_off = BotConversation.objects.filter(
        thread_id=OuterRef("thread_id"), episode_started_at=OuterRef("started_at"),
        state=BotConversation.State.HANDED_OFF)
    rows = (Episode.objects.filter(thread_id__in=thread_ids, resolved_at=None,
                                   first_response_at=None,
                                   thread__team__bot_settings__enabled=True)
            .exclude(Exists(handed_off))
            .values_list("thread_id", "channel__kind",
                         "thread__team__bot_settings__channel_kinds"))
    return {thread_id for thread_id, kind, kinds in rows
            if kind in WRITTEN_KINDS and (not kinds or kind in kinds)}
