from django.conf import settings

from config.celery import app


def test_tests_use_a_celery_queue_of_their_own():
    assert app.conf.task_default_queue.startswith("threadline-test-")
    assert settings.CELERY_TASK_DEFAULT_QUEUE == app.conf.task_default_queue
