"""Inbound e-mail by SMTP, for setups that forward mail to Threadline (aiosmtpd).

Only the addresses of active e-mail channels are accepted as recipients, so the listener is
never an open relay. A mail is stored raw as a payload of each channel it is addressed to
before the sender is told 250; if it cannot be stored the answer is 451, and the sending
server keeps the mail and tries again later: nothing is lost either way.
"""

import logging

from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db.models import Q

from ..adapters.email import max_mail_bytes
from ..inbound import store_payload
from ..models import Channel, ChannelKind

logger = logging.getLogger(__name__)


def channel_for_address(address: str) -> Channel | None:
    """The active e-mail channel of ``address``; ``support+anything@`` is ``support@``."""
    local, _, domain = address.strip().lower().rpartition("@")
    exact = Q(address__iexact=f"{local}@{domain}")
    base = Q(address__iexact=f"{local.split('+')[0]}@{domain}")
    return (Channel.objects.filter(exact | base, kind=ChannelKind.EMAIL, is_active=True)
            .order_by("pk").first())


class InboundMailHandler:
    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        channel = await sync_to_async(channel_for_address)(address)
        if channel is None:
            return f"550 5.1.1 <{address}>: no mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        try:
            stored = await sync_to_async(self.store)(envelope)
        except Exception:  # the database is away: the sender keeps the mail and retries
            logger.exception("could not store a mail from %s", envelope.mail_from)
            return "451 4.3.0 Cannot store the message now; try again later"
        return f"250 2.0.0 Stored as {', '.join(str(pk) for pk in stored)}"

    @staticmethod
    def store(envelope: Envelope) -> list[int]:
        raw = envelope.original_content or envelope.content or b""
        channels = {}
        for recipient in envelope.rcpt_tos:
            channel = channel_for_address(recipient)
            if channel is not None:
                channels.setdefault(channel.pk, (channel, []))[1].append(recipient)
        payloads = []
        for channel, recipients in channels.values():
            headers = {"x-threadline-source": "smtp", "x-smtp-mail-from": envelope.mail_from or "",
                       "x-smtp-rcpt-to": ", ".join(recipients)}
            payloads.append(store_payload(channel=channel, headers=headers, body=raw).pk)
        return payloads


def smtp_server_factory(hostname: str | None = None):
    return lambda: SMTP(InboundMailHandler(), data_size_limit=max_mail_bytes(),
                        hostname=hostname, decode_data=False)
