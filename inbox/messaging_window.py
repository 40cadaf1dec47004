"""The messaging window: WhatsApp lets a business write freely to a customer only within 24
hours of the customer's last message to that number; after that, only an approved message
template may be sent. This module owns that rule (which kinds have it, whether a thread's
window is open on a channel, the channel's templates and how one is filled) for
``send_reply`` and for the composer."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channels_adapters.models import Channel, ChannelKind

from .models import Message, Thread

# How long a customer's message lets us answer freely, per kind that has such a rule.
# Another kind is one more line (its adapter then reads metadata["template"]).
WINDOW_OF_KIND: dict[str, timedelta] = {
    ChannelKind.WHATSAPP: timedelta(hours=24),
}

PLACEHOLDER = re.compile(r"\{\{\s*([1-9]\d*)\s*\}\}")
MAX_PARAMETER_LENGTH = 1024
# WhatsApp refuses a parameter with a line break or a tab, or more than 4 spaces in a row.
FORBIDDEN_IN_PARAMETER = re.compile(r"[\n\r\t\v\f]| {5,}")


@dataclass(frozen=True)
class Template:
    """An approved template, as the channel's ``settings["templates"]`` lists it."""

    name: str
    language: str
    category: str
    body: str

    @property
    def placeholders(self) -> int:
        """How many parameters it takes: ``{{1}}`` … ``{{n}}``."""
        return max((int(number) for number in PLACEHOLDER.findall(self.body)), default=0)

    def fill(self, parameters: list[str]) -> str:
        return PLACEHOLDER.sub(lambda match: parameters[int(match.group(1)) - 1], self.body)


@dataclass(frozen=True)
class Window:
    """Whether free text may be sent now; ``closes_at`` while open, ``closed_since`` once
    closed (None if the customer never wrote on the channel)."""

    open: bool
    last_inbound_at: datetime | None
    last_inbound_id: int | None  # the composer's script counts only messages after it
    closes_at: datetime | None
    closed_since: datetime | None
    templates: list[Template]


def has_window(channel: Channel) -> bool:
    return channel.kind in WINDOW_OF_KIND


def channel_templates(channel: Channel) -> list[Template]:
    """The channel's approved templates; malformed entries (a hand-edited setting) skipped."""
    templates = []
    for entry in channel.settings.get("templates") or []:
        if not isinstance(entry, dict):
            continue
        fields = {name: entry.get(name) for name in ("name", "language", "body")}
        if all(isinstance(value, str) and value for value in fields.values()):
            templates.append(Template(category=str(entry.get("category") or ""), **fields))
    return templates


def reply_windows(thread: Thread, channels: list[Channel], *,
                  now: datetime | None = None) -> dict[int, Window]:
    """The window of each of ``channels`` that has the rule, by channel id: one query
    whatever their number (none if no channel has the rule)."""
    ruled = [channel for channel in channels if has_window(channel)]
    if not ruled:
        return {}
    now = now or timezone.now()
    last_inbound = {
        channel_id: (last_at, last_id) for channel_id, last_at, last_id in
        Message.objects.filter(thread=thread, channel__in=ruled,
                               direction=Message.Direction.INBOUND)
        .order_by().values("channel_id").annotate(last_at=Max("created_at"), last_id=Max("id"))
        .values_list("channel_id", "last_at", "last_id")}
    return {channel.pk: _window(channel, *last_inbound.get(channel.pk, (None, None)), now)
            for channel in ruled}


def reply_window(thread: Thread, channel: Channel, *,
                 now: datetime | None = None) -> Window | None:
    """The thread's window on ``channel``; None for a kind without the rule."""
    return reply_windows(thread, [channel], now=now).get(channel.pk)


def _window(channel: Channel, last_inbound_at: datetime | None, last_inbound_id: int | None,
            now: datetime) -> Window:
    ends = last_inbound_at + WINDOW_OF_KIND[channel.kind] if last_inbound_at else None
    is_open = ends is not None and now < ends
    return Window(open=is_open, last_inbound_at=last_inbound_at,
                  last_inbound_id=last_inbound_id,
                  closes_at=ends if is_open else None,
                  closed_since=None if is_open else ends,
                  templates=channel_templates(channel))


def _customer_name(thread: Thread) -> str:
    return thread.customer.first_name or _("the customer")


def _hours(channel: Channel) -> int:
    return int(WINDOW_OF_KIND[channel.kind].total_seconds() // 3600)


def _template_names(templates: list[Template]) -> str:
    return ", ".join(sorted({template.name for template in templates}))


def _choose_from(channel: Channel, templates: list[Template]) -> str:
    if not templates:
        return _("No approved template is set up for %(channel)s yet: run manage.py "
                 "whatsapp_templates --channel %(id)d or add them to the channel's settings.") % {
            "channel": channel.name, "id": channel.pk}
    return _("Choose one of: %(names)s.") % {"names": _template_names(templates)}


def require_open_window(thread: Thread, channel: Channel) -> None:
    """Refuse free text on a channel whose window is closed, saying what to do instead."""
    window = reply_window(thread, channel)
    if window is None or window.open:
        return
    kind = channel.get_kind_display()
    if window.last_inbound_at is None:
        reason = _("%(customer)s has not written to %(channel)s on %(kind)s yet") % {
            "customer": capfirst(_customer_name(thread)), "channel": channel.name, "kind": kind}
    else:
        reason = ngettext(
            "More than %(hours)d hour has passed since %(customer)s last wrote on %(kind)s",
            "More than %(hours)d hours have passed since %(customer)s last wrote on %(kind)s",
            _hours(channel)) % {"hours": _hours(channel), "customer": _customer_name(thread),
                                "kind": kind}
    raise ValidationError(
        _("%(reason)s: only an approved template can be sent. %(choose)s") % {
            "reason": reason, "choose": _choose_from(channel, window.templates)},
        code="outside_messaging_window")


def template_reply(channel: Channel, template: dict) -> tuple[str, dict]:
    """The text a template sends (its body filled in) and the ``metadata["template"]`` the
    adapter sends it by, after checking it the way WhatsApp would."""
    if not has_window(channel):
        raise ValidationError(
            _("Templates are only for %(kinds)s.") % {"kinds": ", ".join(
                str(ChannelKind(kind).label) for kind in WINDOW_OF_KIND)},
            code="templates_not_supported")
    if not isinstance(template, dict):
        raise ValidationError(_("Choose a template."), code="invalid_template")
    templates = channel_templates(channel)
    chosen = next((t for t in templates if t.name == template.get("name")
                   and t.language == template.get("language")), None)
    if chosen is None:
        raise ValidationError(
            _("%(channel)s has no approved template %(name)s (%(language)s). %(choose)s") % {
                "channel": channel.name, "name": template.get("name"),
                "language": template.get("language"),
                "choose": _choose_from(channel, templates)},
            code="unknown_template")
    parameters = _clean_parameters(chosen, template.get("parameters") or [])
    metadata = {"name": chosen.name, "language": chosen.language, "parameters": parameters}
    return chosen.fill(parameters), metadata


def _clean_parameters(template: Template, parameters) -> list[str]:
    if not isinstance(parameters, list | tuple) or not all(
            isinstance(value, str) for value in parameters):
        raise ValidationError(_("Template parameters are a list of texts."),
                              code="template_parameters")
    if len(parameters) != template.placeholders:
        raise ValidationError(
            ngettext("The template %(name)s takes %(count)d parameter; %(given)d given.",
                     "The template %(name)s takes %(count)d parameters; %(given)d given.",
                     template.placeholders)
            % {"name": template.name, "count": template.placeholders, "given": len(parameters)},
            code="template_parameters")
    cleaned = []
    for number, value in enumerate(parameters, start=1):
        value = value.strip()
        what = {"number": number, "name": template.name}
        if not value:
            raise ValidationError(_("Fill in parameter {{%(number)d}} of %(name)s.") % what,
                                  code="template_parameters")
        if len(value) > MAX_PARAMETER_LENGTH:
            raise ValidationError(
                _("Parameter {{%(number)d}} of %(name)s is %(length)d characters long; "
                  "WhatsApp's limit is %(limit)d.")
                % {**what, "length": len(value), "limit": MAX_PARAMETER_LENGTH},
                code="template_parameters")
        if FORBIDDEN_IN_PARAMETER.search(value):
            raise ValidationError(
                _("Parameter {{%(number)d}} of %(name)s may not contain line breaks, tabs or "
                  "more than four spaces in a row (WhatsApp refuses them).") % what,
                code="template_parameters")
        cleaned.append(value)
    return cleaned


def composer_windows(thread: Thread, channels: list[Channel], *,
                     now: datetime | None = None) -> dict[str, dict]:
    """What the composer shows for each reply channel with the rule, by channel id: the
    window's state, the notices and the templates (JSON for the page's script, which
    switches between channels without a reload)."""
    now = now or timezone.now()
    by_id = {channel.pk: channel for channel in channels}
    return {str(channel_id): _composer_window(thread, by_id[channel_id], window, now)
            for channel_id, window in reply_windows(thread, channels, now=now).items()}


def _composer_window(thread: Thread, channel: Channel, window: Window, now: datetime) -> dict:
    kind = channel.get_kind_display()
    rule = _("outside %(kind)s's %(hours)d-hour window only an approved template can be "
             "sent.") % {"kind": kind, "hours": _hours(channel)}
    if window.last_inbound_at is None:
        closed_notice = _("%(customer)s has not written to %(channel)s on %(kind)s yet — "
                          "%(rule)s")
    else:
        # Said as it will read once closed: an open window's notice is shown when it closes.
        closed_notice = _("%(customer)s last wrote on %(kind)s %(ago)s ago — %(rule)s")
    closed_notice %= {
        "customer": capfirst(_customer_name(thread)), "kind": kind, "rule": rule,
        "channel": channel.name,
        "ago": window.last_inbound_at and timesince(
            window.last_inbound_at, max(now, window.closes_at or now), depth=1)}
    return {
        "open": window.open,
        "closes_at": window.closes_at.isoformat() if window.closes_at else None,
        "hours": _hours(channel),
        "last_inbound_id": window.last_inbound_id,
        "closes_in_label": _("%(kind)s window closes in") % {"kind": kind},
        "closed_notice": closed_notice,
        "templates": [
            {"name": t.name, "language": t.language, "category": t.category, "body": t.body,
             "placeholders": t.placeholders}
            for t in window.templates],
    }
