"""WhatsApp Cloud API webhooks: ``entry[].changes[].value`` with ``messages`` (what
customers wrote), ``contacts`` (their profile names) and ``statuses`` (news of ours)."""

from django.utils.translation import gettext as _

from ..adapters.base import DeliveryUpdate, InboundMessage
from ..payloads import mapping, objects, text
from . import media
from .errors import WHATSAPP_WINDOW_CODE, whatsapp_window_reason
from .graph import GraphClient, GraphError

OBJECT = "whatsapp_business_account"
MEDIA_TYPES = {"image", "document", "audio", "video", "sticker"}
STATUSES = {"sent", "delivered", "read", "failed"}


def parse_whatsapp(document: dict, *, client: GraphClient,
                   phone_number_id: str = "") -> list[InboundMessage | DeliveryUpdate]:
    if document.get("object") != OBJECT:
        return []
    items: list[InboundMessage | DeliveryUpdate] = []
    for entry in objects(document, "entry"):
        for change in objects(entry, "changes"):
            if change.get("field") != "messages":
                continue  # account updates, template reviews…: not conversations
            value = mapping(change, "value")
            number = text(mapping(value, "metadata"), "phone_number_id")
            if phone_number_id and number and number != phone_number_id:
                continue  # another number of the same app: not this channel's
            names = {text(c, "wa_id"): text(mapping(c, "profile"), "name")
                     for c in objects(value, "contacts")}
            items += [_message(m, names, client) for m in objects(value, "messages")]
            items += [u for u in map(_status, objects(value, "statuses")) if u]
    return items


def _message(message: dict, names: dict[str, str], client: GraphClient) -> InboundMessage:
    wa_id, kind = text(message, "from"), text(message, "type")
    if not wa_id.isdigit():
        raise ValueError(f"a message's sender is not a WhatsApp number: {wa_id[:30]!r}")
    body, attachments, metadata = _content(message, kind, client)
    context = mapping(message, "context")
    replies_to = [text(context, "id")]
    if kind == "reaction":
        replies_to.insert(0, text(mapping(message, "reaction"), "message_id"))
    return InboundMessage(
        address=f"+{wa_id}", text=body, external_id=text(message, "id") or None,
        display_name=names.get(wa_id, ""), verified=True, verified_phones=(f"+{wa_id}",),
        attachments=tuple(attachments), replies_to=tuple(i for i in replies_to if i),
        metadata={"whatsapp_type": kind, "timestamp": text(message, "timestamp"), **metadata},
    )


def _content(message: dict, kind: str, client: GraphClient):
    """The text, attachments and metadata of one message, by its type."""
    part = mapping(message, kind) if kind and isinstance(message.get(kind), dict) else {}
    if kind == "text":
        return text(part, "body"), [], {}
    if kind in MEDIA_TYPES:
        return _media(part, kind, client)
    if kind == "location":
        return _location(part), [], {"location": part}
    if kind == "contacts":
        return _contacts(objects(message, "contacts")), [], {"contacts": message["contacts"]}
    if kind == "interactive":
        reply = mapping(part, "button_reply") or mapping(part, "list_reply")
        return text(reply, "title"), [], {"reply_id": text(reply, "id")}
    if kind == "button":  # a template's quick-reply button
        return text(part, "text"), [], {"payload": text(part, "payload")}
    if kind == "reaction":
        emoji = text(part, "emoji")
        return (_("Reacted %(emoji)s") % {"emoji": emoji} if emoji
                else _("Removed a reaction")), [], {}
    return _("[unsupported message type: %(type)s]") % {"type": kind or "unknown"}, [], {}


def _media(part: dict, kind: str, client: GraphClient):
    """A media message: Meta gives an id; its URL (short-lived) comes from GET /{id}."""
    media_id, caption = text(part, "id"), text(part, "caption")
    metadata = {"media_id": media_id}
    try:
        found = client.get(media_id)
    except GraphError as error:
        fetched = media.Fetched(note=_("[The %(kind)s could not be downloaded: %(reason)s]")
                                % {"kind": kind, "reason": error.message})
    else:
        size = text(found, "file_size")
        fetched = media.fetch(
            client, text(found, "url"), kind=kind, filename=text(part, "filename"),
            content_type=text(part, "mime_type") or text(found, "mime_type"), with_token=True,
            declared_size=int(size) if size.isdigit() else None)
    body = "\n".join(line for line in (caption, fetched.note) if line)
    return body, [fetched.attachment] if fetched.attachment else [], metadata


def _location(part: dict) -> str:
    place = ", ".join(p for p in (text(part, "name"), text(part, "address")) if p)
    where = f"{text(part, 'latitude')}, {text(part, 'longitude')}"
    return _("Location: %(place)s") % {"place": f"{place} ({where})" if place else where}


def _contacts(contacts: list[dict]) -> str:
    lines = []
    for contact in contacts:
        name = text(mapping(contact, "name"), "formatted_name")
        reach = [text(p, "phone") for p in objects(contact, "phones")]
        reach += [text(e, "email") for e in objects(contact, "emails")]
        lines.append(_("Contact: %(name)s %(reach)s")
                     % {"name": name, "reach": ", ".join(r for r in reach if r)})
    return "\n".join(lines) or _("[an empty contact card]")


def _status(status: dict) -> DeliveryUpdate | None:
    state, wamid = text(status, "status"), text(status, "id")
    if state not in STATUSES or not wamid:
        return None  # "deleted", "warning"…: nothing our delivery statuses say
    error = ""
    if state == "failed":
        errors = objects(status, "errors")
        error = "; ".join(_failure(e) for e in errors) or _("WhatsApp did not deliver it.")
    return DeliveryUpdate(external_id=wamid, status=state, error=error)


def _failure(error: dict) -> str:
    if str(error.get("code")) == str(WHATSAPP_WINDOW_CODE):
        return whatsapp_window_reason()
    details = text(mapping(error, "error_data"), "details")
    words = [text(error, "title"), text(error, "message"), details]
    unique = [w for i, w in enumerate(words) if w and w not in words[:i]]
    return ": ".join(unique[:2]) + (f" — {unique[2]}" if len(unique) > 2 else "")
