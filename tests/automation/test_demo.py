"""The demo's rules: the refund rule ran on Daniel's new message, and is on once the demo
commits (not before: it never re-writes the demo's stories)."""

import pytest

from automation.demo import demo_rules
from automation.engine import run_rules_for_message
from automation.models import Rule, RuleRun
from inbox.demo_stories import Demo
from inbox.models import Message, Thread

pytestmark = pytest.mark.django_db


def test_the_demo_refund_rule_ran_once_and_is_on_after_the_commit(
        team, make_user, make_channel, writes, django_capture_on_commit_callbacks):
    demo = Demo({"Support": team}, {"admin": make_user("admin", role="admin"),
                                    "emma": make_user("emma", teams=[team])},
                {"sms": make_channel("sms", name="SMS line", address="+33757591234")})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        demo_rules(demo)
    assert not Rule.objects.filter(is_active=True).exists()  # not on the demo's stories
    [run] = RuleRun.objects.all()
    line = Message.objects.get(thread=run.thread, direction="note")
    assert line.text == ("Rule “Refunds to Emma” assigned this to Emma, tagged refund, "
                         "set priority High.")
    for callback in callbacks:
        callback()
    assert list(Rule.objects.values_list("name", "is_active")) == [
        ("Refunds to Emma", True), ("Waiting two hours", False)]
    message = writes("Can I get my money back?")
    run_rules_for_message(message=message)
    thread = Thread.objects.get(pk=message.thread_id)
    assert (thread.assignee, thread.priority) == (demo.users["emma"], Thread.Priority.HIGH)
