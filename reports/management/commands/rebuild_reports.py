from django.core.management.base import BaseCommand

from reports.rebuild import rebuild_reports


class Command(BaseCommand):
    help = "Rebuild the report tables (episodes, hourly activity) from the Event table."

    def handle(self, *args, **options):
        folded = rebuild_reports()
        self.stdout.write(f"Folded {folded} events into the report tables.")
