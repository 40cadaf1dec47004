"""An agent answering in a mirrored Slack thread: the Slack user is matched to a Threadline
agent by e-mail, and what they wrote becomes that agent's reply to the customer (or, when it
starts with "note:", a private note). Each Slack message is taken once."""

import logging
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from ..adapters.base import InboundAction
from ..models import Channel, SlackMirror, SlackThreadReply
from .client import CALL_ERRORS, web_client

logger = logging.getLogger(__name__)

NOTE_PREFIX = re.compile(r"\s*note:\s*", re.IGNORECASE)
Outcome = SlackThreadReply.Outcome


@dataclass(frozen=True)
class SlackThreadMessage(InboundAction):
    slack_channel: str
    thread_ts: str
    ts: str
    user: str
    text: str
    email: str

    def apply(self, channel: Channel) -> None:
        mirror = (SlackMirror.objects.select_for_update().select_related("thread__customer")
                  .filter(channel=channel, slack_channel=self.slack_channel,
                          thread_ts=self.thread_ts).first())
        if mirror is None or mirror.replies.filter(ts=self.ts).exists():
            return
        agent = _agent(self.email, mirror.thread)
        if agent is None:
            told = mirror.replies.filter(slack_user=self.user,
                                         outcome=Outcome.UNKNOWN_USER).exists()
            self._taken(mirror, Outcome.UNKNOWN_USER)
            if not told:
                self._answer(channel, _unknown_user_notice(self.email))
            return
        note = NOTE_PREFIX.match(self.text)
        try:
            if note:
                message = _add_note(mirror, agent, self.text[note.end():])
                self._taken(mirror, Outcome.NOTE, message)
            else:
                message = self._reply(mirror, agent)
                self._taken(mirror, Outcome.REPLY, message)
        except ValidationError as error:
            self._taken(mirror, Outcome.REFUSED)
            self._answer(channel, "Not sent: " + " ".join(error.messages))

    def _reply(self, mirror: SlackMirror, agent):
        from inbox.actions import send_reply
        from inbox.timeline import reply_channels

        # The inbox composer's default: the channel the customer last wrote on.
        _, reply_channel = reply_channels(mirror.thread, agent)
        if reply_channel is None:
            raise ValidationError("the customer cannot be reached on any channel.")
        return send_reply(thread=mirror.thread, channel=reply_channel, author=agent,
                          text=self.text, metadata={"via": "slack", "slack_ts": self.ts})

    def _taken(self, mirror, outcome, message=None) -> None:
        SlackThreadReply.objects.create(mirror=mirror, ts=self.ts, slack_user=self.user,
                                        outcome=outcome, message=message)

    def _answer(self, channel: Channel, text: str) -> None:
        """The bot's answer in the Slack thread, once the reply is committed as taken."""
        def post():
            try:
                web_client(channel).chat_postMessage(
                    channel=self.slack_channel, thread_ts=self.thread_ts, text=text)
            except CALL_ERRORS as error:
                logger.warning("could not answer in Slack thread %s of channel %s: %s",
                               self.thread_ts, channel.pk, type(error).__name__)
        transaction.on_commit(post)


def _agent(email: str, thread):
    from inbox.models import User

    if not email:
        return None
    agents = User.objects.filter(email__iexact=email, is_active=True)
    if thread.team_id is not None:
        agents = agents.filter(teams=thread.team_id)
    return agents.order_by("pk").first()


def _add_note(mirror: SlackMirror, agent, text: str):
    from inbox.actions import add_note

    return add_note(thread=mirror.thread, author=agent, text=text)


def _unknown_user_notice(email: str) -> str:
    if not email:
        return ("I don't know you: your Slack profile shows no e-mail address. Ask an admin "
                "to add one, the same as your Threadline user's.")
    return f"I don't know you: ask an admin to give your Threadline user the e-mail {email}"
