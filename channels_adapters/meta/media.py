"""Files customers send: fetched while the payload is processed, within our attachment
limit. A file that cannot be had becomes a note in the message's text, so the message
itself is never lost for it."""

import mimetypes
from dataclasses import dataclass

from django.utils.translation import gettext as _

from inbox.actions.messages import MAX_ATTACHMENT_BYTES, NewAttachment

from .graph import GraphClient, GraphError, MediaTooLarge


@dataclass(frozen=True)
class Fetched:
    attachment: NewAttachment | None = None
    note: str = ""


def filename_for(kind: str, name: str, content_type: str) -> str:
    if name:
        return name
    extension = mimetypes.guess_extension(content_type or "") or ""
    return f"{kind}{extension}"


def fetch(client: GraphClient, url: str, *, kind: str, filename: str = "",
          content_type: str = "", with_token: bool, declared_size: int | None = None) -> Fetched:
    """The file at ``url``, or a note saying why it is missing."""
    limit = MAX_ATTACHMENT_BYTES
    try:
        if declared_size is not None and declared_size > limit:
            raise MediaTooLarge(declared_size)
        content, served_type = client.download(url, limit=limit, with_token=with_token)
    except MediaTooLarge as error:
        return Fetched(note=_("[The %(kind)s (%(size)s MB) is larger than the %(limit)d MB "
                              "limit and was not downloaded.]")
                       % {"kind": kind, "size": f"{error.size / 2**20:.1f}",
                          "limit": limit // 2**20})
    except GraphError as error:
        return Fetched(note=_("[The %(kind)s could not be downloaded: %(reason)s]")
                       % {"kind": kind, "reason": error.message})
    content_type = content_type or served_type or "application/octet-stream"
    return Fetched(attachment=NewAttachment(
        filename=filename_for(kind, filename, content_type), content=content,
        content_type=content_type))
