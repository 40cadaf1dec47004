"""The filter form every report page shares, read from the query string (shareable URLs).

Dates are days in the current time zone: ``from`` and ``to`` both included, or a preset
(``range=today|7|30|90``, the last days up to today); 30 days when nothing is given, 366 at
most. Teams, channels and agents narrow by id (several allowed); the volume page's bucket
is an hour, a day or a week (hours for 14 days at most). Anything else — an unparsable
date, an unknown id, text where an id goes — is an error shown on the form, with status 400.

The form loads the teams, channels and agents once (one query each): the choices it
validates against are the names the pages show.
"""

import dataclasses
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels_adapters.models import Channel
from inbox.models import Team, User

from .metrics import Filters

PRESETS = {"today": 1, "7": 7, "30": 30, "90": 90}
PRESET_LABELS = {"today": _("Today"), "7": _("7 days"), "30": _("30 days"), "90": _("90 days")}
DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_HOUR_DAYS = 14
EARLIEST = date(2000, 1, 1)
BUCKETS = [("hour", _("Hour")), ("day", _("Day")), ("week", _("Week"))]
# What the form reads; everything else in the query string (format, table, sort) is the page's.
FIELDS = ("range", "from", "to", "team", "channel", "agent", "bucket")


class FilterForm(forms.Form):
    range = forms.ChoiceField(required=False, choices=[("", "")] + list(PRESET_LABELS.items()))
    team = forms.TypedMultipleChoiceField(coerce=int, required=False, label=_("Teams"))
    channel = forms.TypedMultipleChoiceField(coerce=int, required=False, label=_("Channels"))
    agent = forms.TypedMultipleChoiceField(coerce=int, required=False, label=_("Agents"))
    bucket = forms.ChoiceField(required=False, choices=BUCKETS, label=_("Per"))

    def __init__(self, data, *, teams, channels, agents, today: date):
        super().__init__(data)
        self.today = today
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(required=False, label=_("From"), widget=date_input)
        self.fields["to"] = forms.DateField(required=False, label=_("To"), widget=date_input)
        self.fields["team"].choices = [(team.pk, team.name) for team in teams]
        self.fields["channel"].choices = [(channel.pk, channel.name) for channel in channels]
        self.fields["agent"].choices = [(agent.pk, agent.display_name) for agent in agents]
        self.order_fields(["from", "to", "range", "team", "channel", "agent", "bucket"])

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in ("from", "to", "range")):
            return cleaned
        first, last = self._dates(cleaned)
        if first < EARLIEST or last > self.today + timedelta(days=MAX_DAYS):
            self.add_error(None, _("Choose dates between 2000 and next year."))
            return cleaned
        if last < first:
            self.add_error("to", _("The end date is before the start date."))
            return cleaned
        days = (last - first).days + 1
        if days > MAX_DAYS:
            self.add_error("to", _("Choose at most %(max)d days (this range has %(days)d).")
                           % {"max": MAX_DAYS, "days": days})
            return cleaned
        cleaned["first"], cleaned["last"] = first, last
        if cleaned.get("bucket") == "hour" and days > MAX_HOUR_DAYS:
            self.add_error("bucket", _("Hours are shown for %(max)d days at most; choose days "
                                       "or weeks, or a shorter range.") % {"max": MAX_HOUR_DAYS})
        return cleaned

    def _dates(self, cleaned) -> tuple[date, date]:
        preset, first, last = cleaned.get("range"), cleaned.get("from"), cleaned.get("to")
        if preset:
            return self.today - timedelta(days=PRESETS[preset] - 1), self.today
        if first is None and last is None:
            return self.today - timedelta(days=DEFAULT_DAYS - 1), self.today
        if first is None:
            return last - timedelta(days=DEFAULT_DAYS - 1), last
        if last is None:
            return first, max(first, self.today)
        return first, last


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclasses.dataclass
class ReportFilters:
    """A page's reading of its query string: the form (errors included) and, when valid,
    what the metrics take."""

    form: FilterForm
    query: QueryDict
    teams: list[Team]
    channels: list[Channel]
    agents: list[User]
    first: date
    last: date
    bucket: str = "day"
    metrics: Filters | None = None

    @property
    def valid(self) -> bool:
        return self.metrics is not None

    @property
    def dates(self) -> tuple[date, date]:
        return self.first, self.last

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def team_names(self) -> dict[int, str]:
        return {team.pk: team.name for team in self.teams}

    @property
    def channel_names(self) -> dict[int, str]:
        return {channel.pk: channel.name for channel in self.channels}

    @property
    def agent_names(self) -> dict[int, str]:
        return {agent.pk: agent.display_name for agent in self.agents}

    @property
    def selected(self) -> dict[str, set[int]]:
        """The ids chosen in each list (as the form read them), for the checkboxes."""
        selected = {}
        for name in ("team", "channel", "agent"):
            values = (self.form.cleaned_data.get(name, []) if hasattr(self.form, "cleaned_data")
                      else [])
            selected[name] = set(values)
        return selected

    @property
    def from_value(self) -> str:
        return self.query.get("from", "") if not self.valid else self.first.isoformat()

    @property
    def to_value(self) -> str:
        return self.query.get("to", "") if not self.valid else self.last.isoformat()

    @property
    def error_messages(self) -> list[str]:
        """Each error of the form, prefixed with its field's label."""
        messages = []
        for name, errors in self.form.errors.items():
            field = self.form.fields.get(name)
            prefix = f"{field.label or name.title()}: " if field and name != "__all__" else ""
            messages += [f"{prefix}{error}" for error in errors]
        return messages

    def pickers(self) -> list[dict]:
        """The team, channel and agent choices, as checkboxes with what is ticked."""
        selected = self.selected
        pickers = []
        for name, label, every, options in (
                ("team", _("Teams"), _("All teams"), [(t.pk, t.name) for t in self.teams]),
                ("channel", _("Channels"), _("All channels"),
                 [(c.pk, c.name) for c in self.channels]),
                ("agent", _("Agents"), _("All agents"),
                 [(a.pk, a.display_name) for a in self.agents])):
            ticked = selected[name]
            names = [option_name for pk, option_name in options if pk in ticked]
            summary = (every if not names else names[0] if len(names) == 1
                       else f"{len(names)} {str(label).lower()}")
            pickers.append({"name": name, "label": label, "summary": summary,
                            "options": [{"value": pk, "label": option_name,
                                         "checked": pk in ticked}
                                        for pk, option_name in options]})
        return pickers

    def query_string(self, **changes) -> str:
        """The filters of this page as a query string, with ``changes`` (None removes)."""
        params = {name: self.query.getlist(name) for name in FIELDS if name in self.query}
        params.update({name: value for name, value in changes.items() if value is not None})
        for name, value in changes.items():
            if value is None:
                params.pop(name, None)
        return urlencode(params, doseq=True)

    def preset_links(self) -> list[dict]:
        current = self.query.get("range", "")
        return [{"label": label, "query": self.query_string(range=key, **{"from": None,
                                                                          "to": None}),
                 "current": current == key}
                for key, label in PRESET_LABELS.items()]

    def describe(self) -> str:
        """The range and narrowing in words, for the printed header."""
        parts = [f"{self.first:%d %b %Y} – {self.last:%d %b %Y}"]
        if self.metrics is None:
            return parts[0]
        for label, names, ids in ((_("Teams"), self.team_names, self.metrics.team_ids),
                                  (_("Channels"), self.channel_names, self.metrics.channel_ids),
                                  (_("Agents"), self.agent_names, self.metrics.agent_ids)):
            if ids:
                parts.append(f"{label}: {', '.join(names.get(pk, '?') for pk in ids)}")
        return " · ".join(parts)


def read_filters(request) -> ReportFilters:
    """The filters of the request's query string; ``valid`` says whether they can be used."""
    today = timezone.localdate()
    teams = list(Team.objects.order_by("name").only("id", "name"))
    channels = list(Channel.objects.order_by("name", "id").only("id", "name", "kind"))
    agents = list(User.objects.order_by("first_name", "last_name", "username")
                  .only("id", "username", "first_name", "last_name", "role", "is_active",
                        "is_superuser"))
    form = FilterForm(request.GET, teams=teams, channels=channels, agents=agents, today=today)
    report = ReportFilters(form=form, query=request.GET, teams=teams, channels=channels,
                           agents=agents, first=today - timedelta(days=DEFAULT_DAYS - 1),
                           last=today)
    if not form.is_valid():
        return report
    cleaned = form.cleaned_data
    report.first, report.last = cleaned["first"], cleaned["last"]
    report.bucket = cleaned.get("bucket") or "day"
    report.metrics = Filters(
        start=local_midnight(report.first), end=local_midnight(report.last + timedelta(days=1)),
        team_ids=tuple(sorted(set(cleaned["team"]))) or None,
        channel_ids=tuple(sorted(set(cleaned["channel"]))) or None,
        agent_ids=tuple(sorted(set(cleaned["agent"]))) or None,
    )
    return report
