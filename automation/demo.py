"""The demo's automation rules (``manage.py load_demo``): Support's refund requests go to
Emma, tagged and raised to high priority; and, switched off, a time-based example that
escalates a Support customer left waiting two hours. Daniel (whose express fee Emma refunded)
writes again about his refund: the rule's line is in his thread.

The refund rule is switched on once the demo has committed, after its events were handed to
the event listeners: it acts on what arrives afterwards, never re-writes the demo's
stories."""

from django.db import transaction

from inbox.actions import receive_message
from inbox.models import Thread

from .actions import apply_rule
from .models import Rule


def demo_rules(demo) -> None:
    support, admin = demo.teams["Support"], demo.users["admin"]
    refunds = Rule.objects.create(
        name="Refunds to Emma", team=support, position=1, created_by=admin, is_active=False,
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
    message = receive_message(channel=demo.channels["sms"], address="+1 415 555 0134",
                              verified=True, external_id="demo-sms-rules-1",
                              text="Thanks Emma! How many days until the refund shows on my "
                                   "card?").message
    # What the listener's task does once the rule is on.
    apply_rule(rule=refunds, thread=message.thread_id, trigger_key=f"message:{message.pk}",
               message=message)
    transaction.on_commit(lambda: Rule.objects.filter(pk=refunds.pk).update(is_active=True))
