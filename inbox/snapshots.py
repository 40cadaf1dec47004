"""Plain JSON forms of rows, as they travel inside Event payloads."""

from typing import Any

from .models import Message


def message_snapshot(message: Message) -> dict[str, Any]:
    channel = message.channel
    author = message.author
    return {
        "id": message.pk,
        "thread_id": message.thread_id,
        "channel_id": message.channel_id,
        "channel_kind": channel.kind if channel else None,
        "identity_id": message.identity_id,
        "direction": message.direction,
        "author_id": message.author_id,
        "author_name": author.display_name if author else None,
        "text": message.text,
        "html": message.html,
        "external_id": message.external_id,
        "delivery_status": message.delivery_status,
        "created_at": message.created_at.isoformat(),
        "metadata": message.metadata,
        "attachments": [
            {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments.all()
        ] if message.pk else [],
    }
