"""What a visitor may read: their own conversation, in the JSON form the widget shows.

An anonymous visitor sees the messages exchanged with their own web-chat identity only. A
visitor the site verified sees every inbound and outbound message of their customer's thread,
whatever the channel (never notes, calls or visits): the e-mail they wrote last week too. The
verified e-mail in the token is checked against the customer at every read, so a visitor
whose identity an agent moved to another profile (an undone merge) sees no one else's.
"""

from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from customers.addresses import IdentityKind
from customers.models import Identity
from inbox.models import HEARTBEAT_TIMEOUT, AgentPresence, Message, ThreadRead

from ..models import Channel
from .tokens import Visitor

HISTORY_PAGE = 30
MAX_HISTORY_PAGE = 100
SHOWN_DIRECTIONS = (Message.Direction.INBOUND, Message.Direction.OUTBOUND)
# Outbound messages not yet handed to their provider are not the customer's to see yet.
HIDDEN_STATUSES = (Message.DeliveryStatus.QUEUED, Message.DeliveryStatus.FAILED)


@dataclass(frozen=True)
class VisitorScope:
    """Where a visitor stands: their identity (None before their first message), their
    thread, and whether they see the whole thread or only their own chat."""

    visitor: Visitor
    identity: Identity | None
    thread_id: int | None
    whole_thread: bool

    @property
    def identity_id(self) -> int | None:
        return self.identity.pk if self.identity else None

    def shows(self, *, identity_id: int | None) -> bool:
        """Whether a message of this thread, to or from ``identity_id``, is theirs to see."""
        return self.whole_thread or (identity_id is not None and identity_id == self.identity_id)


def visitor_scope(visitor: Visitor) -> VisitorScope:
    identity = (Identity.objects.select_related("customer__thread")
                .filter(kind=IdentityKind.WEBCHAT, address=visitor.address).first())
    if identity is None:
        return VisitorScope(visitor, None, None, whole_thread=False)
    whole_thread = visitor.verified and Identity.objects.filter(
        customer_id=identity.customer_id, kind=IdentityKind.EMAIL,
        address=visitor.verified_email, verified=True).exists()
    return VisitorScope(visitor, identity, identity.customer.thread.pk, whole_thread)


def visible_messages(scope: VisitorScope, *, sending: bool = False) -> QuerySet[Message]:
    """The visitor's messages; with ``sending``, also the replies still being sent (the
    widget may hold one that the adapter pushed before its "sent" was committed)."""
    if scope.thread_id is None:
        return Message.objects.none()
    hidden = [Message.DeliveryStatus.FAILED] if sending else HIDDEN_STATUSES
    messages = (Message.objects.filter(thread_id=scope.thread_id,
                                       direction__in=SHOWN_DIRECTIONS)
                .exclude(direction=Message.Direction.OUTBOUND, delivery_status__in=hidden))
    if not scope.whole_thread:
        messages = messages.filter(identity_id=scope.identity_id)
    return messages.select_related("channel", "author")


def history_page(scope: VisitorScope, *, before: int | None = None, after: int | None = None,
                 limit: int = HISTORY_PAGE) -> tuple[list[Message], bool]:
    """A page of the visitor's messages, oldest first, and whether there are more.

    ``before``: the newest ones older than that message id (scrolling back); ``after``: the
    oldest ones newer than it (catching up after a reconnect). Ids are the cursor: the
    timeline of one thread is in id order for what the widget shows.
    """
    limit = max(1, min(limit, MAX_HISTORY_PAGE))
    messages = visible_messages(scope)
    if after is not None:
        page = list(messages.filter(pk__gt=after).order_by("id")[: limit + 1])
        return page[:limit], len(page) > limit
    if before is not None:
        messages = messages.filter(pk__lt=before)
    page = list(messages.order_by("-id")[: limit + 1])
    return page[:limit][::-1], len(page) > limit


def seen_at(thread_id: int | None):
    """When an agent last read the thread (the widget shows "Seen" up to then)."""
    if thread_id is None:
        return None
    return ThreadRead.objects.filter(thread_id=thread_id).aggregate(last=Max("read_at"))["last"]


def agents_online(channel: Channel) -> bool:
    """Whether an agent of the channel's team is online now (a recent heartbeat)."""
    return AgentPresence.objects.filter(
        Q(user__teams=channel.team_id), user__is_active=True,
        status=AgentPresence.Status.ONLINE,
        heartbeat_at__gte=timezone.now() - HEARTBEAT_TIMEOUT,
    ).exists()


def initials(name: str) -> str:
    words = [word for word in name.replace("-", " ").split() if word[:1].isalpha()]
    return "".join(word[0] for word in words[:2]).upper() or "?"


def visitor_message(message: Message, *, visitor_address: str = "") -> dict:
    """A message as the widget shows it: plain text (never HTML), its channel, its author's
    first name and initials, and the visitor's own client id for their web-chat messages."""
    author = None
    if message.direction == Message.Direction.OUTBOUND:
        name = ""
        if message.author is not None:
            name = message.author.first_name or message.author.username
        author = {"name": name or "Support", "initials": initials(
            message.author.display_name if message.author else "Support")}
    client_id = None
    prefix = f"{visitor_address}:"
    if visitor_address and (message.external_id or "").startswith(prefix):
        client_id = message.external_id[len(prefix):]
    channel = message.channel
    return {
        "id": message.pk,
        "direction": message.direction,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
        "channel": {"kind": channel.kind if channel else "",
                    "label": str(channel.get_kind_display()) if channel else ""},
        "author": author,
        "status": message.delivery_status,
        "client_id": client_id,
    }
