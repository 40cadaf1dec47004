"""The bot's one write: take a customer's message and answer it from an article, greet, or
hand the conversation to a person with a note of what was asked and answered.

Replies go out through ``send_reply`` as automatic messages on the channel the customer
wrote on (any channel); the note through ``add_note``. One ``BotConversation`` per episode,
under the thread's row lock, makes a task run twice a no-op.
"""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from inbox.actions.messages import add_note, send_reply
from inbox.actions.threads import lock_thread
from inbox.events import BotAnswered, BotHandedOff
from inbox.models import Message
from inbox.publish import record_event
from reports.models import Episode

from .conversation import (
    asks_for_person,
    hand_off_note,
    not_helped,
    remember,
    transcript_entry,
)
from .matching import match_question, tokens
from .models import BotConversation, BotSettings

logger = logging.getLogger(__name__)
Reason = BotConversation.Reason


@dataclass(frozen=True)
class Outcome:
    """What the bot did with one message: "answered", "greeted", "handed_off" or
    "silent"; ``reply`` is the message it sent the customer, if any."""

    action: str
    conversation: BotConversation
    reply: Message | None = None
    note: Message | None = None


def bot_handle_message(*, message: Message | int) -> Outcome | None:
    """Answer, greet or hand off for the customer's ``message``.

    ``None`` and nothing written when the message is not the customer's own, the team has
    no enabled bot, the conversation did not start on a channel the bot answers on, an
    agent replied already, the bot handed off already, or this message was handled."""
    message_id = getattr(message, "pk", message)
    message = (Message.objects.select_related("thread", "channel")
               .filter(pk=message_id, direction=Message.Direction.INBOUND).first())
    if message is None or message.channel is None or message.metadata.get("automatic"):
        return None
    settings = BotSettings.objects.filter(team_id=message.thread.team_id, enabled=True).first()
    if settings is None:
        return None
    try:
        with transaction.atomic():
            return _handle(message, settings)
    except IntegrityError:  # another run's conversation committed first
        return None


def _handle(message: Message, settings: BotSettings) -> Outcome | None:
    thread = message.thread = lock_thread(message.thread_id)  # a second run waits, then sees
    episode = (Episode.objects.select_related("channel")
               .filter(thread=thread, resolved_at=None).first())
    if episode is None or episode.first_response_at is not None or _answered_later(message):
        return None
    started_on = episode.channel.kind if episode.channel else message.channel.kind
    if not settings.answers_on(started_on):
        return None
    conversation, _ = BotConversation.objects.get_or_create(
        thread=thread, episode_started_at=episode.started_at)
    if (conversation.state == BotConversation.State.HANDED_OFF
            or message.pk <= conversation.handled_through):
        return None
    conversation.handled_through = message.pk
    return _decide(message, settings, conversation)


def _answered_later(message: Message) -> bool:
    """The customer wrote again since: the task of their latest message answers (a burst of
    "hi", "my order…" is one turn; an old message's task never acts in a later episode)."""
    later = (Message.objects.filter(thread_id=message.thread_id, pk__gt=message.pk,
                                    direction=Message.Direction.INBOUND)
             .values_list("metadata", flat=True)[:20])
    return any(not (metadata or {}).get("automatic") for metadata in later)


def _decide(message: Message, settings: BotSettings, conversation) -> Outcome:
    text = message.text
    if not settings.answers_on(message.channel.kind):
        return _hand_off(message, settings, conversation, Reason.OTHER_CHANNEL)
    if asks_for_person(text, settings.hand_off_phrases):
        return _hand_off(message, settings, conversation, Reason.ASKED)
    if not text.strip():
        return _hand_off(message, settings, conversation, Reason.NO_TEXT)
    if conversation.answers and not_helped(text):
        return _hand_off(message, settings, conversation, Reason.NOT_HELPED)
    if not tokens(text):  # "hello", "thanks": nothing to look up
        return _greet(message, settings, conversation)
    if conversation.answers >= settings.max_answers:
        return _hand_off(message, settings, conversation, Reason.MAX_ANSWERS)
    match = match_question(message.thread.team_id, text)
    if match.article_id is None or match.confidence < settings.threshold:
        return _hand_off(message, settings, conversation, Reason.UNSURE,
                         confidence=match.confidence)
    body = "\n\n".join(part for part in (match.answer.strip(), settings.follow_up_text.strip())
                       if part)
    reply = _send(message, body, {"article_id": match.article_id,
                                  "confidence": match.confidence, "score": match.score})
    if reply is None:  # the channel refused (a closed window, no identity to reach)
        return _hand_off(message, settings, conversation, Reason.UNSURE,
                         confidence=match.confidence)
    remember(conversation, transcript_entry(text, article_id=match.article_id,
                                            title=match.question, answer=match.answer,
                                            confidence=match.confidence))
    conversation.answers += 1
    conversation.last_article_id = match.article_id
    conversation.save()
    record_event(BotAnswered(message_id=reply.pk, article_id=match.article_id,
                             confidence=match.confidence), thread=message.thread)
    return Outcome("answered", conversation, reply=reply)


def _greet(message: Message, settings: BotSettings, conversation) -> Outcome:
    """Small talk gets the greeting once, at the start; after that, silence."""
    reply = None
    if not conversation.greeted and not conversation.answers and settings.greeting_text.strip():
        reply = _send(message, settings.greeting_text.strip(), {"greeting": True})
        conversation.greeted = reply is not None
    conversation.save()
    return Outcome("greeted" if reply else "silent", conversation, reply=reply)


def _hand_off(message: Message, settings: BotSettings, conversation, reason: str, *,
              confidence: float | None = None) -> Outcome:
    entry_confidence = confidence if reason == Reason.UNSURE else None
    remember(conversation, transcript_entry(message.text, confidence=entry_confidence))
    conversation.state = BotConversation.State.HANDED_OFF
    conversation.reason = reason
    conversation.handed_off_at = timezone.now()
    conversation.save()
    note = add_note(thread=message.thread, author=None, text=hand_off_note(conversation),
                    metadata={"bot": {"reason": reason, "article_ids": [
                        entry["article_id"] for entry in conversation.transcript
                        if entry.get("article_id")]}},
                    notify_mentions=False)  # the customer's words: an @name pages nobody
    reply = None
    if settings.hand_off_text.strip() and reason != Reason.OTHER_CHANNEL:
        reply = _send(message, settings.hand_off_text.strip(), {"hand_off": True})
    record_event(BotHandedOff(reason=reason, note_id=note.pk), thread=message.thread)
    return Outcome("handed_off", conversation, reply=reply, note=note)


def _send(message: Message, text: str, bot: dict) -> Message | None:
    try:
        return send_reply(thread=message.thread, channel=message.channel, author=None,
                          text=text, metadata={"automatic": True, "bot": bot})
    except ValidationError as error:
        logger.info("the bot could not reply on thread %s: %s", message.thread_id,
                    "; ".join(error.messages))
        return None
