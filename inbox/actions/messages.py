"""Writes that add to a customer's timeline: inbound messages, replies, notes, calls, visits."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_adapters.models import Channel
from customers.actions import identity_resolve
from customers.addresses import normalise_phone
from customers.models import Identity

from ..events import InteractionLogged, MessageReceived, NoteAdded, ReplyQueued
from ..groups import agent_group
from ..models import Attachment, Message, Notification, Thread, User
from ..publish import publish_ephemeral, record_event
from ..snapshots import message_snapshot
from ..validation import clean_external_id, clean_html, clean_text, get_channel
from .threads import lock_thread, record_status_change

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    inline: bool = False


@dataclass(frozen=True)
class Received:
    message: Message
    created: bool
    customer_created: bool = False


@dataclass
class _Body:
    text: str
    html: str = ""
    attachments: Sequence[NewAttachment] = field(default_factory=tuple)


def _clean_body(text, html, attachments) -> _Body:
    attachments = tuple(attachments or ())
    for attachment in attachments:
        if len(attachment.content) > MAX_ATTACHMENT_BYTES:
            raise ValidationError(
                _("The attachment %(name)s is larger than %(limit)d MB.")
                % {"name": attachment.filename, "limit": MAX_ATTACHMENT_BYTES // 2**20},
                code="attachment_too_large",
            )
    html = clean_html(html)
    text = clean_text(text, allow_empty=bool(html or attachments))
    return _Body(text=text, html=html, attachments=attachments)


def _save_attachments(message: Message, attachments: Iterable[NewAttachment]) -> None:
    for new in attachments:
        filename = (new.filename or "attachment").replace("/", "_").replace("\\", "_")[:200]
        attachment = Attachment(
            message=message, filename=filename, content_type=new.content_type[:255],
            size=len(new.content), inline=new.inline,
        )
        attachment.file.save(filename, ContentFile(new.content), save=False)
        attachment.save()


def receive_message(
    *,
    channel: Channel | int,
    address: str,
    text: str = "",
    html: str = "",
    external_id: str | None = None,
    display_name: str = "",
    verified: bool = False,
    verified_emails: Iterable[str] = (),
    verified_phones: Iterable[str] = (),
    attachments: Iterable[NewAttachment] = (),
    metadata: dict | None = None,
    automatic: bool = False,
) -> Received:
    """A customer wrote on ``channel`` from ``address``: add it to their one thread.

    Idempotent on ``(channel, external_id)``: the same provider message delivered twice is
    one message. A message from a customer re-opens a resolved, pending or snoozed thread;
    an ``automatic`` one (auto-reply, bounce) is recorded but does not.
    """
    channel = get_channel(channel)
    external_id = clean_external_id(external_id)
    body = _clean_body(text, html, attachments)

    with transaction.atomic():
        if external_id is not None:
            duplicate = Message.objects.filter(channel=channel, external_id=external_id).first()
            if duplicate is not None:
                return Received(duplicate, created=False)
        resolved = identity_resolve(
            kind=channel.identity_kind, address=address, display_name=display_name,
            verified=verified, verified_emails=verified_emails, verified_phones=verified_phones,
            team=channel.team,
        )
        thread = lock_thread(resolved.customer.thread)
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    thread=thread, channel=channel, identity=resolved.identity,
                    direction=Message.Direction.INBOUND, text=body.text, html=body.html,
                    external_id=external_id,
                    metadata={**(metadata or {}), **({"automatic": True} if automatic else {})},
                )
        except IntegrityError:
            # The same provider message, stored meanwhile by a concurrent delivery.
            duplicate = Message.objects.filter(channel=channel, external_id=external_id).first()
            if duplicate is None:
                raise
            return Received(duplicate, created=False)
        _save_attachments(message, body.attachments)

        previous_status = thread.status
        reopened = not automatic and previous_status != Thread.Status.OPEN
        thread.last_activity_at = message.created_at
        if not automatic:
            thread.last_inbound_at = message.created_at
        if thread.team_id is None:
            thread.team = channel.team
        if reopened:
            thread.status, thread.snoozed_until = Thread.Status.OPEN, None
        thread.save()
        record_event(MessageReceived(message=message_snapshot(message), reopened=reopened),
                     thread=thread)
        if reopened:
            record_status_change(thread, previous_status=previous_status, actor=None)
    return Received(message, created=True, customer_created=resolved.customer_created)


def _reply_identity(thread: Thread, channel: Channel) -> Identity:
    """The identity to write to on ``channel``: the one that last wrote there, else the newest."""
    identities = Identity.objects.filter(customer=thread.customer, kind=channel.identity_kind)
    last_inbound = (
        thread.messages.filter(channel=channel, direction=Message.Direction.INBOUND,
                               identity__in=identities)
        .order_by("-created_at", "-id").values_list("identity_id", flat=True).first()
    )
    identity = identities.filter(pk=last_inbound).first() if last_inbound else None
    identity = identity or identities.order_by("-last_seen_at", "-id").first()
    if identity is None:
        raise ValidationError(
            _("%(customer)s has no %(kind)s identity to reach on %(channel)s.")
            % {"customer": thread.customer, "kind": channel.identity_kind, "channel": channel},
            code="no_identity_on_channel",
        )
    return identity


def send_reply(
    *,
    thread: Thread | int,
    channel: Channel | int,
    author: User | None,
    text: str,
    html: str = "",
    attachments: Iterable[NewAttachment] = (),
) -> Message:
    """Queue a reply to the customer on ``channel``; a Celery task delivers it after commit."""
    from channels_adapters.tasks import deliver_message

    channel = get_channel(channel)
    body = _clean_body(text, html, attachments)
    with transaction.atomic():
        thread = lock_thread(thread)
        identity = _reply_identity(thread, channel)
        message = Message.objects.create(
            thread=thread, channel=channel, identity=identity, author=author,
            direction=Message.Direction.OUTBOUND, text=body.text, html=body.html,
            delivery_status=Message.DeliveryStatus.QUEUED,
        )
        _save_attachments(message, body.attachments)
        thread.last_activity_at = message.created_at
        thread.save(update_fields=["last_activity_at"])
        record_event(ReplyQueued(message=message_snapshot(message)), thread=thread, actor=author)
        transaction.on_commit(lambda: deliver_message.delay(message.pk))
    return message


def _mentioned_user_ids(text: str) -> list[int]:
    found = set(MENTION.findall(text))
    # "Thanks @ana." ends a sentence: the dot is punctuation unless a username ends with it.
    usernames = found | {name.rstrip(".") for name in found if name.rstrip(".")}
    if not usernames:
        return []
    return sorted(
        User.objects.filter(username__in=usernames, is_active=True).values_list("id", flat=True)
    )


def add_note(*, thread: Thread | int, author: User | None, text: str) -> Message:
    """A private note: seen by agents only, never sent. Each ``@username`` mentioned is
    notified."""
    text = clean_text(text, what="note")
    with transaction.atomic():
        thread = lock_thread(thread)
        mentions = _mentioned_user_ids(text)
        message = Message.objects.create(
            thread=thread, author=author, direction=Message.Direction.NOTE, text=text,
            metadata={"mentions": mentions},
        )
        thread.last_activity_at = message.created_at
        thread.save(update_fields=["last_activity_at"])
        record_event(NoteAdded(message=message_snapshot(message)), thread=thread, actor=author)
        _notify_mentions(message, mentions, author)
    return message


def _notify_mentions(message: Message, user_ids: list[int], author: User | None) -> None:
    user_ids = [user_id for user_id in user_ids if author is None or user_id != author.pk]
    Notification.objects.bulk_create(
        Notification(user_id=user_id, kind=Notification.Kind.MENTION, thread=message.thread,
                     message=message)
        for user_id in user_ids
    )
    signal = {
        "type": "mention", "thread_id": message.thread_id, "message_id": message.pk,
        "customer": str(message.thread.customer), "text": message.text[:200],
        "author": author.display_name if author else "",
    }
    transaction.on_commit(
        lambda: publish_ephemeral([agent_group(user_id) for user_id in user_ids], signal))


INTERACTION_KINDS = {"call": Message.Direction.CALL, "visit": Message.Direction.VISIT}
INTERACTION_DIRECTIONS = ("inbound", "outbound")
MAX_INTERACTION_SECONDS = 24 * 3600


def log_interaction(
    *,
    thread: Thread | int,
    author: User | None,
    kind: str,
    direction: str,
    summary: str = "",
    number: str = "",
    duration_seconds: int | None = None,
    outcome: str = "",
    occurred_at: datetime | None = None,
) -> Message:
    """Record a phone call or an in-store visit in the customer's timeline."""
    if kind not in INTERACTION_KINDS:
        raise ValidationError(
            _("Unknown interaction kind %(kind)r: use call or visit.") % {"kind": kind},
            code="invalid_kind",
        )
    if direction not in INTERACTION_DIRECTIONS:
        raise ValidationError(
            _("Unknown direction %(direction)r: use inbound or outbound.")
            % {"direction": direction},
            code="invalid_direction",
        )
    if duration_seconds is not None:
        if not isinstance(duration_seconds, int) or isinstance(duration_seconds, bool) or not (
            0 <= duration_seconds <= MAX_INTERACTION_SECONDS
        ):
            raise ValidationError(
                _("The duration must be a whole number of seconds between 0 and %(max)d.")
                % {"max": MAX_INTERACTION_SECONDS},
                code="invalid_duration",
            )
    if occurred_at is not None:
        if not isinstance(occurred_at, datetime) or timezone.is_naive(occurred_at):
            raise ValidationError(
                _("The interaction time must be a date and time with a time zone."),
                code="invalid_time",
            )
        if occurred_at > timezone.now():
            raise ValidationError(_("The interaction cannot be in the future."),
                                  code="in_future")
    number = normalise_phone(number) if number else ""
    summary = clean_text(summary, what="summary", allow_empty=True)
    outcome = clean_text(outcome, what="outcome", allow_empty=True)[:100]

    with transaction.atomic():
        thread = lock_thread(thread)
        message = Message.objects.create(
            thread=thread, author=author, direction=INTERACTION_KINDS[kind], text=summary,
            metadata={
                "interaction_direction": direction,
                "number": number,
                "duration_seconds": duration_seconds,
                "outcome": outcome,
                "occurred_at": (occurred_at or timezone.now()).isoformat(),
            },
        )
        thread.last_activity_at = max(thread.last_activity_at, message.created_at)
        thread.save(update_fields=["last_activity_at"])
        record_event(InteractionLogged(message=message_snapshot(message)), thread=thread,
                     actor=author)
    return message
