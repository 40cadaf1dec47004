"""The Celery app. Settings come from Django's settings (``CELERY_*``)."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("threadline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_startup_objects(**_kwargs) -> None:
    """The modules and settings loaded at start live as long as the process: kept out of the
    garbage collector's full passes, which otherwise walk them all now and then in the
    middle of a task."""
    gc.freeze()
