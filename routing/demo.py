"""The demo's auto-assignment (``manage.py load_demo``): Support shares its new threads
among the agents online, least loaded first; Sales still assigns by hand."""

from django.utils import timezone

from inbox.models import AgentPresence

from .assign import route_team
from .models import AgentRouting, TeamRouting


def demo_routing(demo) -> None:
    support = TeamRouting.objects.create(team=demo.teams["Support"],
                                         mode=TeamRouting.Mode.LEAST_LOADED, default_capacity=4)
    AgentRouting.objects.create(routing=support, agent=demo.users["emma"], capacity=2)
    # Liam has the inbox open as the demo loads: the waiting Support thread goes to him.
    AgentPresence.objects.update_or_create(user=demo.users["liam"], defaults={
        "status": AgentPresence.Status.ONLINE, "connections": 1,
        "heartbeat_at": timezone.now()})
    route_team(team_id=support.team_id)
