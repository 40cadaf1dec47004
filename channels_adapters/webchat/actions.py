"""The writes of the widget's customer side. Each goes through the shared actions
(``receive_message``, ``identity_resolve``, ``message_update_delivery``…): a visitor's message
is an inbound message like any other channel's."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.actions import customer_note_contact, identity_resolve
from customers.addresses import IdentityKind, normalise_address
from inbox.actions import Received, message_update_delivery, receive_message
from inbox.actions.agents import customer_typing
from inbox.models import Message, Thread

from ..models import Channel
from .guards import max_text_length
from .selectors import VisitorScope, visible_messages
from .tokens import IDENTITY_SECRET, Visitor, identity_hash_matches, new_visitor_address

CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class VerificationRefused(ValidationError):
    """The site's identity hash does not match: nothing is trusted, nothing is joined."""


@dataclass(frozen=True)
class VerifiedUser:
    email: str
    user_hash: str


def visitor_create(*, channel: Channel, name: str = "", email: str = "",
                   user: VerifiedUser | None = None) -> Visitor:
    """A new visitor of ``channel``.

    With ``user`` (the signed-in user's e-mail and the site's HMAC of it), the visitor joins
    the customer who owns that e-mail, verified, or a new one: their web-chat identity is
    made now, on that customer. Without, nothing is stored until the visitor writes or leaves
    their details (``name``, ``email``: the pre-chat form, never trusted).
    """
    address = new_visitor_address()
    if user is not None:
        return _verified_visitor(channel, address, user, name)
    visitor = Visitor(channel_id=channel.pk, address=address)
    if name.strip() or email.strip():
        visitor_leave_contact(channel=channel, visitor=visitor, name=name, email=email)
    return visitor


def _verified_visitor(channel: Channel, address: str, user: VerifiedUser,
                      name: str) -> Visitor:
    secret = str((channel.secrets or {}).get(IDENTITY_SECRET, ""))
    if not secret:
        raise VerificationRefused(
            _("Identity verification is not set up on this channel (no identity_secret)."),
            code="verification_not_set_up")
    if not isinstance(user.email, str) or not identity_hash_matches(
            secret, user.email, user.user_hash):
        raise VerificationRefused(
            _("The user hash does not match the user's e-mail: the identity is not verified."),
            code="bad_user_hash")
    email = normalise_address(IdentityKind.EMAIL, user.email)
    with transaction.atomic():
        owner = identity_resolve(kind=IdentityKind.EMAIL, address=email, verified=True,
                                 display_name=name, team=channel.team)
        # The verified e-mail is what joins the new web-chat identity to its customer.
        identity_resolve(kind=IdentityKind.WEBCHAT, address=address, verified=True,
                         display_name=name or owner.identity.display_name,
                         verified_emails=[email], team=channel.team)
    return Visitor(channel_id=channel.pk, address=address, verified_email=email)


def visitor_leave_contact(*, channel: Channel, visitor: Visitor, name: str = "",
                          email: str = "") -> None:
    """The visitor's name and e-mail, as typed: kept on their profile, never proof."""
    name = (name or "").strip()[:200]
    with transaction.atomic():
        resolved = identity_resolve(kind=IdentityKind.WEBCHAT, address=visitor.address,
                                    display_name=name, verified=visitor.verified,
                                    team=channel.team)
        customer_note_contact(customer=resolved.customer, name=name, email=email,
                              channel=channel)


def visitor_send(*, channel: Channel, visitor: Visitor, text, client_id) -> Received:
    """The visitor wrote. ``client_id`` is the widget's own id for the message, so that a
    resend after a reconnect is the same message, never a second one."""
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
        raise ValidationError(_("client_id must be 1 to 64 letters, digits, - or _."),
                              code="invalid_client_id")
    if not isinstance(text, str):
        raise ValidationError(_("text must be a string."), code="invalid_text")
    limit = max_text_length()
    if len(text) > limit:
        raise ValidationError(
            _("The message is %(length)d characters long; the limit is %(limit)d.")
            % {"length": len(text), "limit": limit}, code="too_long")
    return receive_message(
        channel=channel, address=visitor.address, text=text,
        # Namespaced by the visitor: one visitor can never guess into another's messages.
        external_id=f"{visitor.address}:{client_id}",
        verified=visitor.verified,
        verified_emails=[visitor.verified_email] if visitor.verified else (),
    )


def visitor_typing(*, thread_id: int) -> None:
    thread = Thread.objects.filter(pk=thread_id).only("id", "team_id").first()
    if thread is not None:
        customer_typing(thread=thread)


def visitor_mark_messages(*, scope: VisitorScope, channel: Channel, up_to,
                          status: str) -> list[int]:
    """The widget showed (``read``) or received (``delivered``) the replies on this channel up
    to message ``up_to``: their delivery status moves forward, as a provider's receipt would."""
    if isinstance(up_to, bool) or not isinstance(up_to, int) or up_to < 1:
        raise ValidationError(_("up_to must be a message id."), code="invalid_cursor")
    # Queued too: the adapter pushes a reply while its delivery (holding the row's lock) is
    # not yet committed; message_update_delivery waits for that lock, then sees it sent.
    behind = [Message.DeliveryStatus.QUEUED, Message.DeliveryStatus.SENT]
    if status == Message.DeliveryStatus.READ:
        behind.append(Message.DeliveryStatus.DELIVERED)
    message_ids = list(
        visible_messages(scope, sending=True)
        .filter(channel=channel, direction=Message.Direction.OUTBOUND,
                delivery_status__in=behind, pk__lte=up_to)
        .order_by("id").values_list("id", flat=True)[:200])
    for message_id in message_ids:
        message_update_delivery(message=message_id, status=status)
    return message_ids
