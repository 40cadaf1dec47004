"""The writes of CSAT surveys: sending one when a thread is resolved, recording an answer.

Nothing else writes the Survey table. The question goes out through ``send_reply`` as an
automatic message: it joins the timeline, its channel's adapter delivers it with retries,
and the reports do not count it as an agent's reply.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from channels_adapters.models import Channel, ChannelKind
from inbox.actions.messages import send_reply
from inbox.actions.threads import lock_thread
from inbox.events import SurveyAnswered, SurveySent, ThreadStatusChanged
from inbox.models import Event, Message, Thread
from inbox.publish import record_event

from .models import MAX_COMMENT_LENGTH, SCORES, Survey

logger = logging.getLogger(__name__)

# Channels where the customer can answer by replying with a digit; e-mail gets the link only.
CHAT_KINDS = frozenset({ChannelKind.WEBCHAT, ChannelKind.TELEGRAM, ChannelKind.SLACK,
                        ChannelKind.WHATSAPP, ChannelKind.MESSENGER, ChannelKind.INSTAGRAM,
                        ChannelKind.SMS})
SURVEY_KINDS = CHAT_KINDS | {ChannelKind.EMAIL}
# A thread resolved, re-opened and resolved again within this is asked once.
RESEND_AFTER = timedelta(hours=24)
# A resolution older than this is not asked about: a task that ran hours late (a broker
# outage), or history recorded afterwards (an import, the demo's past conversations).
ASK_WITHIN = timedelta(hours=1)
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_url(token: str) -> str:
    base = getattr(settings, "THREADLINE_BASE_URL", "") or DEFAULT_PUBLIC_URL
    return base.rstrip("/") + reverse("surveys:answer", args=[token])


def question_text(kind: str, token: str) -> str:
    url = survey_url(token)
    if kind in CHAT_KINDS:
        return _("How did we do? Reply with a number from 1 (bad) to 5 (great), or answer "
                 "here, with a comment if you like: %(url)s") % {"url": url}
    return _("Your request is resolved. How did we do?\n\nPlease rate our help from 1 (bad) "
             "to 5 (great), with a comment if you like:\n%(url)s\n\nThank you!") % {"url": url}


def question_html(kind: str, token: str) -> str:
    """E-mail's HTML part: the five scores as links that open the page with that score
    chosen (opening it records nothing: mail scanners follow links), then the page's link.
    Chat channels send text only."""
    if kind in CHAT_KINDS:
        return ""
    url = survey_url(token)
    scores = format_html_join(" · ", '<a href="{}?score={}">{}</a>',
                              ((url, score, score) for score in SCORES))
    return format_html(
        "<p>{}</p><p>{}</p><p>{}</p><p><a href=\"{}\">{}</a></p><p>{}</p>",
        _("Your request is resolved. How did we do?"),
        _("Please rate our help from 1 (bad) to 5 (great), with a comment if you like:"),
        scores, url, _("Answer the survey"), _("Thank you!"))


def last_customer_channel(thread: Thread) -> Channel | None:
    """The channel of the customer's last inbound message that they wrote themselves (not
    an auto-reply, a bounce, or an earlier survey answer)."""
    message = (
        Message.objects.filter(thread=thread, direction=Message.Direction.INBOUND,
                               channel__isnull=False)
        .filter(Q(metadata__automatic__isnull=True) | Q(metadata__automatic=False))
        .select_related("channel").order_by("-created_at", "-id").first()
    )
    return message.channel if message else None


def send_survey(*, thread: Thread | int, resolved_by_id: int | None = None) -> Survey | None:
    """Ask the customer of a resolved thread how we did, on the channel they last used.

    Safe to run twice: nothing is sent when CSAT is off, the thread is no longer resolved
    or was resolved more than ``ASK_WITHIN`` ago, a survey went out for it within
    ``RESEND_AFTER``, the customer never wrote on a channel
    that can carry one, or the channel refuses (a closed WhatsApp window, no identity to
    reach): then ``None``, and nothing is written."""
    if not settings.THREADLINE_CSAT_ENABLED:
        return None
    thread_id = thread.pk if isinstance(thread, Thread) else thread
    thread = Thread.objects.filter(pk=thread_id).first()
    if thread is None or thread.status != Thread.Status.RESOLVED:
        return None
    resolved_at = (Event.objects.filter(thread=thread, type=ThreadStatusChanged.type)
                   .order_by("-id").values_list("created_at", flat=True).first())
    if resolved_at is None or timezone.now() - resolved_at > ASK_WITHIN:
        return None
    channel = last_customer_channel(thread)
    if channel is None or channel.kind not in SURVEY_KINDS or not channel.is_active:
        return None
    try:
        return _send(thread_id, channel, resolved_by_id)
    except ValidationError as error:
        logger.info("no CSAT survey for thread %s on channel %s: %s", thread_id, channel.pk,
                    "; ".join(error.messages))
        return None


@transaction.atomic
def _send(thread_id: int, channel: Channel, resolved_by_id: int | None) -> Survey | None:
    thread = lock_thread(thread_id)  # two runs at once: the second sees the first's survey
    now = timezone.now()
    if thread.status != Thread.Status.RESOLVED or Survey.objects.filter(
            thread=thread, sent_at__gt=now - RESEND_AFTER).exists():
        return None
    token = secrets.token_urlsafe(32)
    survey = Survey.objects.create(
        thread=thread, customer_id=thread.customer_id, channel=channel,
        channel_kind=channel.kind, team_id=thread.team_id,
        agent_id=thread.assignee_id or resolved_by_id, token_hash=hash_token(token),
        sent_at=now, expires_at=now + timedelta(days=settings.THREADLINE_CSAT_EXPIRY_DAYS),
    )
    # A refusal (ValidationError) rolls the survey back with everything else.
    message = send_reply(thread=thread, channel=channel, author=None,
                         text=question_text(channel.kind, token),
                         html=question_html(channel.kind, token),
                         metadata={"automatic": True, "survey_id": survey.pk})
    survey.message = message
    survey.save(update_fields=["message"])
    record_event(SurveySent(survey_id=survey.pk, message_id=message.pk, channel_id=channel.pk,
                            agent_id=survey.agent_id), thread=thread)
    return survey


def survey_for_token(token: str) -> Survey | None:
    """The survey a link's token opens, whether or not it has expired; None if unknown or
    if its customer was erased."""
    if not token or len(token) > 100:
        return None
    return (Survey.objects.select_related("thread")
            .filter(token_hash=hash_token(token), thread__isnull=False).first())


def is_open(survey: Survey) -> bool:
    return timezone.now() < survey.expires_at


def clean_answer(score, comment) -> tuple[int, str]:
    """The score as an int 1–5 and the comment stripped; ValidationError otherwise."""
    if isinstance(score, str) and score.strip().isascii() and score.strip().isdigit():
        score = int(score.strip())
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        raise ValidationError(_("Choose a score from 1 to 5."), code="invalid_score")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationError(
            _("The comment is longer than %(max)d characters.") % {"max": MAX_COMMENT_LENGTH},
            code="comment_too_long")
    return score, comment


def record_answer(*, survey: Survey, score, comment: str = "", via: str) -> Survey:
    """Record (or, until the survey expires, change) the customer's answer, with its
    ``SurveyAnswered`` event, in one transaction."""
    score, comment = clean_answer(score, comment)
    if via not in Survey.Via.values:
        raise ValidationError(_("Unknown way of answering %(via)r.") % {"via": via},
                              code="invalid_via")
    gone = ValidationError(_("This survey no longer exists."), code="unknown_survey")
    with transaction.atomic():
        # The thread's lock first, as every write on a thread takes it (a digit reply holds
        # it already): the survey's lock after it, never the other way round.
        thread_id = (Survey.objects.filter(pk=survey.pk)
                     .values_list("thread_id", flat=True).first())
        thread = lock_thread(thread_id) if thread_id is not None else None
        survey = Survey.objects.select_for_update().filter(pk=survey.pk).first()
        if thread is None or survey is None or survey.thread_id != thread.pk:
            raise gone
        if not is_open(survey):
            raise ValidationError(_("This survey has expired."), code="expired")
        survey.score, survey.comment, survey.answered_via = score, comment, via
        survey.answered_at = timezone.now()
        survey.save(update_fields=["score", "comment", "answered_via", "answered_at"])
        record_event(SurveyAnswered(survey_id=survey.pk, score=score, has_comment=bool(comment),
                                    via=via, agent_id=survey.agent_id), thread=thread)
    return survey


def erase_comments(*, customer_ids: list[int]) -> int:
    """An erased customer's words go with them; their scores stay for the reports."""
    return Survey.objects.filter(customer_id__in=customer_ids).exclude(comment="").update(
        comment="")
