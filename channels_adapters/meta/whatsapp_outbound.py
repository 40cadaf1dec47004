"""Sending on WhatsApp: a text, files (uploaded first, then sent by media id, the first one
carrying the text as its caption), or an approved template outside the 24-hour window."""

from ..adapters.base import DeliveryError
from .errors import delivery_error
from .graph import GraphClient, GraphError

CAPTION_TYPES = {"image", "video", "document"}
MAX_CAPTION = 1024


def send_whatsapp(client: GraphClient, *, phone_number_id: str, message) -> str:
    """Send ``message``; the wamid of its first WhatsApp message."""
    to = message.identity.address.lstrip("+")
    try:
        template = (message.metadata or {}).get("template")
        if template:
            bodies = [_template(template)]
        else:
            # Uploads first: a failure there sends nothing, so a retry duplicates nothing.
            files = [(_media_type(a.content_type), a.filename, _upload(
                client, phone_number_id, a)) for a in message.attachments.all()]
            bodies = _bodies(message.text, files)
        wamids = [_send(client, phone_number_id, to, body) for body in bodies]
    except GraphError as error:
        raise delivery_error(error) from None
    return wamids[0]


def _bodies(text: str, files: list[tuple[str, str, str]]) -> list[dict]:
    bodies = []
    caption_first = bool(files) and files[0][0] in CAPTION_TYPES and len(text) <= MAX_CAPTION
    if text and not caption_first:
        bodies.append({"type": "text", "text": {"body": text, "preview_url": False}})
    for index, (kind, filename, media_id) in enumerate(files):
        media = {"id": media_id}
        if kind == "document":
            media["filename"] = filename
        if index == 0 and caption_first and text:
            media["caption"] = text
        bodies.append({"type": kind, kind: media})
    return bodies


def _template(template: dict) -> dict:
    """The composer's ``{"name", "language", "parameters"}`` as the Cloud API wants it."""
    if not isinstance(template, dict) or not template.get("name"):
        raise DeliveryError("The template to send has no name.", transient=False)
    body = {"name": str(template["name"]),
            "language": {"code": str(template.get("language") or "en_US")}}
    parameters = template.get("parameters") or []
    if parameters:
        body["components"] = [{"type": "body", "parameters": [
            {"type": "text", "text": str(value)} for value in parameters]}]
    return {"type": "template", "template": body}


def _upload(client: GraphClient, phone_number_id: str, attachment) -> str:
    content = attachment.read()
    content_type = attachment.content_type or "application/octet-stream"
    answer = client.post(
        f"{phone_number_id}/media",
        data={"messaging_product": "whatsapp", "type": content_type},
        files={"file": (attachment.filename, content, content_type)})
    return str(answer.get("id", ""))


# What WhatsApp shows inline; any other file goes as a document.
INLINE_TYPES = {"image/jpeg": "image", "image/png": "image", "video/mp4": "video",
                "video/3gpp": "video", "audio/aac": "audio", "audio/mp4": "audio",
                "audio/mpeg": "audio", "audio/amr": "audio", "audio/ogg": "audio"}


def _media_type(content_type: str) -> str:
    return INLINE_TYPES.get((content_type or "").split(";")[0].strip().lower(), "document")


def _send(client: GraphClient, phone_number_id: str, to: str, body: dict) -> str:
    answer = client.post(f"{phone_number_id}/messages", json={
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **body})
    messages = answer.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        raise GraphError("Meta's answer holds no message id", status=200)
    return str(messages[0].get("id", ""))
