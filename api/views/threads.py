"""``/api/v1/threads/``: the list (filters, search), one thread, and the actions on it. Each
action parses its body, calls the one inbox action that owns the change, and answers with
the thread as it now is."""

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from inbox.actions import assign_thread, change_status, snooze_thread, tag_thread
from inbox.api_selectors import (
    ThreadFilters,
    api_thread,
    api_threads,
    assignable_agent,
    teams_for,
    visible_thread,
)
from inbox.models import Thread
from macros.actions import apply_macro
from macros.selectors import macros_for

from ..base import ApiViewSet, parse_id
from ..pagination import StrictCursorPagination
from ..serializers.threads import (
    ApplyMacroSerializer,
    AssignSerializer,
    SnoozeSerializer,
    StatusSerializer,
    TagsSerializer,
    ThreadQuerySerializer,
    ThreadSerializer,
)

THREAD_EXAMPLE = {
    "id": 42,
    "customer": {"id": 7, "name": "Ana Lima"},
    "status": "open",
    "priority": 0,
    "assignee": {"id": 3, "name": "Sam Reed"},
    "team": {"id": 1, "name": "Support"},
    "tags": ["refund", "vip"],
    "snoozed_until": None,
    "last_activity_at": "2026-11-23T09:14:05.120000Z",
    "last_inbound_at": "2026-11-23T09:14:05.120000Z",
    "created_at": "2026-11-20T16:02:11.003000Z",
    "last_message": {"id": 981, "direction": "inbound", "channel_kind": "whatsapp",
                     "text": "Hi, where is my order #1234?",
                     "created_at": "2026-11-23T09:14:05.120000Z"},
}
THREAD_RESPONSE = OpenApiExample("A thread", value=THREAD_EXAMPLE, response_only=True)
THREAD_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="A thread id.")


def query_values(request) -> dict[str, str]:
    """The query's parameters as plain values: an empty one (``?limit=``) is then refused
    as not valid rather than quietly taken as absent."""
    return request.query_params.dict()


def thread_or_404(user, raw_id) -> Thread:
    """A thread ``user`` may see; another team's thread is as unknown as a missing one."""
    thread_id = parse_id(raw_id)
    thread = visible_thread(user, thread_id) if thread_id else None
    if thread is None:
        raise Http404("no such thread")
    return thread


class ActivityCursorPagination(StrictCursorPagination):
    """Most recent activity first; ties in activity time keep their order by id."""

    ordering = ("-last_activity_at", "-id")


def _action_schema(summary: str, request, example: dict):
    return extend_schema(
        summary=summary, request=request, responses={200: ThreadSerializer},
        parameters=[THREAD_ID],
        examples=[OpenApiExample(summary, value=example, request_only=True), THREAD_RESPONSE],
    )


@extend_schema_view(
    list=extend_schema(
        summary="List threads",
        description="The threads the token's teams may see, most recent activity first, "
                    "a cursor page at a time (follow `next`).",
        parameters=[ThreadQuerySerializer],
        examples=[THREAD_RESPONSE],
    ),
    retrieve=extend_schema(summary="Read a thread", parameters=[THREAD_ID],
                           examples=[THREAD_RESPONSE]),
)
class ThreadViewSet(ApiViewSet):
    serializer_class = ThreadSerializer
    pagination_class = ActivityCursorPagination
    filter_backends: list = []
    queryset = Thread.objects.none()  # for the schema; reads go through the selectors

    def list(self, request):
        query = ThreadQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        threads = api_threads(request.user, ThreadFilters(**query.filters()))
        page = self.paginate_queryset(threads)
        return self.get_paginated_response(ThreadSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return self._answer(thread_or_404(request.user, pk))

    @_action_schema("Assign a thread", AssignSerializer, {"assignee": 3, "team": 1})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        thread = thread_or_404(request.user, pk)
        body = self._parse(AssignSerializer)
        changes = {}
        if "assignee" in body:
            changes["assignee"] = self._agent(body["assignee"])
        if "team" in body:
            changes["team"] = self._team(body["team"])
        return self._answer(assign_thread(thread=thread, by=request.user, **changes))

    @_action_schema("Change a thread's status", StatusSerializer, {"status": "resolved"})
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        thread = thread_or_404(request.user, pk)
        body = self._parse(StatusSerializer)
        return self._answer(change_status(thread=thread, status=body["status"],
                                          by=request.user))

    @_action_schema("Snooze a thread", SnoozeSerializer, {"until": "2026-11-24T08:00:00Z"})
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        thread = thread_or_404(request.user, pk)
        body = self._parse(SnoozeSerializer)
        return self._answer(snooze_thread(thread=thread, until=body["until"],
                                          by=request.user))

    @_action_schema("Add and remove tags", TagsSerializer,
                    {"add": ["refund"], "remove": ["new"]})
    @action(detail=True, methods=["post"])
    def tags(self, request, pk=None):
        thread = thread_or_404(request.user, pk)
        body = self._parse(TagsSerializer)
        return self._answer(tag_thread(thread=thread, add=body["add"], remove=body["remove"],
                                       by=request.user))

    @_action_schema("Apply a macro", ApplyMacroSerializer, {"macro": 2})
    @action(detail=True, methods=["post"], url_path="apply-macro")
    def apply_macro(self, request, pk=None):
        """Every step of the macro through its action, all or nothing (docs/macros.md)."""
        thread = thread_or_404(request.user, pk)
        body = self._parse(ApplyMacroSerializer)
        macro = macros_for(request.user).filter(pk=body["macro"]).first()
        if macro is None:
            raise serializers.ValidationError({"macro": ["Unknown macro."]},
                                              code="unknown_macro")
        return self._answer(apply_macro(macro=macro, thread=thread, by=request.user))

    def _parse(self, serializer_class) -> dict:
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _answer(self, thread: Thread) -> Response:
        """The thread as the list shows it, read again after the change (or as the action
        left it, when the change took it out of the token's teams)."""
        return Response(ThreadSerializer(api_thread(self.request.user, thread.pk)
                                         or thread).data)

    def _agent(self, agent_id: int | None):
        if agent_id is None:
            return None
        agent = assignable_agent(agent_id)
        if agent is None:
            raise serializers.ValidationError({"assignee": ["Unknown agent."]},
                                              code="unknown_agent")
        return agent

    def _team(self, team_id: int | None):
        if team_id is None:
            return None
        team = teams_for(self.request.user).filter(pk=team_id).first()
        if team is None:
            # A team the token is not in is as unknown as a missing one.
            raise serializers.ValidationError({"team": ["Unknown team."]}, code="unknown_team")
        return team
