"""``{% macro_picker thread %}``: the thread header's picker, with the macros of the
signed-in agent's teams (the header's own view need not know about macros)."""

from django import template

from ..selectors import macros_for

register = template.Library()


@register.inclusion_tag("macros/_picker.html", takes_context=True)
def macro_picker(context, thread):
    user = context["request"].user
    return {"thread": thread, "macros": list(macros_for(user).only("id", "name")),
            "csrf_token": context.get("csrf_token")}
