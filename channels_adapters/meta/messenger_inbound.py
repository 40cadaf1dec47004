"""Messenger Platform webhooks, for Messenger (``object: page``) and Instagram
(``object: instagram``): ``entry[].messaging[]`` events — messages, postbacks, delivery
and read receipts. Our own replies come back as echoes and are skipped."""

from dataclasses import replace

from django.utils.translation import gettext as _

from ..adapters.base import DeliveryUpdate, InboundAction, InboundMessage
from ..payloads import mapping, objects, text
from . import media
from .graph import GraphClient
from .profiles import display_name
from .watermarks import SeenUpTo

FILE_TYPES = {"image", "video", "audio", "file"}
# Watermarks are milliseconds since 1970: anything outside 2001–2286 is not one.
WATERMARK_RANGE = (10**12, 10**13)

Item = InboundMessage | DeliveryUpdate | InboundAction


def parse_messaging(document: dict, *, object_name: str, client: GraphClient, channel_id: int,
                    profile_fields: str) -> list[Item]:
    if document.get("object") != object_name:
        return []
    items: list[Item] = []
    for entry in objects(document, "entry"):
        for event in objects(entry, "messaging"):
            sender = text(mapping(event, "sender"), "id")
            if "message" in event:
                message = mapping(event, "message")
                if message.get("is_echo") or message.get("is_deleted"):
                    continue  # our own reply coming back, or one the customer took back
                items.append(_message(event, message, sender, client))
            elif "postback" in event:
                items.append(_postback(event, sender))
            elif "delivery" in event:
                items += _receipts(mapping(event, "delivery"), "delivered", sender)
            elif "read" in event:
                items += _receipts(mapping(event, "read"), "read", sender)
            # Reactions, opt-ins, referrals, handovers…: not part of a conversation here.
    for index, item in enumerate(items):
        if isinstance(item, InboundMessage):
            name = display_name(client, channel_id=channel_id, user_id=item.address,
                                fields=profile_fields) if profile_fields else ""
            items[index] = replace(item, display_name=name)
    return items


def _sender(sender: str) -> str:
    if not sender:
        raise ValueError("a messaging event without a sender id")
    return sender


def _message(event: dict, message: dict, sender: str, client: GraphClient) -> InboundMessage:
    lines, attachments = [text(message, "text")], []
    for attachment in objects(message, "attachments"):
        kind, payload = text(attachment, "type"), mapping(attachment, "payload")
        url = text(payload, "url")
        if kind in FILE_TYPES and url:
            fetched = media.fetch(client, url, kind=kind, with_token=False)
            lines.append(fetched.note)
            attachments += [fetched.attachment] if fetched.attachment else []
        else:  # a shared link, a story mention, a product…: what it is and where
            lines.append(" ".join(p for p in (text(payload, "title") or text(attachment, "title"),
                                              url) if p) or f"[{kind or 'attachment'}]")
    if message.get("is_unsupported"):
        lines.append(_("[unsupported message type]"))
    body = "\n".join(line for line in lines if line)
    if not body and not attachments:
        body = _("[unsupported message type]")
    reply_to = text(mapping(message, "reply_to"), "mid")
    quick_reply = text(mapping(message, "quick_reply"), "payload")
    return InboundMessage(
        address=_sender(sender), text=body, external_id=text(message, "mid") or None,
        verified=True, attachments=tuple(attachments),
        replies_to=(reply_to,) if reply_to else (),
        metadata={"recipient_id": text(mapping(event, "recipient"), "id"),
                  "timestamp": text(event, "timestamp"),
                  **({"quick_reply": quick_reply} if quick_reply else {})},
    )


def _postback(event: dict, sender: str) -> InboundMessage:
    """A button the customer pressed: its title is what they "said"."""
    postback = mapping(event, "postback")
    mid = text(postback, "mid") or f"postback:{sender}:{text(event, 'timestamp')}"
    return InboundMessage(
        address=_sender(sender), text=text(postback, "title") or _("[a button was pressed]"),
        external_id=mid, verified=True,
        metadata={"postback_payload": text(postback, "payload"),
                  "timestamp": text(event, "timestamp")})


def _receipts(receipt: dict, status: str, sender: str) -> list[Item]:
    """Receipts name message ids (``mids``, Instagram's ``mid``) or only a watermark."""
    mids = receipt.get("mids") or ([receipt["mid"]] if receipt.get("mid") else [])
    if not isinstance(mids, list):
        raise ValueError("mids must be a list")
    if mids:
        return [DeliveryUpdate(external_id=str(mid), status=status) for mid in mids]
    watermark = receipt.get("watermark")
    if (isinstance(watermark, int) and not isinstance(watermark, bool)
            and WATERMARK_RANGE[0] <= watermark < WATERMARK_RANGE[1] and sender):
        return [SeenUpTo(recipient=sender, status=status, watermark_ms=watermark)]
    return []
