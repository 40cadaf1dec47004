"""The demo (``manage.py load_demo``) has answered surveys, so the reports show CSAT."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from inbox.models import Thread
from surveys import metrics
from surveys.models import Survey


@pytest.mark.django_db
def test_the_demo_has_a_csat_distribution(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path

    call_command("load_demo", stdout=io.StringIO())

    # The stories' surveys are today's; the past conversations' (reports/demo.py) before.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    answered = Survey.objects.exclude(answered_at=None).filter(sent_at__gte=today)
    assert metrics.score_distribution(answered) == {1: 0, 2: 1, 3: 1, 4: 1, 5: 2}
    assert Survey.objects.exclude(answered_at=None).filter(sent_at__lt=today).count() >= 15
    karim = answered.get(answered_via="reply")
    assert (karim.channel_kind, karim.score) == ("messenger", 5)
    assert karim.thread.status == Thread.Status.RESOLVED
    assert set(answered.values_list("channel_kind", flat=True)) == {
        "slack", "webchat", "email", "whatsapp", "messenger"}
