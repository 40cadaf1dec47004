"""Auto-assignment: fair, within capacity, to online agents only; away agents' threads move
on; manual assignment always wins; a team without routing is untouched."""

from collections import Counter

import pytest

from inbox.actions import assign_thread, change_status
from inbox.events import ThreadAssigned
from inbox.models import AgentPresence, Thread
from routing.assign import route_team, route_thread
from routing.models import AutoAssignment, TeamRouting
from routing.tasks import routing_sweep_task
from tests.helpers import events_since, last_event_id, parsed

pytestmark = pytest.mark.django_db

Mode = TeamRouting.Mode


@pytest.fixture
def agents(make_user, team):
    return [make_user(name, teams=[team]) for name in ("ana", "bob", "cy")]


def assignees(threads) -> list:
    return [Thread.objects.get(pk=t.pk).assignee_id for t in threads]


def test_round_robin_gives_each_online_agent_a_thread_in_turn(agents, new_thread, online,
                                                              route):
    threads = [new_thread() for _ in range(9)]
    online(*agents)
    route(Mode.ROUND_ROBIN, capacity=10)

    for thread in threads:
        route_thread(thread_id=thread.pk)

    ids = [agent.pk for agent in agents]
    assert assignees(threads) == ids * 3
    assert Counter(assignees(threads)) == {pk: 3 for pk in ids}


def test_round_robin_rotation_survives_between_calls_and_skips_full_agents(
        agents, new_thread, online, route):
    ana, bob, cy = agents
    threads = [new_thread() for _ in range(4)]
    online(*agents)
    route(Mode.ROUND_ROBIN, capacity=5, bob=(bob, 1))

    for thread in threads:
        route_thread(thread_id=thread.pk)

    # ana, bob (now full), cy, then ana again: bob is skipped
    assert assignees(threads) == [ana.pk, bob.pk, cy.pk, ana.pk]
    assert TeamRouting.objects.get().last_agent == ana


def test_least_loaded_picks_the_fewest_open_threads(agents, new_thread, online, route):
    ana, bob, cy = agents
    busy = [new_thread() for _ in range(3)]
    for thread in busy[:2]:
        assign_thread(thread=thread, assignee=ana, by=ana)
    assign_thread(thread=busy[2], assignee=bob, by=bob)
    waiting = new_thread()
    online(*agents)
    route(Mode.LEAST_LOADED)

    assert route_thread(thread_id=waiting.pk) == cy.pk


def test_least_loaded_ties_go_to_the_agent_waiting_longest(agents, new_thread, online, route):
    ana, bob, cy = agents
    threads = [new_thread() for _ in range(3)]
    online(*agents)
    route(Mode.LEAST_LOADED)

    first = [route_thread(thread_id=t.pk) for t in threads]
    for thread in threads:  # everyone back to zero load
        change_status(thread=thread, status=Thread.Status.RESOLVED, by=ana)
    later = [route_thread(thread_id=new_thread().pk) for _ in range(3)]

    assert sorted(first) == sorted(a.pk for a in agents)
    assert later == first  # the one given a thread longest ago goes first


def test_fairness_over_many_threads_least_loaded(agents, new_thread, online, route):
    threads = [new_thread() for _ in range(30)]
    online(*agents)
    route(Mode.LEAST_LOADED, capacity=100)

    for thread in threads:
        route_thread(thread_id=thread.pk)

    assert sorted(Counter(assignees(threads)).values()) == [10, 10, 10]


def test_capacity_is_respected_and_the_rest_waits(agents, new_thread, online, route):
    ana, bob, _cy = agents
    online(ana, bob)
    route(Mode.ROUND_ROBIN, capacity=2)
    threads = [new_thread() for _ in range(6)]

    route_team(team_id=threads[0].team_id)

    counts = Counter(assignees(threads))
    assert counts == {ana.pk: 2, bob.pk: 2, None: 2}


def test_an_agent_with_capacity_zero_is_never_given_a_thread(agents, new_thread, online, route):
    ana, bob, cy = agents
    online(*agents)
    route(Mode.ROUND_ROBIN, ana=(ana, 0))

    given = {route_thread(thread_id=new_thread().pk) for _ in range(4)}

    assert given == {bob.pk, cy.pk}


def test_offline_away_and_stale_agents_are_skipped(agents, new_thread, online, route):
    ana, bob, cy = agents
    online(ana, status=AgentPresence.Status.AWAY)
    online(bob, seconds_ago=600)  # a page that stopped sending heartbeats
    online(cy)
    route(Mode.ROUND_ROBIN)

    assert {route_thread(thread_id=new_thread().pk) for _ in range(3)} == {cy.pk}


def test_nobody_online_leaves_the_thread_in_the_queue(agents, new_thread, route):
    thread = new_thread()
    route(Mode.LEAST_LOADED)
    since = last_event_id()

    assert route_thread(thread_id=thread.pk) is None
    assert Thread.objects.get(pk=thread.pk).assignee is None
    assert events_since(since) == []


def test_auto_assignment_goes_through_the_assign_action(agents, new_thread, online, route):
    thread = new_thread()
    online(agents[0])
    route()
    since = last_event_id()

    route_thread(thread_id=thread.pk)

    (event,) = events_since(since)
    assert event.actor is None
    assert parsed(event) == ThreadAssigned(assignee_id=agents[0].pk, team_id=thread.team_id,
                                           previous_assignee_id=None,
                                           previous_team_id=thread.team_id)
    assert AutoAssignment.objects.get(thread=thread).agent == agents[0]


def test_an_away_agents_auto_assigned_threads_move_to_an_online_agent(agents, new_thread,
                                                                      online, route):
    ana, bob, cy = agents
    online(ana)
    route(Mode.ROUND_ROBIN)
    threads = [new_thread() for _ in range(2)]
    for thread in threads:
        route_thread(thread_id=thread.pk)
    assert assignees(threads) == [ana.pk, ana.pk]

    online(ana, status=AgentPresence.Status.AWAY)
    online(bob)
    moved = route_team(team_id=threads[0].team_id)

    assert moved == 2
    assert assignees(threads) == [bob.pk, bob.pk]


def test_an_offline_agents_threads_return_to_the_queue_when_nobody_is_free(
        agents, new_thread, online, route):
    ana = agents[0]
    online(ana)
    route()
    thread = new_thread()
    route_thread(thread_id=thread.pk)

    online(ana, seconds_ago=600)
    routing_sweep_task.apply()

    assert Thread.objects.get(pk=thread.pk).assignee is None
    assert not AutoAssignment.objects.exists()


def test_manual_assignment_always_wins(agents, new_thread, online, route, supervisor):
    ana, bob, _cy = agents
    online(ana)
    route()
    by_hand, by_routing = new_thread(), new_thread()
    assign_thread(thread=by_hand, assignee=ana, by=supervisor)
    route_thread(thread_id=by_routing.pk)
    assign_thread(thread=by_routing, assignee=bob, by=supervisor)  # a person moved it
    assign_thread(thread=by_routing, assignee=ana, by=supervisor)  # ...and back

    online(ana, status=AgentPresence.Status.AWAY)
    online(bob)
    route_team(team_id=by_hand.team_id)

    assert assignees([by_hand, by_routing]) == [ana.pk, ana.pk]


def test_an_assigned_thread_is_never_routed(agents, new_thread, online, route):
    ana, bob, _cy = agents
    thread = new_thread()
    assign_thread(thread=thread, assignee=bob, by=bob)
    online(ana)
    route()

    assert route_thread(thread_id=thread.pk) is None
    assert Thread.objects.get(pk=thread.pk).assignee == bob


def test_a_team_without_routing_is_assigned_by_hand_only(agents, new_thread, online, route):
    online(*agents)
    thread = new_thread()
    assert route_thread(thread_id=thread.pk) is None
    route(Mode.NONE)
    assert route_thread(thread_id=thread.pk) is None
    assert route_team(team_id=thread.team_id) == 0
    assert Thread.objects.get(pk=thread.pk).assignee is None


def test_agents_of_other_teams_are_not_given_the_teams_threads(make_user, other_team,
                                                               new_thread, online, route):
    online(make_user("sid", teams=[other_team]))
    route()
    assert route_thread(thread_id=new_thread().pk) is None
