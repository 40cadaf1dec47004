"""What sets auto-assignment going: a customer's message (event listener → Celery task),
a thread freed, an agent coming online (the beat sweep); and two workers at once."""

import threading

import pytest
from django.db import connection

from config.celery import app
from inbox.actions import assign_thread, change_status, receive_message
from inbox.models import Event, Thread
from routing.assign import route_thread
from routing.models import AutoAssignment, TeamRouting
from routing.tasks import routing_sweep_task
from tests.helpers import needs_postgresql, wait_for

Mode = TeamRouting.Mode


def assignee_of(thread_id):
    return Thread.objects.get(pk=thread_id).assignee_id


@pytest.mark.django_db(transaction=True)
def test_a_customers_first_message_is_assigned_to_an_online_agent(celery_worker, agent,
                                                                  channel, online, route):
    online(agent)
    route(Mode.LEAST_LOADED)

    received = receive_message(channel=channel, address="new@example.com", text="Hi")

    assert wait_for(lambda: assignee_of(received.message.thread_id)) == agent.pk


@pytest.mark.django_db(transaction=True)
def test_a_resolved_thread_frees_a_place_for_the_next_waiting_one(celery_worker, agent,
                                                                  new_thread, online, route):
    online(agent)
    route(Mode.ROUND_ROBIN, capacity=1)
    first = new_thread()
    wait_for(lambda: assignee_of(first.pk))
    second = new_thread()
    assert assignee_of(second.pk) is None

    change_status(thread=first, status=Thread.Status.RESOLVED, by=agent)

    assert wait_for(lambda: assignee_of(second.pk)) == agent.pk


@pytest.mark.django_db(transaction=True)
def test_a_person_assigning_by_hand_makes_routing_forget_the_thread(celery_worker, agent,
                                                                    supervisor, new_thread,
                                                                    online, route):
    online(agent)
    route()
    thread = new_thread()
    wait_for(lambda: AutoAssignment.objects.filter(thread=thread).exists())

    assign_thread(thread=thread, assignee=supervisor, team=None, by=supervisor)

    assert not AutoAssignment.objects.filter(thread=thread).exists()


@pytest.mark.django_db
def test_the_sweep_hands_out_waiting_threads_when_an_agent_comes_online(agent, new_thread,
                                                                        online, route):
    threads = [new_thread() for _ in range(3)]
    route(Mode.ROUND_ROBIN, capacity=2)
    routing_sweep_task.apply()
    assert [assignee_of(t.pk) for t in threads] == [None, None, None]

    online(agent)
    routing_sweep_task.apply()

    assert [assignee_of(t.pk) for t in threads] == [agent.pk, agent.pk, None]


def test_the_sweep_is_on_celery_beat():
    assert any(entry["task"] == routing_sweep_task.name
               for entry in app.conf.beat_schedule.values())


def _at_once(calls) -> list:
    """Run the calls in threads released together; their results (each its own
    connection, closed after)."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    return results


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_workers_routing_one_thread_assign_it_once(agent, make_user, team, new_thread,
                                                       online, route, attempt):
    online(agent, make_user("bob", teams=[team]))
    thread = new_thread()
    route(Mode.ROUND_ROBIN)

    results = _at_once([lambda: route_thread(thread_id=thread.pk)] * 2)

    assert sorted(results, key=str) == sorted([None, assignee_of(thread.pk)], key=str)
    assert Event.objects.filter(thread=thread, type="thread.assigned").count() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_workers_never_take_an_agents_last_place_twice(agent, new_thread, online, route,
                                                           attempt):
    online(agent)
    threads = [new_thread(), new_thread()]
    route(Mode.LEAST_LOADED, capacity=1)

    _at_once([lambda t=t: route_thread(thread_id=t.pk) for t in threads])

    assert sorted([assignee_of(t.pk) for t in threads], key=str) == sorted(
        [agent.pk, None], key=str)
