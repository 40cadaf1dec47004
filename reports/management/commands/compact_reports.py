from django.core.management.base import BaseCommand

from reports.compaction import compact_activity


class Command(BaseCommand):
    help = ("Fold the report tables' count rows into one per hour or day, team, channel, "
            "agent and kind (Celery beat does the last two days every few minutes).")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="Only the last DAYS days (default: every row).")

    def handle(self, *args, days=None, **options):
        removed = compact_activity(days=days)
        self.stdout.write(f"Compacted the report counts: {removed['hourly']} hourly and "
                          f"{removed['daily']} daily rows fewer.")
