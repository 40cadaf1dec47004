"""A clock's episode, found by thread and start (the report tables may be rebuilt with new
ids, never with another start): subqueries for SlaClock querysets."""

from django.db.models import DateTimeField, Exists, OuterRef, QuerySet, Subquery

from reports.models import Episode


def episode_of_clock() -> QuerySet[Episode]:
    return Episode.objects.filter(thread_id=OuterRef("thread_id"),
                                  started_at=OuterRef("started_at"))


def open_episode() -> Exists:
    """The clock's conversation is still open."""
    return Exists(episode_of_clock().filter(resolved_at=None))


def episode_field(name: str) -> Subquery:
    """One column of the clock's episode (``first_response_at``, ``resolved_at``)."""
    return Subquery(episode_of_clock().values(name)[:1], output_field=DateTimeField())


def with_episode_times(clocks: QuerySet) -> QuerySet:
    """``episode_open``, ``first_response_at`` and ``resolved_at`` of each clock's episode."""
    return clocks.annotate(episode_open=open_episode(),
                           first_response_at=episode_field("first_response_at"),
                           resolved_at=episode_field("resolved_at"))
