"""A team's business hours: its time zone, weekly opening intervals, holidays, and the
automatic reply a customer gets when they write while the team is closed.

A team without a ``BusinessHours`` row is always open (and never sends that reply). The
calendar arithmetic lives in ``hours.calendar``; the reply's writes in ``hours.actions``.
"""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_REPLY = _("Thank you for your message. We are closed at the moment and will answer "
                  "when we open again, {next_opening}.")


def validate_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone %(name)s (e.g. Europe/Paris)."),
                              params={"name": name}, code="unknown_time_zone") from None


class BusinessHours(models.Model):
    team = models.OneToOneField("inbox.Team", on_delete=models.CASCADE,
                                related_name="business_hours")
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC",
                                 validators=[validate_time_zone],
                                 help_text=_("A zoneinfo name, e.g. Europe/Paris."))
    out_of_hours_reply = models.BooleanField(
        _("reply when closed"), default=False,
        help_text=_("Send the text below once per conversation to a customer who writes "
                    "while the team is closed."))
    out_of_hours_text = models.TextField(
        _("out-of-hours reply"), blank=True, default=DEFAULT_REPLY,
        help_text=_("{next_opening} is replaced by the next opening time, in the team's "
                    "time zone."))

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")

    def __str__(self) -> str:
        return f"{self.team} ({self.time_zone})"


class OpeningInterval(models.Model):
    """Open on ``weekday`` from ``opens`` to ``closes`` (local time). A ``closes`` at or
    before ``opens`` runs past midnight into the next day (22:00–06:00)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    business_hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE,
                                       related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Holiday(models.Model):
    """A day the team is closed: no interval that starts on it opens."""

    business_hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE,
                                       related_name="holidays")
    date = models.DateField(_("date"))
    yearly = models.BooleanField(_("every year"), default=False,
                                 help_text=_("The same day and month every year."))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.name or _('Holiday')} {self.date:%Y-%m-%d}" + (" ↻" if self.yearly else "")


class OutOfHoursReply(models.Model):
    """The automatic reply sent in one conversation (episode): at most one each."""

    # The episode is (thread, its start): the report tables may be rebuilt from the events
    # with new ids but the same start.
    thread = models.ForeignKey("inbox.Thread", null=True, on_delete=models.SET_NULL,
                               related_name="+")
    episode_started_at = models.DateTimeField()
    message = models.ForeignKey("inbox.Message", null=True, on_delete=models.SET_NULL,
                                related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = _("out-of-hours replies")
        constraints = [
            models.UniqueConstraint(fields=["thread", "episode_started_at"],
                                    name="outofhoursreply_one_per_episode"),
        ]

    def __str__(self) -> str:
        return f"Out-of-hours reply on thread {self.thread_id} at {self.sent_at:%Y-%m-%d %H:%M}"
