"""The demo's macros (``manage.py load_demo``)."""

from .models import Macro


def demo_macros(demo) -> None:
    Macro.objects.create(name="Refund issued", team=demo.teams["Support"], steps=[
        {"action": "tag", "add": ["refund"]},
        {"action": "reply", "text": "Hello {{ customer.first_name }}, your refund is on its "
                                    "way: 3 to 5 working days. {{ agent.first_name }}"},
        {"action": "note", "text": "Refund issued by {{ agent.name }}."},
        {"action": "status", "status": "resolved"},
    ])
    Macro.objects.create(name="Escalate", steps=[
        {"action": "priority", "priority": 4},
        {"action": "tag", "add": ["escalated"]},
        {"action": "note", "text": "Escalated: a supervisor takes a look."},
    ])
    Macro.objects.create(name="Chase tomorrow", steps=[
        {"action": "assign", "assignee": "me"},
        {"action": "snooze", "minutes": 24 * 60},
    ])
