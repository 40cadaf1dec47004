"""What the report pages aggregate: conversation episodes and hourly activity counts.

Both are kept up to date from the Events, in the transaction that records them
(``reports.recording``), and can be rebuilt from the Event table (``rebuild_reports``). The
pages aggregate these small tables in SQL; they never read messages or events row by row.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _duration_indexes(short: str, seconds: str, at: str, agent: str) -> list[models.Index]:
    """Per breakdown (none, channel, team, agent), an index of the durations in order with
    their time beside them (PostgreSQL's INCLUDE): a percentile query reads them in order
    from the index alone, and sorting what is already sorted costs a single pass — a third
    of the time of reading the table and sorting (docs/benchmarks.md)."""
    return [models.Index(fields=[*group, seconds], include=[at],
                         condition=models.Q(**{f"{seconds}__isnull": False}),
                         name=f"episode_{short}_{name}_idx")
            for name, group in (("all", []), ("channel", ["channel"]), ("team", ["team"]),
                                ("agent", [agent]))]


class Episode(models.Model):
    """One conversation of a thread: from the customer's first inbound message while none was
    open (a new thread, or a resolved one re-opened) until the thread is resolved.

    The clocks: first response time runs from ``started_at`` to the first agent reply (not a
    note, not an automatic message), resolution time to ``resolved_at``; both without the time
    the thread spent snoozed.
    """

    thread = models.ForeignKey(
        "inbox.Thread", null=True, on_delete=models.SET_NULL, related_name="episodes",
        help_text=_("Empty once the customer was deleted: the figures stay."),
    )
    team = models.ForeignKey("inbox.Team", null=True, on_delete=models.SET_NULL,
                             related_name="+")
    channel = models.ForeignKey("channels_adapters.Channel", null=True,
                                on_delete=models.SET_NULL, related_name="+",
                                help_text=_("Where the customer's first message came."))
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("The assignee (at resolution: the assignee, else who resolved it)."),
    )
    first_responder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                        on_delete=models.SET_NULL, related_name="+")
    reopened = models.BooleanField(default=False,
                                   help_text=_("Began by re-opening a resolved thread."))
    started_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True)
    first_response_seconds = models.IntegerField(null=True)
    resolved_at = models.DateTimeField(null=True)
    resolution_seconds = models.IntegerField(null=True)
    # Snoozed time, left out of both clocks: what is closed, and the snooze under way.
    snoozed_seconds = models.IntegerField(default=0)
    snoozed_at = models.DateTimeField(null=True)
    snooze_until = models.DateTimeField(null=True)
    # The customer wrote and nobody has answered since (null once an agent replied).
    awaiting_since = models.DateTimeField(null=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["thread"], condition=models.Q(resolved_at=None),
                                    name="episode_one_open_per_thread"),
        ]
        indexes = [
            models.Index(fields=["started_at"], name="episode_started_idx"),
            models.Index(fields=["first_response_at"], name="episode_first_response_idx"),
            models.Index(fields=["resolved_at"], name="episode_resolved_idx"),
            models.Index(fields=["awaiting_since"], condition=models.Q(resolved_at=None),
                         name="episode_waiting_idx"),
            *_duration_indexes("fr", "first_response_seconds", "first_response_at",
                               "first_responder"),
            *_duration_indexes("res", "resolution_seconds", "resolved_at", "agent"),
        ]

    def __str__(self) -> str:
        return f"Episode #{self.pk} of thread {self.thread_id}"


class ActivityKind(models.TextChoices):
    INBOUND = "inbound", _("Messages received")
    REPLY = "reply", _("Replies sent")
    AUTOMATIC = "automatic", _("Automatic messages")
    NOTE = "note", _("Private notes")
    CALL = "call", _("Calls and visits")
    STARTED = "started", _("Conversations started")
    RESOLVED = "resolved", _("Conversations resolved")


class ActivityCount(models.Model):
    """How many things of one kind happened in one period for one team, channel and agent.

    Each batch of events adds rows of its own (never an UPDATE of a shared counter row, which
    would lock out every other transaction counting in it until commit); the pages sum them.
    The ids are plain integers, 0 for none.
    """

    Kind = ActivityKind

    team_id = models.IntegerField(default=0)
    channel_id = models.IntegerField(default=0)
    agent_id = models.IntegerField(default=0)
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    count = models.IntegerField(default=0)

    class Meta:
        abstract = True


class HourlyActivity(ActivityCount):
    """The counts per hour (UTC)."""

    hour = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["hour", "team_id", "channel_id", "agent_id", "kind"],
                                name="hourly_activity_key_idx")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.kind} {self.count}"


class DailyActivity(ActivityCount):
    """The counts per day of the server's time zone (``TIME_ZONE``): what the pages read for
    ranges of whole days, about a sixth of the rows. Changing ``TIME_ZONE`` calls for
    ``manage.py rebuild_reports``."""

    day = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["day", "team_id", "channel_id", "agent_id", "kind"],
                                name="daily_activity_key_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.count}"
