"""``/api/v1/teams/``, ``agents/``, ``canned-responses/`` and ``channels/``: the directory.

Reads follow the teams rule (a token sees its teams; all-teams tokens see all). Teams and
channels are written with admin scope; canned responses with write scope in the token's
own teams, admin scope for the shared ones (no team)."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.response import Response

from channels_adapters.actions import channel_create, channel_update
from channels_adapters.health import channels_visible_to
from channels_adapters.models import Channel
from inbox.actions.directory import (
    canned_response_create,
    canned_response_delete,
    canned_response_update,
    team_create,
    team_update,
)
from inbox.directory import agents_visible_to, canned_responses_visible_to, teams_visible_to
from inbox.models import CannedResponse, Team, User

from ..base import ApiViewSet
from ..models import Scope
from ..permissions import has_scope
from ..serializers.directory import (
    AgentSerializer,
    CannedResponseSerializer,
    CannedResponseWriteSerializer,
    ChannelSerializer,
    ChannelUpdateSerializer,
    ChannelWriteSerializer,
    TeamSerializer,
    TeamWriteSerializer,
)

TEAM_EXAMPLE = {"id": 3, "name": "Support", "members": [12, 14],
                "created_at": "2026-10-01T08:00:00Z"}
AGENT_EXAMPLE = {"id": 12, "username": "ana", "name": "Ana Lima", "role": "agent",
                 "is_active": True, "teams": [3], "presence": "online"}
CANNED_EXAMPLE = {"id": 9, "shortcut": "thanks", "title": "Thanks",
                  "body": "Thank you, {{ customer.first_name }}!", "team": 3,
                  "created_at": "2026-10-01T08:00:00Z"}
CHANNEL_EXAMPLE = {"id": 2, "kind": "telegram", "name": "Support bot",
                   "address": "@acme_support_bot", "team": 3, "is_active": True,
                   "secret_names": ["bot_token", "webhook_secret"],
                   "health": {"last_inbound_at": "2026-11-02T09:30:00Z", "queued": 0,
                              "failed": 1, "last_error": "Forbidden: bot was blocked"},
                   "created_at": "2026-10-01T08:00:00Z"}


def _examples(name: str, value: dict, *, request: dict | None = None,
              created: bool = False) -> list[OpenApiExample]:
    examples = [OpenApiExample(name, value=value, response_only=True,
                               status_codes=["201"] if created else ["200"])]
    if request is not None:
        examples.append(OpenApiExample(f"{name} (request)", value=request, request_only=True))
    return examples


def _fake(view) -> bool:
    return getattr(view, "swagger_fake_view", False)  # the schema's generation


class _Reads:
    """list and retrieve with the view's read serializer."""

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.serializer_class(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.serializer_class(self.get_object()).data)


@extend_schema_view(
    list=extend_schema(summary="List teams", examples=_examples("A team", TEAM_EXAMPLE)),
    retrieve=extend_schema(summary="Read a team", examples=_examples("A team", TEAM_EXAMPLE)),
    create=extend_schema(summary="Create a team (admin scope)", request=TeamWriteSerializer,
                         responses={201: TeamSerializer},
                         examples=_examples("Created", TEAM_EXAMPLE, created=True,
                                            request={"name": "Support"})),
    partial_update=extend_schema(summary="Rename a team (admin scope)",
                                 request=TeamWriteSerializer, responses={200: TeamSerializer},
                                 examples=_examples("Renamed", TEAM_EXAMPLE,
                                                    request={"name": "Support EU"})),
)
class TeamViewSet(_Reads, ApiViewSet):
    serializer_class = TeamSerializer
    write_scope = Scope.ADMIN

    def get_queryset(self):
        if _fake(self):
            return Team.objects.none()
        agents = User.objects.filter(api_token__isnull=True).order_by("id")
        return teams_visible_to(self.request.user).prefetch_related(
            Prefetch("members", queryset=agents))

    def create(self, request):
        incoming = TeamWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        team = team_create(name=incoming.validated_data["name"])
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        team = self.get_object()
        incoming = TeamWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        if "name" in incoming.validated_data:
            team_update(team=team, name=incoming.validated_data["name"])
        return Response(TeamSerializer(self.get_queryset().get(pk=team.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="List agents",
                       description="The people working in the token's teams (API tokens' "
                                   "own users are never listed), with their presence.",
                       examples=_examples("An agent", AGENT_EXAMPLE)),
    retrieve=extend_schema(summary="Read an agent",
                           examples=_examples("An agent", AGENT_EXAMPLE)),
)
class AgentViewSet(_Reads, ApiViewSet):
    serializer_class = AgentSerializer

    def get_queryset(self):
        if _fake(self):
            return User.objects.none()
        return agents_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List canned responses",
                       description="Those of the token's teams and the shared ones.",
                       examples=_examples("A canned response", CANNED_EXAMPLE)),
    retrieve=extend_schema(summary="Read a canned response",
                           examples=_examples("A canned response", CANNED_EXAMPLE)),
    create=extend_schema(
        summary="Create a canned response",
        description="In one of the token's teams (write scope), or shared with every team "
                    "(`team`: null, admin scope).",
        request=CannedResponseWriteSerializer, responses={201: CannedResponseSerializer},
        examples=_examples("Created", CANNED_EXAMPLE, created=True, request={
            "shortcut": "thanks", "title": "Thanks",
            "body": "Thank you, {{ customer.first_name }}!", "team": 3})),
    partial_update=extend_schema(
        summary="Update a canned response",
        description="A shared one, or making one shared, needs admin scope.",
        request=CannedResponseWriteSerializer, responses={200: CannedResponseSerializer},
        examples=_examples("Updated", CANNED_EXAMPLE, request={"title": "Thank you"})),
    destroy=extend_schema(summary="Delete a canned response",
                          description="A shared one needs admin scope.",
                          responses={204: OpenApiResponse(description="Deleted.")}),
)
class CannedResponseViewSet(_Reads, ApiViewSet):
    serializer_class = CannedResponseSerializer

    def get_queryset(self):
        if _fake(self):
            return CannedResponse.objects.none()
        return canned_responses_visible_to(self.request.user)

    def create(self, request):
        incoming = CannedResponseWriteSerializer(data=request.data,
                                                 context={"request": request})
        incoming.is_valid(raise_exception=True)
        self._require_admin_if_shared(incoming.validated_data["team"])
        canned = canned_response_create(**incoming.validated_data)
        return Response(CannedResponseSerializer(canned).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        canned = self.get_object()
        incoming = CannedResponseWriteSerializer(data=request.data, partial=True,
                                                 context={"request": request})
        incoming.is_valid(raise_exception=True)
        self._require_admin_if_shared(canned.team)
        if "team" in incoming.validated_data:
            self._require_admin_if_shared(incoming.validated_data["team"])
        canned = canned_response_update(canned_response=canned, **incoming.validated_data)
        return Response(CannedResponseSerializer(canned).data)

    def destroy(self, request, pk=None):
        canned = self.get_object()
        self._require_admin_if_shared(canned.team)
        canned_response_delete(canned_response=canned)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _require_admin_if_shared(self, team) -> None:
        if team is None and not has_scope(self.request, Scope.ADMIN):
            raise exceptions.PermissionDenied(
                "Shared canned responses (no team) need an admin token.")


@extend_schema_view(
    list=extend_schema(summary="List channels",
                       description="The channels of the token's teams with their health; "
                                   "secrets are never shown, only their names.",
                       examples=_examples("A channel", CHANNEL_EXAMPLE)),
    retrieve=extend_schema(summary="Read a channel",
                           examples=_examples("A channel", CHANNEL_EXAMPLE)),
    create=extend_schema(
        summary="Create a channel (admin scope)",
        request=ChannelWriteSerializer, responses={201: ChannelSerializer},
        examples=_examples("Created", CHANNEL_EXAMPLE, created=True, request={
            "kind": "telegram", "name": "Support bot", "address": "@acme_support_bot",
            "team": 3, "secrets": {"bot_token": "123456:ABC…"}})),
    partial_update=extend_schema(
        summary="Update a channel (admin scope)",
        description="Name, address, team, active; `secrets` replaces all of them.",
        request=ChannelUpdateSerializer, responses={200: ChannelSerializer},
        examples=_examples("Switched off", {**CHANNEL_EXAMPLE, "is_active": False},
                           request={"is_active": False})),
)
class ChannelViewSet(_Reads, ApiViewSet):
    serializer_class = ChannelSerializer
    write_scope = Scope.ADMIN

    def get_queryset(self):
        if _fake(self):
            return Channel.objects.none()
        return channels_visible_to(self.request.user)

    def create(self, request):
        incoming = ChannelWriteSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        channel = channel_create(**incoming.validated_data)
        return Response(ChannelSerializer(self.get_queryset().get(pk=channel.pk)).data,
                        status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        channel = self.get_object()
        incoming = ChannelUpdateSerializer(data=request.data, partial=True,
                                           context={"request": request})
        incoming.is_valid(raise_exception=True)
        channel_update(channel=channel, **incoming.validated_data)
        return Response(ChannelSerializer(self.get_queryset().get(pk=channel.pk)).data)
