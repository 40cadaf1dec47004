"""What the database itself refuses, whoever writes."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from surveys.models import Survey

pytestmark = pytest.mark.django_db


def survey(**fields):
    now = timezone.now()
    return Survey(channel_kind="email", token_hash=f"{fields.pop('n', 1):064x}", sent_at=now,
                  expires_at=now + timedelta(days=7), **fields)


@pytest.mark.parametrize("score", [0, 6])
def test_a_score_outside_1_to_5_is_refused(score):
    with pytest.raises(IntegrityError), transaction.atomic():
        survey(score=score, answered_at=timezone.now(), answered_via="link").save()


def test_an_answer_is_a_score_a_time_and_a_way_together():
    with pytest.raises(IntegrityError), transaction.atomic():
        survey(score=4).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        survey(n=2, answered_at=timezone.now(), answered_via="link").save()
    survey(n=3, score=4, answered_at=timezone.now(), answered_via="reply").save()


def test_a_token_hash_is_unique():
    survey(n=7).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        survey(n=7).save()
