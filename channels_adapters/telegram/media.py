"""The file a Telegram message carries, fetched with getFile and downloaded as an attachment.

Bots may download files up to 20 MB (``FileSizeLimit.FILESIZE_DOWNLOAD``); a bigger one
becomes a note in the message's text instead, never an error that would hold the message
back."""

import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath

from telegram import Bot, Message
from telegram.constants import FileSizeLimit
from telegram.error import BadRequest

from inbox.actions import NewAttachment

DOWNLOAD_LIMIT = int(FileSizeLimit.FILESIZE_DOWNLOAD)


@dataclass(frozen=True)
class MediaRef:
    """One file of a message, before it is downloaded."""

    file_id: str
    label: str  # what the customer sent, for notes: "photo", "voice message"…
    filename: str  # without extension when Telegram gives no name: getFile's path has one
    content_type: str = ""
    file_size: int | None = None


def media_of(message: Message) -> MediaRef | None:
    """The file worth keeping: the largest photo size, a document, voice, audio or video."""
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height,
                                                       size.file_size or 0))
        return MediaRef(largest.file_id, "photo", f"photo-{largest.file_unique_id}",
                        "", largest.file_size)
    for label, media, default_name in (
        ("file", message.document, "document"),
        ("voice message", message.voice, "voice"),
        ("audio file", message.audio, "audio"),
        ("video", message.video, "video"),
        ("video message", message.video_note, "video-note"),
    ):
        if media is not None:
            name = getattr(media, "file_name", None) or f"{default_name}-{media.file_unique_id}"
            return MediaRef(media.file_id, label, name, getattr(media, "mime_type", None) or "",
                            media.file_size)
    return None


def too_large_note(media: MediaRef) -> str:
    return (f"[The customer sent a {media.label} ({media.filename}) larger than "
            f"{DOWNLOAD_LIMIT // 10**6} MB: Telegram does not let bots download it.]")


async def download(bot: Bot, media: MediaRef) -> NewAttachment | str:
    """The file as an attachment, or a note saying why it is not there. Other Bot API
    errors (Telegram down) are raised: the payload fails and can be processed again."""
    if media.file_size and media.file_size > DOWNLOAD_LIMIT:
        return too_large_note(media)
    try:
        file = await bot.get_file(media.file_id)
    except BadRequest as error:
        if "too big" in error.message.lower():
            return too_large_note(media)
        raise
    if file.file_size and file.file_size > DOWNLOAD_LIMIT:
        return too_large_note(media)
    content = bytes(await file.download_as_bytearray())
    if len(content) > DOWNLOAD_LIMIT:
        return too_large_note(media)
    filename = media.filename
    suffix = PurePosixPath(file.file_path or "").suffix
    if not PurePosixPath(filename).suffix and suffix:
        filename += suffix
    content_type = (media.content_type or mimetypes.guess_type(filename)[0]
                    or "application/octet-stream")
    return NewAttachment(filename=filename, content=content, content_type=content_type)
