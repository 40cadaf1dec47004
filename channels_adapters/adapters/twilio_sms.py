"""SMS (and MMS, RCS) through Twilio's Messaging API.

Twilio posts a form to ``/hooks/sms/<channel id>/``, signed with the account's auth token
over the URL it called; it expects TwiML back (empty: no automatic answer). Secrets:
``account_sid``, ``auth_token``. Settings: ``messaging_service_sid``, ``rcs_sender``,
``status_callback_url``, ``webhook_url`` (the public URL, behind a proxy), ``api_base_url``.
The channel's address is its number, in E.164.
"""

from django.http import HttpResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from ..twilio import inbound, media, outbound
from .base import REQUEST_URL_HEADER, ChannelAdapter

SIGNATURE_HEADER = "x-twilio-signature"


class TwilioSmsAdapter(ChannelAdapter):
    kind = "sms"
    # A form with a 1,600-character body, percent-encoded, and ten media URLs: a few kB.
    max_body_bytes = 64 * 1024
    signs_request_url = True

    @classmethod
    def connected(cls, channel) -> bool:
        secrets = channel.secrets or {}
        return bool(secrets.get("account_sid") and secrets.get("auth_token"))

    def verify(self, headers, body) -> bool:
        signature = headers.get(SIGNATURE_HEADER, "")
        if not signature:
            return False
        try:
            form = inbound.read_form(body)
        except ValueError:
            return False
        validator = RequestValidator(self.channel.secrets["auth_token"])
        return any(validator.validate(url, form, signature) for url in self._signed_urls(headers))

    def _signed_urls(self, headers) -> list[str]:
        """The URLs Twilio may have called: the public webhook URL if set (a proxy changes
        what we see), else the one seen here; and the status callback URL."""
        options = self.channel.settings or {}
        urls = [options.get("webhook_url") or headers.get(REQUEST_URL_HEADER, ""),
                options.get("status_callback_url", "")]
        return [url for url in urls if url]

    def acknowledgement(self) -> HttpResponse:
        return HttpResponse(str(MessagingResponse()), content_type="text/xml")

    def parse(self, body, headers):
        form = inbound.read_form(body)
        inbound.message_sid(form)  # every request Twilio makes about a message names it
        if not inbound.is_message(form):
            return inbound.delivery_update(form)
        secrets = self.channel.secrets
        fetched = media.fetch_all(
            inbound.media_items(form), auth=(secrets["account_sid"], secrets["auth_token"]),
            api_base_url=(self.channel.settings or {}).get("api_base_url")
            or outbound.DEFAULT_API_BASE_URL)
        return [inbound.inbound_message(form, fetched)]

    def send(self, message) -> str:
        sid, note = outbound.send_text(self.channel, to=message.identity.address,
                                       body=_text_with_attachment_names(message))
        message.metadata = {**message.metadata, **note}
        message.save(update_fields=["metadata"])
        return sid


def _text_with_attachment_names(message) -> str:
    """MMS needs public URLs of the files, which we do not publish: the customer gets the
    text and the names of the files left out."""
    names = [attachment.filename for attachment in message.attachments.all()]
    if not names:
        return message.text
    note = "(Attachments not sent by SMS: " + ", ".join(names) + ")"
    return f"{message.text}\n\n{note}" if message.text else note
