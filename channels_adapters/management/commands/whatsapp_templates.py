"""Copy a WhatsApp channel's approved message templates from Meta into its settings."""

from django.core.management.base import BaseCommand, CommandError

from channels_adapters.meta.graph import GraphError
from channels_adapters.meta.templates import sync_templates, template_changes
from channels_adapters.models import Channel, ChannelKind


class Command(BaseCommand):
    help = "Fetch a WhatsApp channel's APPROVED templates from Meta and store them."

    def add_arguments(self, parser):
        parser.add_argument("--channel", type=int, required=True, help="the channel's id")

    def handle(self, *args, channel: int, **options):
        found = Channel.objects.filter(pk=channel, kind=ChannelKind.WHATSAPP).first()
        if found is None:
            raise CommandError(f"No WhatsApp channel has the id {channel}.")
        before = list((found.settings or {}).get("templates") or [])
        try:
            templates = sync_templates(found)
        except (GraphError, ValueError) as error:
            raise CommandError(f"The templates could not be fetched: {error}") from None
        changes = template_changes(before, templates)
        for label, names in (("added", changes.added), ("removed", changes.removed),
                             ("changed", changes.changed)):
            for name in names:
                self.stdout.write(f"{label}: {name}")
        if not (changes.added or changes.removed or changes.changed):
            self.stdout.write("no change")
        self.stdout.write(f"{len(templates)} approved template(s) stored on {found}.")
