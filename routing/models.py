"""Auto-assignment's settings and memory: per team a mode and a default capacity, per agent
an optional capacity and when they were last given a thread, and which threads routing
assigned (those it may move again; a thread assigned by a person it never touches)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class TeamRouting(models.Model):
    """A team's auto-assignment. A team without one (or with mode "none") is assigned by
    hand only. Its row is locked while routing picks an agent: two workers routing for the
    same team take turns, so the rotation and the capacities hold."""

    class Mode(models.TextChoices):
        NONE = "none", _("None (by hand)")
        ROUND_ROBIN = "round_robin", _("Round-robin")
        LEAST_LOADED = "least_loaded", _("Least loaded")

    team = models.OneToOneField("inbox.Team", on_delete=models.CASCADE, related_name="routing")
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.NONE)
    default_capacity = models.PositiveIntegerField(
        _("capacity per agent"), default=5, validators=[MinValueValidator(1)],
        help_text=_("Most open (or pending) threads an agent is given; each agent may have "
                    "their own below."),
    )
    last_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
        help_text=_("Round-robin: the agent who was given the last thread."),
    )

    class Meta:
        verbose_name = _("team auto-assignment")

    def __str__(self) -> str:
        return f"{self.team}: {self.get_mode_display()}"


class AgentRouting(models.Model):
    """One agent in one routed team: their own capacity, and their last auto-assignment
    (least-loaded's tie-break: the agent who waited longest goes first)."""

    routing = models.ForeignKey(TeamRouting, on_delete=models.CASCADE, related_name="agents")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="routings")
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, validators=[MinValueValidator(0)],
        help_text=_("Empty: the team's. 0: never auto-assigned."),
    )
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("agent capacity")
        constraints = [
            models.UniqueConstraint(fields=["routing", "agent"], name="agentrouting_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} in {self.routing.team}"


class AutoAssignment(models.Model):
    """The thread was given to ``agent`` by routing. It stays routing's to move only while
    the thread's assignee is still that agent and no person assigned it since (a manual
    assignment deletes this row)."""

    thread = models.OneToOneField("inbox.Thread", on_delete=models.CASCADE, primary_key=True,
                                  related_name="auto_assignment")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="auto_assignments")
    assigned_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"#{self.thread_id} → {self.agent}"
