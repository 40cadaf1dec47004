"""``/api/v1/webhooks/``: admins manage outgoing webhook endpoints (create, read, change,
delete, rotate the secret), read their deliveries with every attempt, and send one again.
Writes go through webhooks.actions; an admin token limited to some teams manages only
endpoints limited to those teams."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from inbox.models import Team
from webhooks.actions import (
    delivery_replay,
    endpoint_create,
    endpoint_delete,
    endpoint_rotate_secret,
    endpoint_update,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.selectors import (
    deliveries_visible_to,
    delivery_with_attempts,
    endpoints_visible_to,
)

from ..base import ApiViewSet, object_or_404
from ..models import ApiToken, Scope
from ..serializers.webhooks import (
    DeliveryDetailSerializer,
    DeliveryQuerySerializer,
    DeliverySerializer,
    EndpointSerializer,
    EndpointWithSecretSerializer,
    EndpointWriteSerializer,
)

ENDPOINT_EXAMPLE = {
    "id": 3, "url": "https://crm.example.com/threadline/events", "description": "CRM sync",
    "event_types": ["message.received", "thread.status_changed"], "all_teams": False,
    "teams": [1], "is_active": True, "created_by": 2,
    "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z",
    "failing_since": None, "disabled_at": None, "disabled_reason": "",
}
SECRET_EXAMPLE = {**ENDPOINT_EXAMPLE,
                  "secret": "whsec_2bJ1v0mQ4u6kqS7o8yQw5d3Xv9Tz1cLr4hPn2aE6fGs"}
DELIVERY_EXAMPLE = {
    "id": 811, "endpoint": 3, "event_id": 5120, "event_type": "message.received",
    "thread_id": 42, "status": "delivered", "attempts": 4,
    "created_at": "2026-11-23T09:15:00Z", "first_attempt_at": "2026-11-23T09:15:00Z",
    "next_attempt_at": None, "delivered_at": "2026-11-23T09:18:31Z", "last_status_code": 200,
    "last_error": "",
}
DELIVERY_DETAIL_EXAMPLE = {**DELIVERY_EXAMPLE, "attempt_log": [
    {"number": 1, "created_at": "2026-11-23T09:15:00Z", "status_code": 500, "latency_ms": 84,
     "response_snippet": "Internal Server Error", "error": ""},
    {"number": 4, "created_at": "2026-11-23T09:18:31Z", "status_code": 200, "latency_ms": 41,
     "response_snippet": "ok", "error": ""},
]}
ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="An id.")


class _AdminOnly:
    """Admin scope only."""

    read_scope = Scope.ADMIN
    write_scope = Scope.ADMIN
    filter_backends: list = []


@extend_schema_view(
    list=extend_schema(summary="List webhook endpoints",
                       examples=[OpenApiExample("An endpoint", value=ENDPOINT_EXAMPLE,
                                                response_only=True)]),
    retrieve=extend_schema(summary="Read a webhook endpoint", parameters=[ID],
                           examples=[OpenApiExample("An endpoint", value=ENDPOINT_EXAMPLE,
                                                    response_only=True)]),
)
class WebhookEndpointViewSet(_AdminOnly, ApiViewSet):
    serializer_class = EndpointSerializer
    queryset = WebhookEndpoint.objects.none()  # for the schema; reads go through selectors
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def list(self, request):
        page = self.paginate_queryset(endpoints_visible_to(request.user))
        return self.get_paginated_response(EndpointSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(EndpointSerializer(self._endpoint(pk)).data)

    @extend_schema(
        summary="Register a webhook endpoint",
        description="The answer carries the signing secret (`whsec_…`): keep it, the other "
                    "requests do not show it. Deliveries start within a few seconds.",
        request=EndpointWriteSerializer, responses={201: EndpointWithSecretSerializer},
        examples=[
            OpenApiExample("A CRM endpoint", request_only=True, value={
                "url": "https://crm.example.com/threadline/events", "description": "CRM sync",
                "event_types": ["message.received", "thread.status_changed"],
                "teams": [1]}),
            OpenApiExample("The endpoint and its secret", value=SECRET_EXAMPLE,
                           response_only=True, status_codes=["201"]),
        ])
    def create(self, request):
        body = self._parse(EndpointWriteSerializer(data=request.data))
        endpoint = endpoint_create(**body, created_by=self._owner())
        return Response(EndpointWithSecretSerializer(endpoint).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a webhook endpoint",
        description="Only the fields given change. Setting `is_active` to true again after "
                    "it was disabled resumes deliveries (replay the failed ones).",
        parameters=[ID], request=EndpointWriteSerializer, responses={200: EndpointSerializer},
        examples=[OpenApiExample("Reactivate", value={"is_active": True}, request_only=True),
                  OpenApiExample("An endpoint", value=ENDPOINT_EXAMPLE, response_only=True)])
    def partial_update(self, request, pk=None):
        endpoint = self._endpoint(pk)
        body = self._parse(EndpointWriteSerializer(data=request.data, partial=True))
        return Response(EndpointSerializer(endpoint_update(endpoint=endpoint, **body)).data)

    @extend_schema(summary="Delete a webhook endpoint", parameters=[ID],
                   responses={204: OpenApiResponse(description="Deleted, with its deliveries.")})
    def destroy(self, request, pk=None):
        endpoint_delete(endpoint=self._endpoint(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate an endpoint's signing secret",
        description="A new secret signs every delivery from now on; the old one stops at once.",
        parameters=[ID], request=None, responses={200: EndpointWithSecretSerializer},
        examples=[OpenApiExample("The endpoint and its new secret", value=SECRET_EXAMPLE,
                                 response_only=True)])
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = endpoint_rotate_secret(endpoint=self._endpoint(pk))
        return Response(EndpointWithSecretSerializer(endpoint).data)

    def _endpoint(self, pk) -> WebhookEndpoint:
        return object_or_404(endpoints_visible_to(self.request.user), pk)

    def _parse(self, body: EndpointWriteSerializer) -> "dict":
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        if "teams" in fields:
            fields["teams"] = self._teams(fields["teams"])
        if fields.get("all_teams") and not self.request.user.sees_all_teams:
            raise serializers.ValidationError(
                {"all_teams": ["This token sees only some teams: choose among them."]},
                code="all_teams_not_allowed")
        return fields

    def _teams(self, team_ids) -> "list[Team]":  # (list: the method above, in here)
        teams = Team.objects.filter(pk__in=set(team_ids))
        if not self.request.user.sees_all_teams:
            teams = teams.filter(members=self.request.user)
        teams = list(teams)
        if len(teams) != len(set(team_ids)):
            # A team the token is not in is as unknown as a missing one.
            raise serializers.ValidationError({"teams": ["Unknown team."]},
                                              code="unknown_team")
        return teams

    def _owner(self):
        """Who is told when the endpoint is disabled: the admin behind the token, else the
        signed-in admin."""
        if isinstance(self.request.auth, ApiToken):
            return self.request.auth.created_by
        return self.request.user


@extend_schema_view(
    list=extend_schema(
        summary="List webhook deliveries", parameters=[DeliveryQuerySerializer],
        description="Newest first; each delivery is one event for one endpoint.",
        examples=[OpenApiExample("A delivery", value=DELIVERY_EXAMPLE, response_only=True)]),
    retrieve=extend_schema(
        summary="Read a webhook delivery and its attempts", parameters=[ID],
        responses={200: DeliveryDetailSerializer},
        examples=[OpenApiExample("A delivery", value=DELIVERY_DETAIL_EXAMPLE,
                                 response_only=True)]),
)
class WebhookDeliveryViewSet(_AdminOnly, ApiViewSet):
    serializer_class = DeliverySerializer
    queryset = WebhookDelivery.objects.none()
    http_method_names = ["get", "post", "head", "options"]

    def list(self, request):
        query = DeliveryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        deliveries = deliveries_visible_to(request.user)
        for name in ("endpoint", "status", "event_type"):
            if name in query.validated_data:
                deliveries = deliveries.filter(**{name: query.validated_data[name]})
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        delivery = object_or_404(delivery_with_attempts(deliveries_visible_to(request.user)), pk)
        return Response(DeliveryDetailSerializer(delivery).data)

    @extend_schema(
        summary="Send a delivery again",
        description="Now, with a new day of retries; its earlier attempts stay in its log. "
                    "Refused (400, `endpoint_disabled`) while its endpoint is disabled.",
        parameters=[ID], request=None, responses={202: DeliverySerializer},
        examples=[OpenApiExample("Queued again", response_only=True, status_codes=["202"],
                                 value={**DELIVERY_EXAMPLE, "status": "pending",
                                        "delivered_at": None})])
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        delivery = object_or_404(deliveries_visible_to(request.user).select_related("endpoint"),
                               pk)
        delivery = delivery_replay(delivery=delivery)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
