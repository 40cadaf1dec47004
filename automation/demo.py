"""The demo's automation rules (``manage.py load_demo``): Support's refund requests go to
Emma, tagged and raised to high priority; and, switched off, a time-based example that
escalates a Support customer left waiting two hours.

They are created once the demo has committed, after its events were handed to the event
listeners: the rules act on what arrives afterwards, never re-write the demo's stories."""

from django.db import transaction

from inbox.models import Thread

from .models import Rule


def demo_rules(demo) -> None:
    transaction.on_commit(lambda: _create_rules(demo))


def _create_rules(demo) -> None:
    support, admin = demo.teams["Support"], demo.users["admin"]
    Rule.objects.create(
        name="Refunds to Emma", team=support, position=1, created_by=admin,
        conditions=[{"field": "text", "operator": "contains_any",
                     "value": ["refund", "money back", "remboursement", "rembourser"]}],
        actions=[{"action": "assign", "assignee": demo.users["emma"].pk},
                 {"action": "tag", "add": ["refund"]},
                 {"action": "priority", "priority": Thread.Priority.HIGH}])
    Rule.objects.create(
        name="Waiting two hours", team=support, position=2, created_by=admin,
        trigger=Rule.Trigger.WAITING, is_active=False,
        conditions=[{"field": "waiting_minutes", "operator": "at_least", "value": 120},
                    {"field": "business_hours", "operator": "is", "value": "open"}],
        actions=[{"action": "priority", "priority": Thread.Priority.URGENT},
                 {"action": "note", "text": "{{ customer.name }} has waited two hours: who "
                                            "can take this?"}])
