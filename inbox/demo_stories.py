"""The demo company's customer stories, told through the actions as live traffic would be.

Used by ``manage.py load_demo``. Each story is one function that takes a ``Demo`` (the
people and channels) and writes only through ``inbox.actions`` and ``customers.actions``.
"""

import itertools
import struct
import zlib
from datetime import timedelta

from django.utils import timezone

from channels_adapters.models import Channel
from customers.actions import merge_customers

from .actions import (
    NewAttachment,
    add_note,
    assign_thread,
    change_status,
    log_interaction,
    receive_message,
    send_reply,
    snooze_thread,
    tag_thread,
)
from .models import Message, Team, Thread, User


def _photo_png(width: int = 48, height: int = 32) -> bytes:
    """A small, valid PNG (a warm grey rectangle): the customer's photo of the parcel."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + bytes((196, 180, 160)) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class Demo:
    """The people and channels the stories use, and two helpers that read like the stories."""

    def __init__(self, teams: dict[str, Team], users: dict[str, User],
                 channels: dict[str, Channel]):
        self.teams = teams
        self.users = users
        self.channels = channels
        self._ids = itertools.count(1)

    def receive(self, channel: str, address: str, text: str, **options) -> Thread:
        options.setdefault("external_id", f"demo-{channel}-{next(self._ids)}")
        received = receive_message(channel=self.channels[channel], address=address, text=text,
                                   **options)
        return received.message.thread

    def reply(self, thread: Thread, channel: str, agent: str, text: str) -> Message:
        return send_reply(thread=thread, channel=self.channels[channel],
                          author=self.users[agent], text=text)


def _email_then_chat_then_call(demo: Demo) -> None:
    """Ana writes, then chats from the website signed in, then gets a call: one thread."""
    users = demo.users
    thread = demo.receive(
        "email", "Ana.Morel@example.com", verified=True, display_name="Ana Morel",
        text="Hello,\n\nmy order #48213 arrived this morning and the base of the Aurora table "
             "lamp is cracked. Photo attached. Can you send a replacement?\n\nAna",
        attachments=[NewAttachment("cracked-lamp-base.png", _photo_png(), "image/png")],
    )
    assign_thread(thread=thread, assignee=users["liam"], by=users["sofia"])
    demo.reply(thread, "email", "liam",
               "Hi Ana, I'm so sorry it arrived damaged. Is the shade fine, or should we "
               "replace the whole lamp?")
    demo.receive("webchat", "visitor-7f3a9c", display_name="Ana",
                 verified_emails=["ana.morel@example.com"],
                 text="Hi, I wrote about order 48213 by e-mail. Only the base is cracked, the "
                      "shade is perfect.")
    demo.reply(thread, "webchat", "liam",
               "Thanks Ana, I have your e-mail right here. A new base leaves our warehouse today.")
    log_interaction(thread=thread, author=users["liam"], kind="call", direction="outbound",
                    number="+33 6 12 34 56 78", duration_seconds=240, outcome="Replacement sent",
                    summary="Called Ana to confirm her address for the replacement base. "
                            "Ships tomorrow by Colissimo, tracking sent by e-mail.")
    change_status(thread=thread, status=Thread.Status.RESOLVED, by=users["liam"])


def _telegram_and_whatsapp_merged(demo: Demo) -> None:
    """Tomás writes on Telegram, then on WhatsApp: two profiles until a supervisor merges them."""
    users = demo.users
    thread = demo.receive(
        "telegram", "581204773", display_name="Tomás Silva",
        text="Hello! My Lumen Plus subscription was charged twice this month (2 × €12.90). "
             "Could you check?",
    )
    assign_thread(thread=thread, assignee=users["chloe"], by=users["chloe"])
    demo.reply(thread, "telegram", "chloe",
               "Hi Tomás, I can see two charges on 3 March. I'm asking billing to refund one.")
    whatsapp_thread = demo.receive(
        "whatsapp", "+351 912 345 678", verified=True, display_name="Tomás",
        text="Hi, it's Tomás from Telegram. Any news about the double charge?",
    )
    merge_customers(source=whatsapp_thread.customer, target=thread.customer, by=users["sofia"])
    add_note(thread=thread, author=users["sofia"],
             text="Merged his WhatsApp profile into this one. @chloe billing confirmed the "
                  "refund this morning.")
    demo.reply(thread, "whatsapp", "chloe",
               "Good news: the duplicate €12.90 was refunded today. It can take 3 to 5 working "
               "days to show on your card.")
    tag_thread(thread=thread, add=["billing", "refund"], by=users["chloe"])


def _sms_then_whatsapp_then_voicemail(demo: Demo) -> None:
    """Priya texts, sends a photo on WhatsApp, leaves a voicemail: one number, one customer."""
    users = demo.users
    thread = demo.receive(
        "sms", "+44 7700 900456", verified=True, display_name="Priya Natarajan",
        text="Hi, my Lumen smart bulbs disconnect from the Wi-Fi every evening around 8pm. "
             "Account LH-20931.",
    )
    assign_thread(thread=thread, assignee=users["emma"], by=users["sofia"])
    demo.reply(thread, "sms", "emma",
               "Hi Priya, thanks! Could you send a photo of the hub's lights on WhatsApp, to "
               "+33 1 84 80 12 34?")
    demo.receive("whatsapp", "+447700900456", verified=True,
                 text="Here you go: the status light blinks orange when it drops.")
    demo.receive("phone", "+44 7700 900456", verified=True,
                 metadata={"voicemail": True, "duration_seconds": 42},
                 text="Voicemail: Hi, it's Priya again. It dropped twice tonight. Please call "
                      "me back after 6pm.")
    tag_thread(thread=thread, add=["smart-home", "vip"], by=users["emma"])
    add_note(thread=thread, author=users["emma"],
             text="Orange blinking means the hub loses the 2.4 GHz band. @liam could you send "
                  "her the firmware 3.2 instructions?")


def _slack_partner(demo: Demo) -> None:
    users = demo.users
    thread = demo.receive(
        "slack", "U04QX7B2K9L", display_name="Lukas Becker (Brightwave)",
        text="Hey team, our order webhook has been getting 401s from your API since this "
             "morning. Did the signing secret rotate?",
    )
    assign_thread(thread=thread, assignee=users["noah"], by=users["sofia"])
    tag_thread(thread=thread, add=["partner", "api"], by=users["noah"])
    demo.reply(thread, "slack", "noah",
               "Hi Lukas, yes, we rotated it at 09:00 UTC. I've sent the new secret to your "
               "admin by e-mail.")
    demo.receive("slack", "U04QX7B2K9L", text="Got it, orders are flowing again. Thanks!")


def _instagram_snoozed(demo: Demo) -> None:
    users = demo.users
    thread = demo.receive(
        "instagram", "17841405822304914", display_name="Mei Chen",
        text="Hi! Is the linen lampshade in sage coming back in stock? 🌿",
    )
    demo.reply(thread, "instagram", "noah",
               "Hi Mei! It's due back on the 20th. We'll message you here as soon as it lands.")
    tag_thread(thread=thread, add=["restock"], by=users["noah"])
    snooze_thread(thread=thread, until=timezone.now() + timedelta(days=7), by=users["noah"])


def _reply_refused(demo: Demo) -> None:
    """Grace texts the old number; its gateway refuses the reply, so an agent calls instead."""
    users = demo.users
    thread = demo.receive(
        "old_sms", "+33 7 81 22 45 90", verified=True, display_name="Grace Okafor",
        text="Hello, could I move my showroom appointment on Friday to next week please?",
    )
    assign_thread(thread=thread, assignee=users["chloe"], by=users["chloe"])
    demo.reply(thread, "old_sms", "chloe",
               "Hi Grace, of course. Would Tuesday at 10:00 suit you?")
    add_note(thread=thread, author=users["chloe"],
             text="@liam Grace texted our old SMS number: that gateway is being switched off "
                  "and refuses replies. Could you call her from the hotline?")
    tag_thread(thread=thread, add=["showroom"], by=users["chloe"])


def _webchat_lead_pending(demo: Demo) -> None:
    users = demo.users
    thread = demo.receive(
        "webchat", "visitor-2b81e0", display_name="Hugo Lefebvre",
        text="Hi, do you have trade pricing for 40 Aurora pendant lights? We're fitting out a "
             "restaurant in Lyon.",
    )
    # The website chat is Support's; a sales lead goes to Sales.
    assign_thread(thread=thread, assignee=users["noah"], team=demo.teams["Sales"],
                  by=users["sofia"])
    demo.reply(thread, "webchat", "noah",
               "Hi Hugo! Yes, from 25 pieces trade pricing is 30% off. What e-mail address "
               "should I send the quote to?")
    tag_thread(thread=thread, add=["lead"], by=users["noah"])
    change_status(thread=thread, status=Thread.Status.PENDING, by=users["noah"])


def _voicemail_then_sms(demo: Demo) -> None:
    """Daniel leaves a voicemail; Emma calls back, confirms by SMS and resolves."""
    users = demo.users
    thread = demo.receive(
        "phone", "+1 415 555 0134", verified=True, display_name="Daniel Kim",
        metadata={"voicemail": True, "duration_seconds": 35},
        text="Voicemail: Hi, this is Daniel Kim. I paid for express shipping on order 51877 "
             "but it came by standard post.",
    )
    log_interaction(thread=thread, author=users["emma"], kind="call", direction="outbound",
                    number="+1 415 555 0134", duration_seconds=180, outcome="Refunded",
                    summary="Called Daniel back and refunded the €7.50 express shipping fee.")
    demo.reply(thread, "sms", "emma",
               "Hi Daniel, as discussed the €7.50 express fee is refunded to your card. Sorry "
               "for the wait! Emma, Lumen Home")
    change_status(thread=thread, status=Thread.Status.RESOLVED, by=users["emma"])


def _new_email(demo: Demo) -> None:
    demo.receive(
        "email", "sarah.johnson@example.org", verified=True, display_name="Sarah Johnson",
        text="Hi, I'm moving next week. Can I change the delivery address of order 52004 to "
             "14 Rue des Lilas, 69003 Lyon?",
    )


def _messenger_question(demo: Demo) -> None:
    users = demo.users
    thread = demo.receive("messenger", "6512874409182736", display_name="Karim Haddad",
                          text="Hello, do you ship to Morocco?")
    demo.reply(thread, "messenger", "noah",
               "Hi Karim! Yes, we ship to Morocco in 5 to 8 working days; customs duties are "
               "paid on delivery.")
    demo.receive("messenger", "6512874409182736", text="Perfect, thank you!")
    change_status(thread=thread, status=Thread.Status.RESOLVED, by=users["noah"])


def _instore_visit(demo: Demo) -> None:
    users = demo.users
    thread = demo.receive(
        "email", "j.novak@example.net", verified=True, display_name="Julia Novak",
        text="Good morning, is the Orbit floor lamp on display in your Paris showroom?",
    )
    demo.reply(thread, "email", "liam",
               "Good morning Julia, it is! The showroom is open Tuesday to Saturday, 10:00-19:00.")
    log_interaction(thread=thread, author=users["liam"], kind="visit", direction="inbound",
                    summary="Julia came to the showroom and ordered the Orbit lamp in brass.",
                    outcome="Order 52117")
    change_status(thread=thread, status=Thread.Status.RESOLVED, by=users["liam"])


def _satisfaction_surveys(demo: Demo) -> None:
    """Resolved customers rate the help they got (CSAT): Karim answers on Messenger with a
    digit, the others on the survey's page, so the reports show a distribution."""
    from surveys.actions import record_answer, send_survey
    from surveys.models import Survey

    users = demo.users
    lukas = Thread.objects.get(customer__identities__address="U04QX7B2K9L")
    change_status(thread=lukas, status=Thread.Status.RESOLVED, by=users["noah"])
    tomas = Thread.objects.get(customer__identities__address="581204773")
    change_status(thread=tomas, status=Thread.Status.RESOLVED, by=users["chloe"])
    answers = (
        ("U04QX7B2K9L", 5, "Fixed within the hour, thanks Noah!"),
        ("ana.morel@example.com", 4, "Quick replacement, but the lamp was badly packed."),
        ("j.novak@example.net", 3, ""),
        ("581204773", 2, "The refund is fine, but I had to ask twice."),
    )
    for address, score, comment in answers:
        thread = Thread.objects.get(customer__identities__address=address)
        survey = send_survey(thread=thread) or Survey.objects.filter(thread=thread).first()
        record_answer(survey=survey, score=score, comment=comment, via=Survey.Via.LINK)
    karim = Thread.objects.get(customer__identities__address="6512874409182736")
    send_survey(thread=karim)
    demo.receive("messenger", "6512874409182736", text="5")


STORIES = (
    _email_then_chat_then_call,
    _telegram_and_whatsapp_merged,
    _sms_then_whatsapp_then_voicemail,
    _slack_partner,
    _instagram_snoozed,
    _reply_refused,
    _webchat_lead_pending,
    _voicemail_then_sms,
    _new_email,
    _messenger_question,
    _instore_visit,
    _satisfaction_surveys,
)
