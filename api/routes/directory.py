"""Routes of the API (see api/urls.py): teams, agents, canned responses, channels."""

from ..views.directory import AgentViewSet, CannedResponseViewSet, ChannelViewSet, TeamViewSet


def register(router) -> None:
    router.register("teams", TeamViewSet, basename="team")
    router.register("agents", AgentViewSet, basename="agent")
    router.register("canned-responses", CannedResponseViewSet, basename="canned-response")
    router.register("channels", ChannelViewSet, basename="channel")
