"""Routed teams, online agents and waiting threads for the auto-assignment tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.actions import receive_message
from inbox.models import AgentPresence, Thread
from routing.models import AgentRouting, TeamRouting


@pytest.fixture
def channel(make_channel):
    return make_channel("email")


@pytest.fixture
def new_thread(channel):
    """A customer writes; their thread (in the channel's team), re-read."""
    counter = iter(range(10_000))

    def make(address=None) -> Thread:
        address = address or f"customer{next(counter)}@example.com"
        received = receive_message(channel=channel, address=address, text="Hello")
        return Thread.objects.get(pk=received.message.thread_id)

    return make


@pytest.fixture
def online():
    """Mark agents online (a fresh heartbeat), away or offline, as the inbox's pages do."""

    def mark(*agents, status=AgentPresence.Status.ONLINE, seconds_ago=0):
        for agent in agents:
            AgentPresence.objects.update_or_create(user=agent, defaults={
                "status": status, "connections": 1,
                "heartbeat_at": timezone.now() - timedelta(seconds=seconds_ago)})

    return mark


@pytest.fixture
def route(team):
    """Turn routing on for the team."""

    def configure(mode=TeamRouting.Mode.ROUND_ROBIN, capacity=5, **agent_capacities):
        routing, _ = TeamRouting.objects.update_or_create(
            team=team, defaults={"mode": mode, "default_capacity": capacity})
        for agent, own in agent_capacities.values():
            AgentRouting.objects.update_or_create(routing=routing, agent=agent,
                                                  defaults={"capacity": own})
        return routing

    return configure
