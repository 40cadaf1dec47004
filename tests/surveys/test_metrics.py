"""The CSAT figures of the report pages, on a small hand-made set whose answers are worked
out here, in the test."""

import itertools
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from surveys import metrics
from surveys.models import Survey

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")  # UTC+1 in early March 2026
START, END = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)
_tokens = itertools.count()


def at(day, hour, minute=0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def history(make_user, team, other_team, make_channel):
    """Five answers in the week, two outside it, one never answered."""
    ana, bob = make_user("ana"), make_user("bob")
    mail, bot = make_channel("email"), make_channel("telegram")

    def answered(when, score, agent, survey_team, channel):
        sent_at = (when or at(1, 8)) - timedelta(hours=1)
        return Survey.objects.create(
            channel=channel, channel_kind=channel.kind, team=survey_team, agent=agent,
            token_hash=f"{next(_tokens):064x}", sent_at=sent_at,
            expires_at=sent_at + timedelta(days=7), score=score, answered_at=when,
            answered_via="link" if score else "")

    answered(at(2, 9), 5, ana, team, mail)            # Paris: Mon 2, 10:00
    answered(at(2, 10, 30), 4, ana, team, bot)        # Paris: Mon 2, 11:30
    answered(at(2, 23, 30), 2, bob, other_team, mail)  # Paris: Tue 3, 00:30
    answered(at(3, 8), 1, bob, team, bot)             # Paris: Tue 3, 09:00
    answered(at(4, 12), 5, None, other_team, mail)    # Paris: Wed 4, 13:00
    answered(at(1, 23, 59), 1, ana, team, mail)       # before the range
    answered(at(9, 0), 3, ana, team, mail)            # the range's end is excluded
    answered(None, None, ana, team, mail)             # sent, never answered
    return {"ana": ana, "bob": bob, "team": team, "other_team": other_team, "mail": mail,
            "bot": bot}


def week(**filters):
    return metrics.answered_surveys(start=START, end=END, **filters)


def test_the_distribution_has_every_score(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert metrics.score_distribution(week()) == {1: 1, 2: 1, 3: 0, 4: 1, 5: 2}


def test_the_summary_averages_the_answers_in_range(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert metrics.summary(week()) == (3.4, 5)  # (5 + 4 + 2 + 1 + 5) / 5
    assert metrics.satisfied_share(week()) == 60.0  # 5, 4, 5 of five


def test_nothing_answered_is_no_average(history):
    empty = metrics.answered_surveys(start=at(20, 0), end=at(21, 0))

    assert metrics.summary(empty) == (None, 0)
    assert metrics.satisfied_share(empty) is None
    assert metrics.score_distribution(empty) == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0}
    assert metrics.average_by(empty, "agent_id") == {}
    assert metrics.trend(empty, "day") == []


def test_averages_per_agent_and_per_team(history, django_assert_num_queries):
    ana, bob = history["ana"], history["bob"]
    team, other_team = history["team"], history["other_team"]

    with django_assert_num_queries(1):
        by_agent = metrics.average_by(week(), "agent_id")
    assert by_agent == {ana.pk: (4.5, 2), bob.pk: (1.5, 2), None: (5.0, 1)}
    assert metrics.average_by(week(), "team_id") == {
        team.pk: (3.33, 3),  # (5 + 4 + 1) / 3
        other_team.pk: (3.5, 2),  # (2 + 5) / 2
    }
    with pytest.raises(ValueError):
        metrics.average_by(week(), "comment")


def test_filters_narrow_the_answers(history):
    assert metrics.summary(week(team_ids=[history["team"].pk])) == (3.33, 3)
    assert metrics.summary(week(channel_ids=[history["bot"].pk])) == (2.5, 2)  # 4 and 1
    assert metrics.summary(week(agent_ids=[history["bob"].pk])) == (1.5, 2)
    assert metrics.summary(week(agent_ids=[history["bob"].pk],
                                channel_ids=[history["mail"].pk])) == (2.0, 1)
    assert metrics.summary(week(team_ids=[])) == (None, 0)


def test_the_daily_trend_follows_the_local_day(history, django_assert_num_queries):
    with timezone.override(PARIS), django_assert_num_queries(1):
        days = metrics.trend(week(), "day")

    assert days == [
        (datetime(2026, 3, 2, tzinfo=PARIS), 4.5, 2),  # 5 and 4
        (datetime(2026, 3, 3, tzinfo=PARIS), 1.5, 2),  # 2 (23:30 UTC is 00:30 here) and 1
        (datetime(2026, 3, 4, tzinfo=PARIS), 5.0, 1),
    ]
    assert all(start.utcoffset() == timedelta(hours=1) for start, _, _ in days)


def test_the_daily_trend_in_utc(history):
    with timezone.override(UTC):
        assert metrics.trend(week(), "day") == [
            (at(2, 0), 3.67, 3),  # (5 + 4 + 2) / 3
            (at(3, 0), 1.0, 1),
            (at(4, 0), 5.0, 1),
        ]


def test_the_weekly_and_hourly_trends(history):
    with timezone.override(PARIS):
        assert metrics.trend(week(), "week") == [(datetime(2026, 3, 2, tzinfo=PARIS), 3.4, 5)]
        assert [(start.astimezone(UTC), count) for start, _, count in
                metrics.trend(week(), "hour")] == [
            (at(2, 9), 1), (at(2, 10), 1), (at(2, 23), 1), (at(3, 8), 1), (at(4, 12), 1)]
    with pytest.raises(ValueError):
        metrics.trend(week(), "month")
