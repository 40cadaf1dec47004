"""SLA policies and the clock each conversation (episode) runs against one.

A policy sets two targets: a first response within N minutes and a resolution within M
hours, optionally counted in the team's business hours. It applies to threads of one
priority and/or one channel kind (empty: any); the most specific matching policy wins.
With no policy at all, nothing here runs and the inbox behaves as without SLAs.

The clock is written when a customer's message starts (or re-opens) a conversation: its due
and warning times are absolute moments. Whether a target was met is read from the episode
(``reports.Episode``: the first agent reply, the resolution), never copied here; the clock
finds its episode by thread and start (``sla.episodes``).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inbox.models import Thread


class SlaPolicy(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    priority = models.IntegerField(_("priority"), choices=Thread.Priority.choices, null=True,
                                   blank=True, help_text=_("Empty: any priority."))
    channel_kind = models.CharField(_("channel kind"), max_length=20, blank=True,
                                    help_text=_("Empty: any channel."))
    first_response_minutes = models.PositiveIntegerField(_("first response within (min)"))
    resolution_hours = models.PositiveIntegerField(_("resolution within (hours)"))
    business_hours_only = models.BooleanField(
        _("business hours only"), default=False,
        help_text=_("Count only the time the thread's team is open (its business hours)."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["priority", "channel_kind"],
                                    name="slapolicy_one_per_priority_and_kind"),
            models.UniqueConstraint(fields=["channel_kind"], condition=Q(priority=None),
                                    name="slapolicy_one_per_kind_any_priority"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        """Priority and kind beat priority alone, which beats kind alone, then the default."""
        return (2 if self.priority is not None else 0) + (1 if self.channel_kind else 0)


class Target(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class SlaClock(models.Model):
    """The due times of one conversation, and when its warnings and breaches were announced
    (each at most once)."""

    # The episode is (thread, started_at): the report tables may be rebuilt from the events
    # (``rebuild_reports``, a merge's refold) with new ids but the same start.
    thread = models.ForeignKey("inbox.Thread", null=True, on_delete=models.SET_NULL,
                               related_name="sla_clocks")
    policy = models.ForeignKey(SlaPolicy, null=True, on_delete=models.SET_NULL,
                               related_name="clocks")
    # The episode's team and channel when it began: what the achievement is reported by.
    team = models.ForeignKey("inbox.Team", null=True, on_delete=models.SET_NULL,
                             related_name="+")
    channel = models.ForeignKey("channels_adapters.Channel", null=True,
                                on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField()
    first_response_due_at = models.DateTimeField()
    first_response_warning_at = models.DateTimeField()
    resolution_due_at = models.DateTimeField()
    resolution_warning_at = models.DateTimeField()
    first_response_warned_at = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_warned_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "started_at"],
                                    name="slaclock_one_per_episode"),
        ]
        indexes = [
            models.Index(fields=["started_at"], name="slaclock_started_idx"),
            # The beat's sweep: clocks whose breach is not announced yet, by due time.
            models.Index(fields=["first_response_warning_at"],
                         condition=Q(first_response_breached_at=None),
                         name="slaclock_first_pending_idx"),
            models.Index(fields=["resolution_warning_at"],
                         condition=Q(resolution_breached_at=None),
                         name="slaclock_resolve_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"SLA clock of thread {self.thread_id} from {self.started_at:%Y-%m-%d %H:%M}"
