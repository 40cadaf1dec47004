"""``manage.py poll_mail``: take the new mail of the e-mail channels' IMAP mailboxes now
(Celery beat does it every THREADLINE_IMAP_POLL_SECONDS on the production stack)."""

import time

from django.core.management.base import BaseCommand

from channels_adapters.email.imap_poller import MailboxError, poll_channel, pollable_channels


class Command(BaseCommand):
    help = "Poll the IMAP mailboxes of the active e-mail channels once (or --every N seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--channel", type=int, help="only this channel id")
        parser.add_argument("--every", type=float, help="poll again every N seconds")

    def handle(self, *args, channel=None, every=None, **options):
        while True:
            for mailbox in pollable_channels():
                if channel is not None and mailbox.pk != channel:
                    continue
                try:
                    result = poll_channel(mailbox)
                except MailboxError as error:
                    self.stderr.write(f"{mailbox}: {error}")
                    continue
                self.stdout.write(f"{mailbox}: {result.fetched} new, {result.processed} "
                                  f"processed, {result.failed} failed")
            if not every:
                return
            time.sleep(every)
