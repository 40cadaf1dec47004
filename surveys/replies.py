"""A customer answering a CSAT survey by replying with a digit on a chat channel.

The rule is strict, so that ordinary messages are never taken for scores: the whole text
is one digit 1–5, with optional spaces around it, an optional "/5" after it and one
optional "." or "!" at the end ("4", " 5 ", "5!", "4/5", "3/5."). Anything else ("5 stars",
"1 more question", "10", "⭐⭐⭐⭐⭐") is an ordinary message. It answers only a survey that
was sent on the same channel to this thread, is unanswered and unexpired, while the thread
is still resolved: the message then joins the timeline as an automatic one (it does not
re-open the thread) and its digit is recorded as the answer. A second digit after that is an
ordinary message; the survey's page can still change the answer.

``inbox.actions.messages.receive_messages`` calls ``survey_replies`` and, once the messages
are stored, ``record_survey_replies``; these cost no query unless a message is such a digit.
"""

import dataclasses
import logging
import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from channels_adapters.models import Channel
from inbox.models import Thread

from .actions import CHAT_KINDS, record_answer
from .models import Survey

logger = logging.getLogger(__name__)

DIGIT_REPLY = re.compile(r"\s*([1-5])\s*(?:/\s*5)?\s*[.!]?\s*", re.ASCII)


def reply_score(text: str) -> int | None:
    """The score a reply's text gives, or None if it is not a digit reply."""
    match = DIGIT_REPLY.fullmatch(text or "")
    return int(match.group(1)) if match else None


@dataclasses.dataclass(frozen=True)
class SurveyReply:
    incoming: Any  # the Incoming to store instead: automatic, with the survey's id
    survey: Survey
    score: int


def survey_replies(*, channel: Channel, items: Sequence[tuple[Any, Thread]]
                   ) -> dict[int, SurveyReply]:
    """Of ``items`` (each an ``Incoming`` and its locked thread), those that answer an open
    survey, by ``id()`` of the item."""
    if channel.kind not in CHAT_KINDS:
        return {}
    candidates = [(item, thread, score) for item, thread in items
                  if not item.automatic and thread.status == Thread.Status.RESOLVED
                  and (score := reply_score(item.text)) is not None]
    if not candidates:
        return {}
    surveys = {}
    for survey in (Survey.objects.filter(
            thread__in=[thread for _, thread, _ in candidates], channel=channel,
            answered_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("thread_id", "-sent_at", "-id")):
        surveys.setdefault(survey.thread_id, survey)  # the latest of each thread
    found: dict[int, SurveyReply] = {}
    for item, thread, score in candidates:
        survey = surveys.pop(thread.pk, None)  # one answer per survey in a batch
        if survey is None:
            continue
        incoming = dataclasses.replace(item, automatic=True,
                                       metadata={**item.metadata, "survey_id": survey.pk})
        found[id(item)] = SurveyReply(incoming=incoming, survey=survey, score=score)
    return found


def record_survey_replies(replies: Sequence[SurveyReply], created: dict[int, Any]) -> None:
    """The answers of the replies that were stored (``created``: by ``id()`` of the
    ``Incoming``); one a concurrent delivery stored first was recorded by it."""
    for reply in replies:
        if id(reply.incoming) not in created:
            continue
        try:
            record_answer(survey=reply.survey, score=reply.score, via=Survey.Via.REPLY)
        except ValidationError as error:  # expired this very instant: the message stays
            logger.info("survey %s not answered by reply: %s", reply.survey.pk,
                        "; ".join(error.messages))
