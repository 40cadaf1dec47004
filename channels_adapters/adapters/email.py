"""E-mail: inbound mail (from the IMAP poller or the SMTP listener) is stored raw as a
payload like any provider request, then read here with the standard library's ``email``
package (``channels_adapters.email.parsing``); replies go out over SMTP
(``channels_adapters.email.outbound``)."""

from django.conf import settings

from inbox.actions import NewAttachment

from ..email.parsing import ParsedEmail, parse_email
from .base import ChannelAdapter, InboundMessage


def max_mail_bytes() -> int:
    """The largest mail with its attachments (THREADLINE_MAX_MAIL_BYTES, 50 MB)."""
    return settings.THREADLINE_MAX_MAIL_BYTES


class EmailAdapter(ChannelAdapter):
    @property
    def max_body_bytes(self) -> int:
        return max_mail_bytes()

    def verify(self, headers, body) -> bool:
        return False  # mail does not arrive by webhook: the poller and listener store it

    def parse(self, body, headers):
        parsed = parse_email(body)  # UnparseableEmail is a ValueError: the payload fails
        return [inbound_message(parsed)]

    def send(self, message) -> str:
        from ..email.outbound import send_email

        return send_email(message)


def inbound_message(parsed: ParsedEmail) -> InboundMessage:
    """The timeline shows the new part of the mail; the full text (quoted history included)
    is kept in the metadata, with what threads the conversation. A text longer than a
    message may be is cut in the timeline and attached whole."""
    limit = settings.THREADLINE_MAX_TEXT_LENGTH
    attachments = [
        NewAttachment(filename=a.filename, content=a.content, content_type=a.content_type,
                      inline=a.inline)
        for a in parsed.attachments
    ]
    text = parsed.text_trimmed or parsed.text or parsed.subject
    if len(parsed.text) > limit:
        attachments.append(NewAttachment(filename="full-message.txt",
                                         content=parsed.text.encode(),
                                         content_type="text/plain; charset=utf-8"))
    if len(text) > limit:
        text = text[: limit - 100] + "\n[…] The whole text is attached (full-message.txt)."
    return InboundMessage(
        address=parsed.from_address,
        display_name=parsed.from_name,
        text=text,
        html=parsed.html if len(parsed.html) <= 4 * limit else "",
        external_id=f"<{parsed.message_id}>",
        replies_to=tuple(f"<{ref}>" for ref in [parsed.in_reply_to, *parsed.references[::-1]]
                         if ref),
        verified=True,
        automatic=parsed.automatic,
        attachments=tuple(attachments),
        metadata={
            "subject": parsed.subject,
            "message_id": parsed.message_id,
            "in_reply_to": parsed.in_reply_to,
            "references": parsed.references,
            "full_text": parsed.text[:limit] if parsed.text_trimmed != parsed.text else "",
            "automatic_reason": parsed.automatic_reason,
            "skipped_attachments": [
                {"filename": s.filename, "size": s.size, "reason": s.reason}
                for s in parsed.skipped_attachments
            ],
            "problems": parsed.problems,
            "date": parsed.date.isoformat() if parsed.date else None,
        },
    )
