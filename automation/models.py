"""Rules that admins write in the app (when a condition holds on an event, do actions), and
the per-thread log of what they did. The JSON lists are described in ``schema.py``."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .schema import validate_rule

# Saving only these never needs the conditions and actions checked again (a toggle).
UNCHECKED_FIELDS = {"is_active", "position", "name", "stop_processing", "match", "updated_at"}


class Rule(models.Model):
    class Trigger(models.TextChoices):
        # Every customer message (not automatic ones: auto-replies, bounces).
        MESSAGE_RECEIVED = "message_received", _("A customer writes")
        # The first customer message of an episode (a new thread, or a re-opened one).
        CONVERSATION_STARTED = "conversation_started", _("A conversation starts")
        # Time-based, checked by Celery beat every minute; needs a waiting_minutes condition.
        WAITING = "waiting", _("A customer is still waiting")

    class Match(models.TextChoices):
        ALL = "all", _("all conditions")
        ANY = "any", _("any condition")

    name = models.CharField(_("name"), max_length=120)
    team = models.ForeignKey(
        "inbox.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="rules",
        help_text=_("Empty: every team's threads."),
    )
    trigger = models.CharField(_("trigger"), max_length=30, choices=Trigger.choices,
                               default=Trigger.MESSAGE_RECEIVED)
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    conditions = models.JSONField(_("conditions"), default=list, blank=True,
                                  help_text=_("Empty: the rule always applies."))
    actions = models.JSONField(_("actions"), default=list)
    position = models.PositiveIntegerField(_("position"), default=0,
                                           help_text=_("Rules run in this order (then by id)."))
    stop_processing = models.BooleanField(
        _("stop processing"), default=False,
        help_text=_("When this rule matched, later rules are skipped for this event."))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["trigger", "is_active"], name="rule_trigger_active_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Checked on every save, not only in forms: a rule that cannot run is never stored.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or not set(update_fields) <= UNCHECKED_FIELDS:
            validate_rule(trigger=self.trigger, conditions=self.conditions,
                          actions=self.actions, team=self.team)
        super().save(*args, **kwargs)


class RuleRun(models.Model):
    """What one rule did on one thread for one trigger: the per-thread log, and (by its unique
    key) the proof that a retried task never runs a rule twice."""

    rule = models.ForeignKey(Rule, null=True, on_delete=models.SET_NULL, related_name="runs")
    rule_name = models.CharField(max_length=120, help_text=_("Kept when the rule is renamed "
                                                            "or deleted."))
    thread = models.ForeignKey("inbox.Thread", on_delete=models.CASCADE,
                               related_name="rule_runs")
    # "message:<message id>" or "waiting:<awaiting_since isoformat>"
    trigger_key = models.CharField(max_length=80)
    ran_at = models.DateTimeField(default=timezone.now)
    done = models.JSONField(default=list, blank=True,
                            help_text=_("What the actions did, in words."))
    error = models.TextField(blank=True, help_text=_("An action failed: nothing was kept."))

    class Meta:
        ordering = ["-ran_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "thread", "trigger_key"],
                                    name="rulerun_once_per_trigger"),
        ]
        indexes = [models.Index(fields=["thread", "-ran_at"], name="rulerun_thread_idx"),
                   models.Index(fields=["-ran_at"], name="rulerun_recent_idx")]

    def __str__(self) -> str:
        return f"{self.rule_name} on thread {self.thread_id} ({self.trigger_key})"
