"""Inbound e-mail by IMAP polling, with imapclient.

Each round takes the messages whose UID is above the last one stored, in batches. A batch
is stored as raw payloads in one transaction together with the new last UID; only after
that commit are the messages marked seen (or moved), and only then are they parsed. So a
crash at any point loses nothing: a message not yet stored is fetched again next round, a
stored one is processed by the sweep, and the Message-ID keeps a message from being added
twice. The folder's row is locked while a batch is taken, so two pollers never take the
same messages.
"""

import logging
import ssl
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from ..adapters.email import max_mail_bytes
from ..inbound import process_payloads
from ..models import Channel, ChannelKind, InboundPayload, MailboxState

logger = logging.getLogger(__name__)

BATCH = 100
# What the payload's headers say of a message taken from IMAP.
SOURCE_HEADER = "x-threadline-source"


class MailboxError(Exception):
    """The mailbox could not be read (connection, login, folder); kept on the MailboxState."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    username: str
    password: str
    security: str = "ssl"  # "ssl", "starttls" or "none"
    folder: str = "INBOX"
    move_to: str = ""  # a folder to move stored messages to; else they are marked seen
    timeout: float = 30.0

    @classmethod
    def of(cls, channel: Channel) -> "ImapSettings | None":
        options = channel.settings or {}
        if channel.kind != ChannelKind.EMAIL or not options.get("imap_host"):
            return None
        security = options.get("imap_security", "ssl")
        return cls(
            host=options["imap_host"],
            port=int(options.get("imap_port") or (993 if security == "ssl" else 143)),
            username=options.get("imap_username") or channel.address,
            password=str((channel.secrets or {}).get("imap_password", "")),
            security=security,
            folder=options.get("imap_folder") or "INBOX",
            move_to=options.get("imap_move_to") or "",
        )


@dataclass
class PollResult:
    fetched: int = 0
    processed: int = 0
    failed: int = 0
    oversized: int = 0
    payload_ids: list[int] = field(default_factory=list)


def connect(options: ImapSettings) -> IMAPClient:
    try:
        client = IMAPClient(options.host, port=options.port, ssl=options.security == "ssl",
                            ssl_context=ssl.create_default_context(), timeout=options.timeout)
        if options.security == "starttls":
            client.starttls(ssl.create_default_context())
        client.login(options.username, options.password)
    except (IMAPClientError, OSError) as error:
        raise MailboxError(f"cannot log in to {options.host}:{options.port}: "
                           f"{_without_secrets(error, options)}") from None
    return client


def poll_channel(channel: Channel, *, process: bool = True, batch_size: int = BATCH) -> PollResult:
    """Take every new message of the channel's mailbox. ``process`` parses each batch here
    and now; without it, each batch becomes a Celery task (Celery beat's polls), so that
    several workers parse side by side. Either way a batch is stored first."""
    options = ImapSettings.of(channel)
    if options is None:
        raise MailboxError(f"{channel} has no IMAP settings.")
    state, _ = MailboxState.objects.get_or_create(channel=channel, folder=options.folder)
    result = PollResult()
    try:
        with connect(options) as client:
            uidvalidity = _select(client, options.folder)
            while True:
                batch = _take_batch(client, channel, state.pk, uidvalidity, options, result,
                                    batch_size)
                if batch is None:
                    break
                _acknowledge(client, batch.uids, options)
                if process:
                    _process(batch.payload_ids, result)
                elif batch.payload_ids:
                    from ..tasks import process_inbound_batch

                    process_inbound_batch.delay(batch.payload_ids)
    except MailboxError as error:
        _record_error(state.pk, str(error))
        raise
    except (IMAPClientError, OSError) as error:
        reason = f"IMAP error: {_without_secrets(error, options)}"
        _record_error(state.pk, reason)
        raise MailboxError(reason) from None
    MailboxState.objects.filter(pk=state.pk).update(
        last_poll_at=timezone.now(), last_error="")
    return result


@dataclass
class _Batch:
    uids: list[int]
    payload_ids: list[int]


def _select(client: IMAPClient, folder: str) -> int:
    try:
        info = client.select_folder(folder)
    except IMAPClientError as error:
        raise MailboxError(f"cannot open the folder {folder!r}: {error}") from None
    return int(info[b"UIDVALIDITY"])


def _take_batch(client, channel, state_pk, uidvalidity, options, result,
                batch_size) -> "_Batch | None":
    """Store the next batch of new messages with the new last UID, in one transaction."""
    with transaction.atomic():
        state = MailboxState.objects.select_for_update(skip_locked=True).filter(
            pk=state_pk).first()
        if state is None:  # another poller holds this folder: it takes the messages
            return None
        if state.uidvalidity != uidvalidity:
            if state.uidvalidity is not None:
                logger.warning("%s %s: UIDVALIDITY changed (%s → %s); fetching again",
                               channel, options.folder, state.uidvalidity, uidvalidity)
            state.uidvalidity, state.last_uid = uidvalidity, 0
        # "N:*" always names the last message, even when its UID is below N.
        uids = sorted(uid for uid in client.search(["UID", f"{state.last_uid + 1}:*"])
                      if uid > state.last_uid)[:batch_size]
        if not uids:
            state.save(update_fields=["uidvalidity", "last_uid"])
            return None
        sizes = client.fetch(uids, ["RFC822.SIZE"])
        limit = max_mail_bytes()
        small = [uid for uid in uids if sizes.get(uid, {}).get(b"RFC822.SIZE", 0) <= limit]
        bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
        payloads = []
        for uid in uids:
            headers = {SOURCE_HEADER: "imap", "x-imap-folder": options.folder,
                       "x-imap-uid": str(uid), "x-imap-uidvalidity": str(uidvalidity)}
            body = bodies.get(uid, {}).get(b"BODY[]")
            if body is None:
                payloads.append(_oversized(channel, client, uid, sizes, headers))
                result.oversized += 1
            else:
                payloads.append(InboundPayload(channel=channel, headers=headers, body=body))
        created = InboundPayload.objects.bulk_create(payloads)
        state.last_uid = uids[-1]
        state.save(update_fields=["uidvalidity", "last_uid"])
        result.fetched += len(uids)
    # Only what waits to be parsed: an oversized message is already flagged.
    ids = [payload.pk for payload in created if payload.status == InboundPayload.Status.PENDING]
    result.payload_ids.extend(ids)
    return _Batch(uids=uids, payload_ids=ids)


def _oversized(channel, client, uid, sizes, headers) -> InboundPayload:
    """A message over the limit is not fetched whole: its header is kept, flagged failed."""
    size = sizes.get(uid, {}).get(b"RFC822.SIZE", 0)
    header = client.fetch([uid], ["BODY.PEEK[HEADER]"]).get(uid, {}).get(b"BODY[HEADER]", b"")
    return InboundPayload(
        channel=channel, headers=headers, body=header, status=InboundPayload.Status.FAILED,
        error=f"The message is {size} bytes, over the limit of {max_mail_bytes()}: only its "
              f"header was kept; it is still in the mailbox (UID {uid}).",
    )


def _acknowledge(client: IMAPClient, uids: list[int], options: ImapSettings) -> None:
    """Mark the stored messages seen, or move them; only ever after they are stored."""
    if options.move_to:
        client.move(uids, options.move_to)
    else:
        client.add_flags(uids, [b"\\Seen"])


def _process(payload_ids: list[int], result: PollResult) -> None:
    payloads = process_payloads(payload_ids)
    for payload_id in payload_ids:
        payload = payloads.get(payload_id)
        if payload is not None and payload.status == InboundPayload.Status.PROCESSED:
            result.processed += 1
        else:
            result.failed += 1


def _record_error(state_pk: int, reason: str) -> None:
    logger.warning("mailbox %s: %s", state_pk, reason)
    MailboxState.objects.filter(pk=state_pk).update(
        last_error=reason[:2000], last_error_at=timezone.now(), last_poll_at=timezone.now())


def _without_secrets(error: Exception, options: ImapSettings) -> str:
    text = str(error)
    return text.replace(options.password, "••••") if options.password else text


def pollable_channels():
    return [channel for channel in Channel.objects.filter(kind=ChannelKind.EMAIL, is_active=True)
            if ImapSettings.of(channel) is not None]
