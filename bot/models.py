"""The first-line bot's data: the knowledge base (``Article``), each team's ``BotSettings``,
and one ``BotConversation`` per conversation (episode) the bot took part in.

A team without enabled settings has no bot. The matching lives in ``bot.matching``, the
decisions and writes in ``bot.actions``.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from channels_adapters.models import WRITTEN_KINDS, ChannelKind

DEFAULT_FOLLOW_UP = _("Did that answer your question? Reply “agent” to talk to a person.")
DEFAULT_HAND_OFF = _("I’m passing you to a member of the team; they can see what you asked, "
                     "so you won’t need to repeat it.")
DEFAULT_GREETING = _("Hi! I’m the automatic assistant. Ask me your question, or reply "
                     "“agent” to talk to a person.")


class Article(models.Model):
    """One question and its answer. ``team`` empty: every team's bot may use it."""

    team = models.ForeignKey("inbox.Team", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="bot_articles",
                             help_text=_("Empty: the bots of all teams use it."))
    question = models.CharField(_("question"), max_length=300,
                                help_text=_("As a customer would ask it."))
    keywords = models.TextField(
        _("keywords and other phrasings"), blank=True,
        help_text=_("Other ways to ask, words customers use: one per line. They weigh as "
                    "much as the question."))
    answer = models.TextField(_("answer"), max_length=4000,
                              help_text=_("Sent to the customer as it is."))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question"]
        indexes = [models.Index(fields=["team", "is_active"], name="bot_article_team_idx")]

    def __str__(self) -> str:
        return self.question


def validate_channel_kinds(kinds) -> None:
    if not isinstance(kinds, list) or any(kind not in ChannelKind.values for kind in kinds):
        raise ValidationError(_("A list of channel kinds among: %(kinds)s."),
                              params={"kinds": ", ".join(ChannelKind.values)},
                              code="invalid_channel_kinds")


class BotSettings(models.Model):
    team = models.OneToOneField("inbox.Team", on_delete=models.CASCADE,
                                related_name="bot_settings")
    enabled = models.BooleanField(_("enabled"), default=False)
    channel_kinds = models.JSONField(
        _("channel kinds"), default=list, blank=True, validators=[validate_channel_kinds],
        help_text=_("The kinds of channel the bot answers on, e.g. [\"webchat\", "
                    "\"telegram\"]. Empty: all."))
    threshold = models.FloatField(
        _("confidence threshold"), default=0.6,
        help_text=_("0–1. An answer is sent when its confidence reaches this; below it the "
                    "thread goes to a person."))
    max_answers = models.PositiveSmallIntegerField(
        _("answers per conversation"), default=3,
        help_text=_("After this many answers the next question goes to a person."))
    greeting_text = models.TextField(
        _("greeting"), blank=True, default=DEFAULT_GREETING,
        help_text=_("Sent once when a customer only says hello. Empty: nothing."))
    follow_up_text = models.TextField(
        _("follow-up"), blank=True, default=DEFAULT_FOLLOW_UP,
        help_text=_("Added under every answer. Empty: nothing."))
    hand_off_text = models.TextField(
        _("hand-off message"), blank=True, default=DEFAULT_HAND_OFF,
        help_text=_("Sent to the customer when the bot hands over. Empty: nothing."))
    hand_off_phrases = models.TextField(
        _("hand-off phrases"), blank=True,
        help_text=_("One per line, in addition to the built-in ones (human, agent, person, "
                    "talk to, parler à, conseiller…)."))

    class Meta:
        verbose_name = _("bot settings")
        verbose_name_plural = _("bot settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(threshold__gte=0, threshold__lte=1),
                                   name="botsettings_threshold_0_1"),
        ]

    def __str__(self) -> str:
        return f"Bot of {self.team} ({'on' if self.enabled else 'off'})"

    def answers_on(self, kind: str) -> bool:
        """Enabled, and the kind is one of its kinds (none: every kind that carries a written
        answer — never a phone line's voicemail)."""
        return self.enabled and kind in WRITTEN_KINDS and (
            not self.channel_kinds or kind in self.channel_kinds)


class BotConversation(models.Model):
    """What the bot did in one conversation (episode): at most one row each, so a retried
    task finds the message it already handled (``handled_through``) and does nothing."""

    class State(models.TextChoices):
        ANSWERING = "answering", _("answering")
        HANDED_OFF = "handed_off", _("handed off")

    class Reason(models.TextChoices):
        ASKED = "asked", _("the customer asked for a person")
        UNSURE = "unsure", _("no confident answer")
        NOT_HELPED = "not_helped", _("the answer did not help")
        MAX_ANSWERS = "max_answers", _("answers per conversation reached")
        NO_TEXT = "no_text", _("a message without text")
        OTHER_CHANNEL = "other_channel", _("a message on a channel the bot does not answer on")

    # The episode is (thread, its start), as hours.OutOfHoursReply keys it.
    thread = models.ForeignKey("inbox.Thread", null=True, on_delete=models.SET_NULL,
                               related_name="+")
    episode_started_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.ANSWERING)
    answers = models.PositiveSmallIntegerField(default=0)
    greeted = models.BooleanField(default=False)
    last_article = models.ForeignKey(Article, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    # The id of the last customer message handled: a task run again for it is a no-op.
    handled_through = models.BigIntegerField(default=0)
    # [{"asked", "article_id", "title", "answer", "score"}], bounded (see bot.actions).
    transcript = models.JSONField(default=list, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "episode_started_at"],
                                    name="botconversation_one_per_episode"),
        ]

    def __str__(self) -> str:
        return f"Bot on thread {self.thread_id} ({self.state})"
