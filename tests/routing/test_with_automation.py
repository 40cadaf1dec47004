"""Auto-assignment beside the other automation: an automation rule's assignment wins like a
person's, and a thread the first-line bot is answering waits until the bot hands it off."""

import pytest

from automation.models import Rule
from bot.models import Article, BotSettings
from inbox.actions import assign_thread, receive_message
from inbox.models import Message, Thread
from inbox.publish import attributed_to_rule
from routing.assign import reroute_from_absent_agent, route_thread
from routing.models import AutoAssignment, TeamRouting
from routing.tasks import routing_sweep_task
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def assignee_of(thread_id):
    return Thread.objects.get(pk=thread_id).assignee_id


def test_an_automation_rules_assignment_is_never_moved_by_routing(celery_worker, agent,
                                                                  make_user, team, new_thread,
                                                                  online, route):
    emma = make_user("emma", teams=[team])
    online(agent, emma)
    route()
    thread = new_thread()
    wait_for(lambda: AutoAssignment.objects.filter(thread=thread).exists())
    rule = Rule.objects.create(name="VIP to Emma", actions=[
        {"action": "assign", "assignee": emma.pk}])

    with attributed_to_rule(rule):
        assign_thread(thread=thread, assignee=emma, by=None)

    assert wait_for(lambda: not AutoAssignment.objects.filter(thread=thread).exists())
    online(emma, status="away")
    assert reroute_from_absent_agent(thread_id=thread.pk) is False
    routing_sweep_task.apply()
    assert assignee_of(thread.pk) == emma.pk


@pytest.fixture
def bot(team):
    Article.objects.create(team=team, question="What are your opening hours?",
                           answer="Monday to Friday, 8:00 to 20:00.")
    return BotSettings.objects.create(team=team, enabled=True, follow_up_text="",
                                      greeting_text="", hand_off_text="")


def test_a_thread_the_bot_answers_is_not_routed_until_it_hands_off(celery_worker, agent,
                                                                   channel, online, route,
                                                                   bot):
    online(agent)
    route(TeamRouting.Mode.LEAST_LOADED)

    asked = receive_message(channel=channel, address="ana@example.com",
                            text="What are your opening hours?")
    thread_id = asked.message.thread_id
    wait_for(lambda: Message.objects.filter(thread_id=thread_id,
                                            direction=Message.Direction.OUTBOUND).exists())
    routing_sweep_task.apply()
    assert route_thread(thread_id=thread_id) is None
    assert assignee_of(thread_id) is None

    receive_message(channel=channel, address="ana@example.com",
                    text="I want to talk to a human please")

    assert wait_for(lambda: assignee_of(thread_id)) == agent.pk
    note = Message.objects.get(thread_id=thread_id, direction=Message.Direction.NOTE)
    assert "opening hours" in note.text


def test_without_the_bot_a_customers_message_is_routed_at_once(celery_worker, agent, channel,
                                                                 online, route, team):
    BotSettings.objects.create(team=team, enabled=False)
    online(agent)
    route()

    received = receive_message(channel=channel, address="bo@example.com", text="Hello")

    assert wait_for(lambda: assignee_of(received.message.thread_id)) == agent.pk
