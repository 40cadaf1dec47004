"""django-helpdesk's side of one run, with .bench/helpdesk-venv/bin/python and a fresh
migrated database:

    mailbox_queue.py --port PORT [--user U --password P]

makes an IMAP Queue reading Dovecot's INBOX on 127.0.0.1:PORT, runs get_email once, timed,
and prints one line of JSON: seconds and CPU seconds of get_email, the peak RSS before it,
and the tickets, follow-ups and attachments it made. get_email is timed inside the process
after Django has started, as Threadline's side times its poller, so neither side's figure
holds an interpreter's start-up; one process does all, so a run starts Django once.
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_project.settings")


def create_queue(*, port: int, user: str, password: str) -> None:
    from helpdesk.models import Queue

    Queue.objects.create(
        title="Support", slug="support", email_address="support@threadline.test",
        allow_email_submission=True, email_box_type="imap", email_box_host="127.0.0.1",
        email_box_port=port, email_box_ssl=False, email_box_user=user,
        email_box_pass=password, email_box_imap_folder="INBOX", email_box_interval=0,
        logging_type="none")


def ingest() -> dict:
    from django.core.management import call_command

    # The peak so far: what the process holds before the first mail (Django and its apps).
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    call_command("get_email", quiet=True)
    return {"seconds": time.perf_counter() - started, "rss_before_mb": before_kb / 1024,
            "cpu_seconds": time.process_time() - cpu_started}


def count() -> dict:
    from helpdesk.models import FollowUp, FollowUpAttachment, Ticket

    return {"tickets": Ticket.objects.count(), "followups": FollowUp.objects.count(),
            "attachments": FollowUpAttachment.objects.count()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", default="support")
    parser.add_argument("--password", default="secret")
    options = parser.parse_args()
    import django

    django.setup()
    create_queue(port=options.port, user=options.user, password=options.password)
    print(json.dumps({**ingest(), **count()}))


if __name__ == "__main__":
    main()
