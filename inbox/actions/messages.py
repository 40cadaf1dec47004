"""Writes that add to a customer's timeline: inbound messages, replies, notes, calls, visits."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_adapters.models import WRITTEN_KINDS, Channel
from customers.actions import Claim, identities_resolve, identity_for_reaching
from customers.addresses import normalise_phone
from customers.models import Identity

from ..events import InteractionLogged, MessageReceived, NoteAdded, ReplyQueued
from ..groups import agent_group
from ..messaging_window import require_open_window, template_reply
from ..models import Attachment, Message, Notification, Thread, User
from ..publish import publish_ephemeral, record_event, record_events
from ..snapshots import message_snapshot
from ..validation import clean_external_id, clean_html, clean_text, get_channel
from .threads import lock_thread, status_change

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


@dataclass(frozen=True)
class Incoming:
    """One message a customer wrote, as a channel adapter reads it."""

    address: str
    text: str = ""
    html: str = ""
    external_id: str | None = None
    display_name: str = ""
    verified: bool = False
    verified_emails: tuple[str, ...] = ()
    verified_phones: tuple[str, ...] = ()
    attachments: tuple[NewAttachment, ...] = ()
    metadata: dict = field(default_factory=dict)
    automatic: bool = False
    # The provider ids of the messages this one answers, nearest first (an e-mail's
    # In-Reply-To, then its References): the first one found on the channel is linked.
    replies_to: tuple[str, ...] = ()


def receive_message(*, channel: Channel | int, address: str, **fields) -> Received:
    """A customer wrote on ``channel`` from ``address``: add it to their one thread.

    Idempotent on ``(channel, external_id)``: the same provider message delivered twice is
    one message. A message from a customer re-opens a resolved, pending or snoozed thread;
    an ``automatic`` one (auto-reply, bounce) is recorded but does not.
    """
    fields["metadata"] = fields.get("metadata") or {}
    for name in ("verified_emails", "verified_phones", "attachments", "replies_to"):
        fields[name] = tuple(fields.get(name) or ())
    return receive_messages(channel=channel, items=[Incoming(address=address, **fields)])[0]


def receive_messages(*, channel: Channel | int, items: Sequence[Incoming]) -> list[Received]:
    """``receive_message`` for a batch from one channel (a mailbox poll, a webhook carrying
    several messages), in one transaction and a handful of queries (plus one UPDATE per
    thread it touches): the same rules, one ``Received`` per item in order. Raises before
    writing anything if an item is invalid, so the caller can take the items one by one to
    find it."""
    channel = get_channel(channel)
    cleaned = [(item, clean_external_id(item.external_id),
                _clean_body(item.text, item.html, item.attachments)) for item in items]
    with transaction.atomic():
        known = _known_messages(channel, [external_id for _, external_id, _ in cleaned])
        fresh = [(item, external_id, body) for item, external_id, body in cleaned
                 if external_id not in known]
        resolved = _resolve_identities(channel, [item for item, _, _ in fresh])
        threads = _lock_threads({r.customer.pk for r in resolved.values()})
        cleaned, fresh, survey_replies = _survey_replies(channel, cleaned, fresh, resolved,
                                                         threads)
        created = _create_messages(channel, fresh, resolved, threads, known)
        _update_threads_and_record(channel, created, threads)
        if survey_replies:
            from surveys.replies import record_survey_replies

            record_survey_replies(survey_replies, created)
    results = []
    for item, external_id, _body in cleaned:
        new = created.get(id(item))
        if new is not None:
            results.append(Received(new.message, created=True,
                                    customer_created=new.customer_created))
        else:
            results.append(Received(known[external_id], created=False))
    return results


def _survey_replies(channel, cleaned, fresh, resolved, threads):
    """A digit answering a CSAT survey (see surveys.replies) is stored as an automatic
    message: it joins the timeline without re-opening the resolved thread."""
    from surveys.replies import survey_replies

    replies = survey_replies(channel=channel, items=[
        (item, threads[resolved[item.address].customer.pk]) for item, _, _ in fresh])
    if not replies:
        return cleaned, fresh, []

    def swap(entries):
        return [(replies[id(item)].incoming if id(item) in replies else item, *rest)
                for item, *rest in entries]

    return swap(cleaned), swap(fresh), list(replies.values())


@dataclass
class _New:
    message: Message
    automatic: bool
    customer_created: bool


def _known_messages(channel: Channel, external_ids: list[str | None]) -> dict[str, Message]:
    wanted = [external_id for external_id in external_ids if external_id is not None]
    if not wanted:
        return {}
    return {message.external_id: message for message in
            Message.objects.filter(channel=channel, external_id__in=wanted)}


def _resolve_identities(channel: Channel, items: list[Incoming]) -> dict[str, Any]:
    """Each item's address → its ResolvedIdentity, for the batch at once."""
    return identities_resolve(kind=channel.identity_kind, team=channel.team, claims=[
        Claim(address=item.address, display_name=item.display_name, verified=item.verified,
              verified_emails=tuple(item.verified_emails),
              verified_phones=tuple(item.verified_phones))
        for item in items])


def _lock_threads(customer_ids: set[int]) -> dict[int, Thread]:
    """The customers' threads under row locks, taken in id order (no deadlock between two
    batches)."""
    threads = (Thread.objects.select_for_update(of=("self",)).select_related("customer")
               .filter(customer_id__in=customer_ids).order_by("pk"))
    return {thread.customer_id: thread for thread in threads}


def _create_messages(channel, fresh, resolved, threads, known) -> dict[int, _New]:
    """The new messages, by ``id()`` of their item; an id twice in the batch is one message
    (the later ones are added to ``known``)."""
    pending: list[tuple[Incoming, Message, _Body]] = []
    by_external_id: dict[str, Incoming] = {}
    answered = _answered_messages(channel, [item for item, _, _ in fresh])
    duplicates: list[tuple[Incoming, str]] = []
    received_at = timezone.now()  # one time for the batch: see _update_threads_and_record
    for item, external_id, body in fresh:
        if external_id is not None and external_id in by_external_id:
            duplicates.append((item, external_id))
            continue
        if external_id is not None:
            by_external_id[external_id] = item
        identity = resolved[item.address]
        pending.append((item, Message(
            thread=threads[identity.customer.pk], channel=channel, identity=identity.identity,
            direction=Message.Direction.INBOUND, text=body.text, html=body.html,
            external_id=external_id, created_at=received_at,
            in_reply_to=next((answered[i] for i in item.replies_to if i in answered), None),
            metadata={**item.metadata, **({"automatic": True} if item.automatic else {})},
        ), body))
    try:
        with transaction.atomic():
            Message.objects.bulk_create([message for _, message, _ in pending])
    except IntegrityError:
        # Some of them were stored meanwhile by a concurrent delivery: one by one.
        pending = _create_one_by_one(channel, pending, known)
    created = {}
    # None to read back for the snapshots: one empty result, evaluated once and shared
    # (each unevaluated none() cost ~0.8 ms to iterate: 40 % of a batch's event recording).
    no_attachments = Attachment.objects.none()
    list(no_attachments)
    for item, message, body in pending:
        if body.attachments:
            _save_attachments(message, body.attachments)
        else:
            message._prefetched_objects_cache = {"attachments": no_attachments}
        created[id(item)] = _New(message, item.automatic,
                                 resolved[item.address].customer_created)
    for _item, external_id in duplicates:
        known[external_id] = created[id(by_external_id[external_id])].message
    return created


def _answered_messages(channel: Channel, items: list[Incoming]) -> dict[str, Message]:
    """The messages of the channel that the items say they answer, by provider id."""
    wanted = {external_id for item in items for external_id in item.replies_to}
    if not wanted:
        return {}
    return {message.external_id: message for message in
            Message.objects.filter(channel=channel, external_id__in=wanted).only(
                "id", "external_id")}


def _create_one_by_one(channel, pending, known):
    stored = []
    for item, message, body in pending:
        try:
            with transaction.atomic():
                message.save(force_insert=True)
        except IntegrityError:
            duplicate = Message.objects.filter(
                channel=channel, external_id=message.external_id).first()
            if duplicate is None:
                raise
            known[message.external_id] = duplicate
            continue
        stored.append((item, message, body))
    return stored


def _update_threads_and_record(channel, created: dict[int, _New], threads) -> None:
    """Each thread's activity, re-opening, team; a MessageReceived per message (and the
    status change it caused), in the order received."""
    by_thread: dict[int, Thread] = {}
    entries = []
    prefetch_related_objects([new.message for new in created.values()], "attachments")
    for new in created.values():
        message = new.message
        thread = threads[message.thread.customer_id]
        previous_status = thread.status
        reopened = not new.automatic and previous_status != Thread.Status.OPEN
        thread.last_activity_at = message.created_at
        if not new.automatic:
            thread.last_inbound_at = message.created_at
        if thread.team_id is None:
            thread.team = channel.team
        if reopened:
            thread.status, thread.snoozed_until = Thread.Status.OPEN, None
        by_thread[thread.pk] = thread
        entries.append((MessageReceived(message=message_snapshot(message), reopened=reopened),
                        thread))
        if reopened:
            entries.append((status_change(thread, previous_status=previous_status), thread))
    # The batch's messages share one time, so its threads nearly always take the same new
    # values: one UPDATE per distinct set (one per thread cost 1.5 ms each, a batch of 100
    # spent a third of its time there; bulk_update's CASE costs more still).
    changes: dict[tuple, list[int]] = {}
    for thread in by_thread.values():
        values = (thread.last_activity_at, thread.last_inbound_at, thread.team_id,
                  thread.status, thread.snoozed_until)
        changes.setdefault(values, []).append(thread.pk)
    for (activity, inbound, team_id, status, snoozed_until), thread_ids in changes.items():
        Thread.objects.filter(pk__in=thread_ids).update(
            last_activity_at=activity, last_inbound_at=inbound, team=team_id, status=status,
            snoozed_until=snoozed_until)
    record_events(entries)


def _reply_identity(thread: Thread, channel: Channel) -> Identity:
    """The identity to write to on ``channel``: the one that last wrote there, else the newest
    (made from a verified phone number for WhatsApp, if need be)."""
    identities = Identity.objects.filter(customer=thread.customer, kind=channel.identity_kind)
    last_inbound = (
        thread.messages.filter(channel=channel, direction=Message.Direction.INBOUND,
                               identity__in=identities)
        .order_by("-created_at", "-id").values_list("identity_id", flat=True).first()
    )
    identity = identities.filter(pk=last_inbound).first() if last_inbound else None
    identity = identity or identity_for_reaching(customer=thread.customer,
                                                 kind=channel.identity_kind)
    if identity is None:
        raise ValidationError(
            _("%(customer)s has no %(kind)s identity to reach on %(channel)s.")
            % {"customer": thread.customer, "kind": channel.identity_kind, "channel": channel},
            code="no_identity_on_channel",
        )
    return identity


def _template_body(channel, template, text, html, attachments, metadata) -> tuple[str, dict]:
    """The text and metadata of a template reply: a template is sent as approved, alone."""
    if (text or "").strip() or html or attachments:
        raise ValidationError(
            _("A template is sent as it was approved: leave the text empty and send no "
              "attachment with it."), code="template_with_text")
    text, chosen = template_reply(channel, template)
    return text, {**(metadata or {}), "template": chosen}


def send_reply(
    *,
    thread: Thread | int,
    channel: Channel | int,
    author: User | None,
    text: str = "",
    html: str = "",
    attachments: Iterable[NewAttachment] = (),
    metadata: dict | None = None,
    template: dict | None = None,
) -> Message:
    """Queue a reply to the customer on ``channel``; a Celery task delivers it after commit.

    ``metadata`` is kept on the message for its adapter and integrations (where the reply was
    written). On a channel with a messaging window (WhatsApp), free text is refused once the
    window has closed: a ``template`` ({"name", "language", "parameters"}, one of the
    channel's approved templates) is sent instead, its filled body as the message's text."""
    from channels_adapters.tasks import deliver_message

    channel = get_channel(channel)
    if channel.kind not in WRITTEN_KINDS:
        raise ValidationError(_("A phone line carries no written replies: log the call, or "
                                "answer on another channel."), code="no_written_replies")
    attachments = tuple(attachments or ())
    if template is not None:
        text, metadata = _template_body(channel, template, text, html, attachments, metadata)
    elif "template" in (metadata or {}):
        # What the adapter sends as a template is always one checked here.
        raise ValidationError(_("Pass the template as template=, not in the metadata."),
                              code="invalid_template")
    body = _clean_body(text, html, attachments)
    with transaction.atomic():
        thread = lock_thread(thread)
        if template is None:
            require_open_window(thread, channel)
        identity = _reply_identity(thread, channel)
        message = Message.objects.create(
            thread=thread, channel=channel, identity=identity, author=author,
            direction=Message.Direction.OUTBOUND, text=body.text, html=body.html,
            delivery_status=Message.DeliveryStatus.QUEUED, metadata=dict(metadata or {}),
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


def add_note(*, thread: Thread | int, author: User | None, text: str,
             metadata: dict | None = None, notify_mentions: bool = True) -> Message:
    """A private note: seen by agents only, never sent. Each ``@username`` mentioned is
    notified, unless ``notify_mentions`` is false: a note quoting text nobody on the team
    wrote (a customer's words in the bot's hand-off, a rule's name in its log line) must not
    page agents. ``metadata`` is kept on the note (an automation rule's log line says
    ``{"rule": {"id", "name", "done"}}``)."""
    text = clean_text(text, what="note")
    with transaction.atomic():
        thread = lock_thread(thread)
        mentions = _mentioned_user_ids(text) if notify_mentions else []
        message = Message.objects.create(
            thread=thread, author=author, direction=Message.Direction.NOTE, text=text,
            metadata={**(metadata or {}), "mentions": mentions},
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
    channel: Channel | None = None,
    external_id: str | None = None,
    metadata: dict | None = None,
) -> Message:
    """Record a phone call or an in-store visit in the customer's timeline.

    A call a telephony system reports comes with its ``channel`` (the phone line) and the
    system's call id as ``external_id``: reported twice, it is logged once."""
    if channel is not None and external_id:
        external_id = clean_external_id(external_id)
        logged = Message.objects.filter(channel=channel, external_id=external_id).first()
        if logged is not None:
            return logged
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
            channel=channel, external_id=external_id or None,
            metadata={
                **(metadata or {}),
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
