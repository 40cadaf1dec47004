"""Inbound updates built with python-telegram-bot's own types, serialised as Telegram sends
them (``to_dict``: ``from``, Unix dates, no empty fields)."""

import datetime as dt
import itertools

from telegram import (
    Audio,
    CallbackQuery,
    Chat,
    Contact,
    Document,
    Location,
    Message,
    PhotoSize,
    Sticker,
    Update,
    User,
    Voice,
)

CUSTOMER = User(id=424242, is_bot=False, first_name="Ana", last_name="Lima",
                username="ana_lima", language_code="fr")
PRIVATE_CHAT = Chat(id=CUSTOMER.id, type=Chat.PRIVATE, first_name="Ana")
GROUP_CHAT = Chat(id=-100123456, type=Chat.SUPERGROUP, title="Customers")
SENT_AT = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)
_update_ids = itertools.count(900_000_001)


def update(*, update_id=None, edited=False, **message_fields) -> dict:
    """An Update holding one message (or its edit) from the customer, in their chat."""
    fields = {"message_id": 51, "date": SENT_AT, "chat": PRIVATE_CHAT, "from_user": CUSTOMER,
              **message_fields}
    if edited:
        fields.setdefault("edit_date", SENT_AT + dt.timedelta(minutes=2))
    message = Message(**fields)
    kind = "edited_message" if edited else "message"
    return Update(update_id=update_id or next(_update_ids), **{kind: message}).to_dict()


def text(body="Hello, where is my parcel?", **fields) -> dict:
    return update(text=body, **fields)


def photo(file_id="photo-big", **fields) -> dict:
    sizes = (PhotoSize("photo-small", "ps", 90, 60, file_size=1_000),
             PhotoSize(file_id, "pb", 1280, 853, file_size=90_000))
    return update(photo=sizes, caption="The box arrived like this", **fields)


def document(file_id="doc-1", file_size=12_000, **fields) -> dict:
    return update(document=Document(file_id, "du", file_name="invoice.pdf",
                                    mime_type="application/pdf", file_size=file_size), **fields)


def voice(file_id="voice-1", **fields) -> dict:
    return update(voice=Voice(file_id, "vu", duration=4, mime_type="audio/ogg",
                              file_size=6_000), **fields)


def audio(file_id="audio-1", **fields) -> dict:
    return update(audio=Audio(file_id, "au", duration=4, file_name="song.mp3",
                              mime_type="audio/mpeg"), **fields)


def location(**fields) -> dict:
    return update(location=Location(longitude=2.2945, latitude=48.8584), **fields)


def contact(*, user_id=CUSTOMER.id, phone="33612345678", **fields) -> dict:
    return update(contact=Contact(phone_number=phone, first_name="Ana", last_name="Lima",
                                  user_id=user_id), **fields)


def sticker(**fields) -> dict:
    return update(sticker=Sticker("st-1", "stu", 512, 512, is_animated=False,
                                  is_video=False, type=Sticker.REGULAR, emoji="👍"), **fields)


def callback_query() -> dict:
    query = CallbackQuery(id="cb1", from_user=CUSTOMER, chat_instance="ci", data="yes")
    return Update(update_id=next(_update_ids), callback_query=query).to_dict()
