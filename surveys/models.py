"""The CSAT survey: one question sent when a thread is resolved, and its answer.

A survey outlives its customer (the thread goes with an erased customer, the score stays
for the reports). The link's token is never stored: only its SHA-256, so a read of the
table cannot answer anyone's survey. Every write goes through ``surveys.actions``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MAX_COMMENT_LENGTH = 2000
SCORES = range(1, 6)


class Survey(models.Model):
    class Via(models.TextChoices):
        LINK = "link", _("Survey page")
        REPLY = "reply", _("Reply on the channel")

    thread = models.ForeignKey("inbox.Thread", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="surveys")
    # A number, not a key: the customer may be erased, their score still counts.
    customer_id = models.BigIntegerField(_("customer id"), null=True, blank=True)
    channel = models.ForeignKey("channels_adapters.Channel", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="surveys")
    channel_kind = models.CharField(_("channel kind"), max_length=20)
    # The thread's team and assignee when it was resolved (else who resolved it): whose
    # work the score judges, even if the thread moves later.
    team = models.ForeignKey("inbox.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="surveys")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="surveys")
    message = models.ForeignKey("inbox.Message", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="surveys",
                                help_text=_("The question, as sent to the customer."))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=MAX_COMMENT_LENGTH, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_via = models.CharField(_("answered by"), max_length=10, choices=Via.choices,
                                    blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            # The reports: answers in a date range, overall, per agent, per team.
            models.Index(fields=["answered_at"], name="survey_answered_idx"),
            models.Index(fields=["agent", "answered_at"], name="survey_agent_answered_idx"),
            models.Index(fields=["team", "answered_at"], name="survey_team_answered_idx"),
            # "already sent for this thread lately", and the open survey a reply answers.
            models.Index(fields=["thread", "-sent_at"], name="survey_thread_sent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="survey_score_1_to_5"),
            # Answered means a score, a time and a way, all three or none.
            models.CheckConstraint(
                condition=(Q(score__isnull=True, answered_at__isnull=True, answered_via="")
                           | (Q(score__isnull=False, answered_at__isnull=False)
                              & ~Q(answered_via=""))),
                name="survey_answer_complete"),
        ]

    def __str__(self) -> str:
        return f"Survey #{self.pk}" + (f" ({self.score}/5)" if self.score else "")
