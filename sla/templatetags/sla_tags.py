"""The SLA badge of the inbox: "First reply due in 12 min", "Resolution overdue 5 min"."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Target
from ..selectors import next_due

register = template.Library()

LABELS = {Target.FIRST_RESPONSE: gettext_lazy("First reply"),
          Target.RESOLUTION: gettext_lazy("Resolution")}


def short_duration(seconds: float) -> str:
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d}"
    return f"{minutes // 1440} d"


def badge(due_at, target, now=None) -> str:
    if due_at is None:
        return ""
    now = now or timezone.now()
    left = (due_at - now).total_seconds()
    label = LABELS.get(target, "")
    if left < 0:
        text, state = _("%(label)s overdue %(time)s") % {
            "label": label, "time": short_duration(-left)}, "overdue"
    else:
        text, state = _("%(label)s due in %(time)s") % {
            "label": label, "time": short_duration(left)}, "due"
    return format_html('<span class="sla sla-{}" title="{}" data-sla-due="{}">{}</span>',
                       state, timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M"),
                       due_at.isoformat(), text)


@register.simple_tag
def sla_row_badge(thread) -> str:
    """From the list's annotations (``sla.selectors.due_annotations``): no query."""
    return badge(getattr(thread, "sla_due_at", None), getattr(thread, "sla_target", None))


@register.simple_tag
def sla_thread_badge(thread) -> str:
    """The thread page's header: one query."""
    due = next_due(thread)
    return badge(due.due_at, due.target) if due else ""
