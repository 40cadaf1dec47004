"""A reply as Bot API calls: sendMessage for text (split at Telegram's 4,096 characters),
sendPhoto for images and sendDocument for other files, the text as the caption of a single
attachment when it fits."""

from dataclasses import dataclass

from telegram import Bot, InputFile
from telegram.constants import MessageLimit
from telegram.error import TelegramError

from inbox.models import Message

from ..adapters.base import DeliveryError
from ..selectors import last_inbound_metadata
from .client import bot_config, run
from .errors import delivery_error

TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)
CAPTION_LIMIT = int(MessageLimit.CAPTION_LENGTH)
# What sendPhoto shows as a photo; any other file goes as a document.
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
PHOTO_LIMIT = 10 * 10**6


@dataclass(frozen=True)
class OutboundFile:
    filename: str
    content_type: str
    content: bytes


class PartlySent(Exception):
    def __init__(self, sent: int, total: int, error: TelegramError):
        super().__init__(error.message)
        self.sent, self.total, self.error = sent, total, error


def reply_chat_id(message: Message) -> str:
    """The chat the customer last wrote from on this channel (a group, for a customer who
    writes there), else their private chat, whose id is their user id."""
    chat_id = last_inbound_metadata(message).get("chat_id")
    return str(chat_id if chat_id not in (None, "") else message.identity.address)


def send_reply_message(message: Message) -> str:
    """Send ``message``; the provider id is ``<chat id>:<message id>`` of the first part."""
    config = bot_config(message.channel)
    chat_id = reply_chat_id(message)
    files = [_read(attachment) for attachment in message.attachments.all()]
    try:
        first_id = run(config, lambda bot: _send(bot, chat_id, message.text, files))
    except PartlySent as partial:
        reason = delivery_error(partial.error, config.token).reason
        raise DeliveryError(f"Only {partial.sent} of the {partial.total} parts were sent "
                            f"(sending again would repeat them): {reason}",
                            transient=False) from None
    except TelegramError as error:
        raise delivery_error(error, config.token) from None
    return f"{chat_id}:{first_id}"


async def _send(bot: Bot, chat_id: str, text: str, files: list[OutboundFile]) -> int:
    caption = text if len(files) == 1 and _utf16_length(text) <= CAPTION_LIMIT else None
    calls = []
    if text and caption is None:
        calls += [lambda part=part: bot.send_message(chat_id, part) for part in split_text(text)]
    for file in files:
        calls.append(lambda file=file: _send_file(bot, chat_id, file, caption))
    sent: list[int] = []
    for call in calls:
        try:
            sent.append((await call()).message_id)
        except TelegramError as error:
            if sent:  # retrying would repeat what went out: the agent decides
                raise PartlySent(len(sent), len(calls), error) from error
            raise
    return sent[0]


async def _send_file(bot: Bot, chat_id: str, file: OutboundFile, caption: str | None):
    upload = InputFile(file.content, filename=file.filename)
    if file.content_type in PHOTO_TYPES and len(file.content) <= PHOTO_LIMIT:
        return await bot.send_photo(chat_id, upload, caption=caption)
    return await bot.send_document(chat_id, upload, caption=caption)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` in parts Telegram accepts (it counts UTF-16 code units), cut at a line
    break or a space near the end of each part when there is one."""
    parts = []
    while _utf16_length(text) > limit:
        cut = _longest_prefix(text, limit)
        boundary = text.rfind("\n", 0, cut)
        if boundary <= cut // 2:
            boundary = text.rfind(" ", 0, cut)
        if boundary > cut // 2:
            cut = boundary + 1
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _longest_prefix(text: str, limit: int) -> int:
    """The number of characters of ``text`` that fit in ``limit`` UTF-16 code units."""
    units = 0
    for index, character in enumerate(text):
        units += 2 if ord(character) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _read(attachment) -> OutboundFile:
    return OutboundFile(attachment.filename, attachment.content_type, attachment.read())
