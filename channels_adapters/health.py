"""Which channels a user may see, each with its health: when something last came in, what
waits to be sent or failed, and the last error (as ``manage.py channel_health`` shows it).

Subqueries, not joins: a list of channels costs one query however many messages they
carry."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from inbox.directory import teams_visible_to
from inbox.models import Message

from .models import Channel, InboundPayload, MailboxState

MAX_ERROR_LENGTH = 300


def _latest(queryset, field: str):
    return Subquery(queryset.filter(channel=OuterRef("pk")).values(field)[:1])


def _outbound_count(status: str):
    counted = (Message.objects.filter(channel=OuterRef("pk"),
                                      direction=Message.Direction.OUTBOUND,
                                      delivery_status=status)
               .order_by().values("channel").annotate(count=Count("pk")).values("count"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def channels_visible_to(user) -> QuerySet[Channel]:
    """The channels of the user's teams, annotated with their health (see ``health_of``)."""
    channels = Channel.objects.all()
    if not user.sees_all_teams:
        channels = channels.filter(team__in=teams_visible_to(user))
    inbound = Message.objects.filter(direction=Message.Direction.INBOUND).order_by("-created_at")
    return channels.annotate(
        last_payload_at=_latest(InboundPayload.objects.order_by("-received_at"), "received_at"),
        last_inbound_at=_latest(inbound, "created_at"),
        queued_count=_outbound_count(Message.DeliveryStatus.QUEUED),
        failed_count=_outbound_count(Message.DeliveryStatus.FAILED),
        mailbox_error=_latest(MailboxState.objects.exclude(last_error="")
                              .order_by("-last_error_at"), "last_error"),
        payload_error=_latest(InboundPayload.objects.filter(
            status=InboundPayload.Status.FAILED).order_by("-received_at"), "error"),
        delivery_error=_latest(Message.objects.filter(
            delivery_status=Message.DeliveryStatus.FAILED).order_by("-created_at"),
            "delivery_error"),
    )


def health_of(channel: Channel) -> dict:
    """The health of a channel read through ``channels_visible_to``."""
    last = max(filter(None, [channel.last_payload_at, channel.last_inbound_at]), default=None)
    if channel.mailbox_error:  # the mailbox cannot be read: nothing comes in
        error = f"mailbox: {channel.mailbox_error}"
    else:
        error = channel.payload_error or channel.delivery_error or ""
    return {"last_inbound_at": last, "queued": channel.queued_count,
            "failed": channel.failed_count, "last_error": error[:MAX_ERROR_LENGTH]}
