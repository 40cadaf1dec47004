"""The demo's rules: stored once the demo commits, and the refund rule works on a new
message."""

import pytest

from automation.demo import demo_rules
from automation.engine import run_rules_for_message
from automation.models import Rule
from inbox.demo_stories import Demo
from inbox.models import Thread

pytestmark = pytest.mark.django_db


def test_the_demo_rules_come_after_the_commit_and_route_a_refund_to_emma(
        team, make_user, writes, django_capture_on_commit_callbacks):
    demo = Demo({"Support": team}, {"admin": make_user("admin", role="admin"),
                                    "emma": make_user("emma", teams=[team])}, {})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        demo_rules(demo)
    assert not Rule.objects.exists()
    for callback in callbacks:
        callback()
    assert list(Rule.objects.values_list("name", "is_active")) == [
        ("Refunds to Emma", True), ("Waiting two hours", False)]
    message = writes("Can I get my money back?")
    run_rules_for_message(message=message)
    thread = Thread.objects.get(pk=message.thread_id)
    assert (thread.assignee, thread.priority) == (demo.users["emma"], Thread.Priority.HIGH)
