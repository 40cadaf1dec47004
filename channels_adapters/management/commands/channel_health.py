"""``manage.py channel_health``: each channel's last inbound, last error, queued and failed."""

from django.core.management.base import BaseCommand
from django.db.models import Count, Max, OuterRef, Q, Subquery

from channels_adapters.models import Channel, InboundPayload, MailboxState
from inbox.models import Message


def _latest(queryset, field: str):
    return Subquery(queryset.filter(channel=OuterRef("pk")).values(field)[:1])


class Command(BaseCommand):
    help = "Show each channel's health: last inbound, last error, queued and failed messages."

    def handle(self, *args, **options):
        failed_payloads = InboundPayload.objects.filter(
            status=InboundPayload.Status.FAILED).order_by("-received_at")
        failed_messages = Message.objects.filter(
            delivery_status=Message.DeliveryStatus.FAILED).order_by("-created_at")
        outbound = Q(messages__direction=Message.Direction.OUTBOUND)
        channels = Channel.objects.annotate(
            last_payload=Max("payloads__received_at"),
            last_inbound=Max("messages__created_at",
                             filter=Q(messages__direction=Message.Direction.INBOUND)),
            queued=Count("messages", distinct=True, filter=outbound & Q(
                messages__delivery_status=Message.DeliveryStatus.QUEUED)),
            failed=Count("messages", distinct=True, filter=outbound & Q(
                messages__delivery_status=Message.DeliveryStatus.FAILED)),
            payload_error=_latest(failed_payloads, "error"),
            payload_error_at=_latest(failed_payloads, "received_at"),
            delivery_error=_latest(failed_messages, "delivery_error"),
            mailbox_error=_latest(MailboxState.objects.exclude(last_error="")
                                  .order_by("-last_error_at"), "last_error"),
        ).order_by("kind", "name")
        self.stdout.write(f"{'channel':<32} {'kind':<10} {'active':<6} {'last inbound':<17} "
                          f"{'queued':>6} {'failed':>6}  last error")
        for channel in channels:
            last = max(filter(None, [channel.last_payload, channel.last_inbound]), default=None)
            if channel.mailbox_error:  # the mailbox cannot be read: nothing comes in
                error = f"mailbox: {channel.mailbox_error}"
            elif channel.payload_error:
                error = f"{channel.payload_error_at:%Y-%m-%d %H:%M} {channel.payload_error}"
            else:
                error = channel.delivery_error or ""
            self.stdout.write(
                f"{channel.name[:32]:<32} {channel.kind:<10} "
                f"{'yes' if channel.is_active else 'no':<6} "
                f"{last.strftime('%Y-%m-%d %H:%M') if last else 'never':<17} "
                f"{channel.queued:>6} {channel.failed:>6}  {error[:60]}"
            )
