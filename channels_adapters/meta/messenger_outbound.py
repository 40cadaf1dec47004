"""Sending on Messenger and Instagram through the Send API (``POST /me/messages``).

Files go up with the message itself (Messenger's attachment upload: ``filedata`` in a
multipart request), one message per file after the text. Instagram's API takes files only
by public URL, which we do not have: a reply with files fails with a reason the agent can
act on, before anything is sent.
"""

import json

from django.utils.translation import gettext as _

from ..adapters.base import DeliveryError
from .errors import delivery_error
from .graph import GraphClient, GraphError

ATTACHMENT_TYPES = {"image": "image", "video": "video", "audio": "audio"}


def send_messaging(client: GraphClient, *, message, human_agent_tag: bool,
                   uploads: bool) -> str:
    """Send ``message``; the mid of its first Messenger message."""
    attachments = list(message.attachments.all())
    if attachments and not uploads:
        raise DeliveryError(_("Instagram messages cannot carry files sent from here: send "
                              "the text alone, or a link to the file."), transient=False)
    recipient = {"id": message.identity.address}
    envelope = ({"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"} if human_agent_tag
                else {"messaging_type": "RESPONSE"})
    try:
        mids = []
        if message.text:
            mids.append(_mid(client.post("me/messages", json={
                "recipient": recipient, **envelope, "message": {"text": message.text}})))
        for attachment in attachments:
            mids.append(_mid(_send_file(client, recipient, envelope, attachment)))
    except GraphError as error:
        raise delivery_error(error) from None
    return mids[0]


def _send_file(client: GraphClient, recipient: dict, envelope: dict, attachment) -> dict:
    content = attachment.read()
    content_type = attachment.content_type or "application/octet-stream"
    kind = ATTACHMENT_TYPES.get(content_type.split("/")[0], "file")
    return client.post("me/messages", data={
        "recipient": json.dumps(recipient), **envelope,
        "message": json.dumps({"attachment": {"type": kind, "payload": {"is_reusable": False}}}),
    }, files={"filedata": (attachment.filename, content, content_type)})


def _mid(answer: dict) -> str:
    if not answer.get("message_id"):
        raise GraphError("Meta's answer holds no message id", status=200)
    return str(answer["message_id"])
