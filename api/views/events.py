"""``/api/v1/events/?after=<event id>``: the events feed, for integrators who poll instead of
receiving webhooks. The same rows, order and JSON as the inbox's live view, scoped to the
token's teams; ``next_after`` is the cursor of the next poll."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response

from inbox.publish import serialize_event
from inbox.selectors import events_visible_to

from ..base import ApiViewSet
from ..serializers.events import EventPageSerializer, EventQuerySerializer
from .threads import query_values

EXAMPLE = {
    "events": [{
        "id": 5120, "type": "thread.assigned", "created_at": "2026-11-23T09:16:02.514000Z",
        "thread_id": 42, "customer_id": 7, "team_id": 1, "actor_id": 12,
        "payload": {"assignee_id": 3, "team_id": 1, "previous_assignee_id": None,
                    "previous_team_id": 1},
    }],
    "next_after": 5120,
}


class OnePageSchema(AutoSchema):
    """The feed answers one object (events and the next cursor), not a list of them."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class EventFeedView(ApiViewSet):
    schema = OnePageSchema()
    pagination_class = None
    filter_backends: list = []
    serializer_class = EventPageSerializer

    @extend_schema(
        summary="Poll the events feed",
        description="Events after the id `after`, oldest first: messages received, replies "
                    "queued and delivered, assignments, status changes, merges… Poll with "
                    "the `next_after` of the previous answer; nothing is skipped or repeated.",
        parameters=[EventQuerySerializer],
        responses={200: EventPageSerializer},
        examples=[OpenApiExample("A page of events", value=EXAMPLE, response_only=True)],
    )
    def list(self, request):
        query = EventQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        after = query.validated_data["after"]
        events = events_visible_to(request.user, after=after, replay=False,
                                   limit=query.validated_data["limit"])
        return Response({"events": [serialize_event(event) for event in events],
                         "next_after": events[-1].pk if events else after})
