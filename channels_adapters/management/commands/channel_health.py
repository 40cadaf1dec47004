"""``manage.py channel_health``: each channel's last inbound, last error, queued and failed."""

from django.core.management.base import BaseCommand
from django.db.models import Count, Max, Q

from channels_adapters.models import Channel, InboundPayload
from inbox.models import Message


class Command(BaseCommand):
    help = "Show each channel's health: last inbound, last error, queued and failed messages."

    def handle(self, *args, **options):
        channels = Channel.objects.select_related("team").annotate(
            last_inbound=Max("payloads__received_at"),
        ).order_by("kind", "name")
        outbound = dict(
            (row["channel_id"], row) for row in
            Message.objects.filter(direction=Message.Direction.OUTBOUND)
            .values("channel_id").annotate(
                queued=Count("id", filter=Q(delivery_status=Message.DeliveryStatus.QUEUED)),
                failed=Count("id", filter=Q(delivery_status=Message.DeliveryStatus.FAILED)),
            )
        )
        last_message = dict(
            Message.objects.filter(direction=Message.Direction.INBOUND).values("channel_id")
            .annotate(last=Max("created_at")).values_list("channel_id", "last")
        )
        header = f"{'channel':<32} {'kind':<10} {'active':<6} {'last inbound':<17} " \
                 f"{'queued':>6} {'failed':>6}  last error"
        self.stdout.write(header)
        for channel in channels:
            last = max(filter(None, [channel.last_inbound, last_message.get(channel.pk)]),
                       default=None)
            counts = outbound.get(channel.pk, {"queued": 0, "failed": 0})
            error = (InboundPayload.objects.filter(channel=channel,
                                                   status=InboundPayload.Status.FAILED)
                     .order_by("-received_at").first())
            error_text = f"{error.received_at:%Y-%m-%d %H:%M} {error.error[:60]}" if error else ""
            failed_message = (Message.objects.filter(channel=channel, delivery_status="failed")
                              .order_by("-created_at").values_list("delivery_error", flat=True)
                              .first()) if counts["failed"] and not error else None
            self.stdout.write(
                f"{channel.name[:32]:<32} {channel.kind:<10} "
                f"{'yes' if channel.is_active else 'no':<6} "
                f"{last.strftime('%Y-%m-%d %H:%M') if last else 'never':<17} "
                f"{counts['queued']:>6} {counts['failed']:>6}  "
                f"{error_text or (failed_message or '')[:60]}"
            )
