"""A webhook's Update, read with python-telegram-bot's own types, as one inbox message.

Only ``message`` and ``edited_message`` carry what customers write (the webhook asks for
nothing else); in a group the sender is the customer and the group's chat gets the replies.
"""


import phonenumbers
from telegram import Message, Update

from inbox.actions import Incoming, NewAttachment

from ..payloads import load_document


def read_update(body: bytes) -> Update:
    """The Update in ``body``; ValueError if it is not one (the payload fails, kept)."""
    document = load_document(body, what="a Telegram update: a JSON object")
    try:
        return Update.de_json(document, bot=None)
    except Exception as error:  # the SDK's own validation: missing or mistyped fields
        raise ValueError(f"not a Telegram update: {type(error).__name__}: {error}") from None


def customer_message(update: Update) -> Message | None:
    """The message a customer wrote or edited; None for updates we do not handle
    (callback queries, chat member changes, channel posts…) and for live location updates,
    which Telegram sends as edits every few seconds."""
    message = update.message or update.edited_message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    if message.edit_date and message.location and not (message.text or message.caption):
        return None
    return message


def inbound_message(update: Update, message: Message,
                    media: NewAttachment | str | None = None) -> Incoming | None:
    """``media``: the downloaded file, or the note that replaces it. None when the message
    holds nothing to show (a service message: a member joined, a pin…)."""
    sender, chat_id = message.from_user, message.chat.id
    key = f"{chat_id}:{message.message_id}"
    metadata = {"chat_id": chat_id, "chat_type": message.chat.type,
                "message_id": message.message_id, "update_id": update.update_id}
    if sender.username:
        metadata["username"] = sender.username
    lines = [message.text or message.caption or ""]
    verified_phones = ()
    if message.location:
        latitude, longitude = message.location.latitude, message.location.longitude
        metadata.update(latitude=latitude, longitude=longitude)
        place = f" {message.venue.title}, {message.venue.address}" if message.venue else ""
        lines.append(f"📍 Location{place} {latitude}, {longitude}")
    if message.contact:
        contact = message.contact
        lines.append(f"📇 Contact: {contact.first_name} {contact.last_name or ''}".rstrip()
                     + f", {contact.phone_number}")
        if contact.user_id == sender.id:  # Telegram vouches for the user's own number
            verified_phones = tuple(filter(None, [_phone(contact.phone_number)]))
    if message.sticker:
        lines.append(f"[Sticker {message.sticker.emoji or ''}]".replace(" ]", "]"))
    if isinstance(media, str):
        lines.append(media)
    text = "\n".join(line for line in lines if line)
    attachments = (media,) if isinstance(media, NewAttachment) else ()
    if not text and not attachments:
        return None
    replies_to = []
    external_id = key
    if message.edit_date:
        external_id = f"{key}:edit:{int(message.edit_date.timestamp())}"
        metadata["edited_of"] = key
        replies_to.append(key)
        text = f"✏️ Edited message:\n{text}" if text else "✏️ Edited message"
    if message.reply_to_message:
        replies_to.append(f"{chat_id}:{message.reply_to_message.message_id}")
    return Incoming(
        address=str(sender.id), text=text, external_id=external_id,
        display_name=sender.full_name, verified=True, verified_phones=verified_phones,
        attachments=attachments, metadata=metadata, replies_to=tuple(replies_to),
    )


def _phone(raw: str) -> str | None:
    """Telegram gives the international number without its "+"; None if it is not one."""
    digits = raw.strip()
    digits = digits if digits.startswith("+") else f"+{digits}"
    try:
        number = phonenumbers.parse(digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
