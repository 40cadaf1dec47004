"""Outgoing webhooks in the API: endpoints (the secret only in the answers to a creation
and a rotation), the bodies that create and change them, deliveries and their attempts."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inbox.events import EVENT_TYPES
from webhooks.models import WebhookDelivery
from webhooks.validators import validate_webhook_url

from .strict import MAX_ID, StrictFieldsMixin

MAX_TEAMS = 1000
EVENT_TYPE_NAMES = sorted(EVENT_TYPES)
STATUSES = [value for value, _label in WebhookDelivery.Status.choices]


# Enums kept inline (under allOf, which drf-spectacular leaves alone): as named components
# they would collide with the other resources' "status" and "type" choices.
@extend_schema_field({"allOf": [{"type": "string", "enum": EVENT_TYPE_NAMES}],
                      "description": "An event type (the `type` of the events feed)."})
class EventTypeField(serializers.ChoiceField):
    def __init__(self, **options):
        super().__init__(choices=EVENT_TYPE_NAMES, **options)


@extend_schema_field({"allOf": [{"type": "string", "enum": STATUSES}],
                      "description": "pending, retrying (after a failed attempt), delivered "
                                     "(a 2xx answer), failed (a day of retries ran out, or "
                                     "the endpoint was disabled)."})
class DeliveryStatusField(serializers.ChoiceField):
    def __init__(self, **options):
        super().__init__(choices=STATUSES, **options)


class EndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    event_types = serializers.ListField(
        child=EventTypeField(),
        help_text="The event types sent; empty: all of them.")
    all_teams = serializers.BooleanField()
    teams = serializers.ListField(child=serializers.IntegerField(), source="team_ids",
                                 help_text="Ids of the teams whose events are sent.")
    is_active = serializers.BooleanField()
    created_by = serializers.IntegerField(source="created_by_id", allow_null=True,
                                          help_text="The owner, told when it is disabled.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    failing_since = serializers.DateTimeField(allow_null=True)
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField(allow_blank=True)


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="Signs every delivery (`whsec_…`). Keep it: it is "
                                             "not shown by the other requests.")


class EndpointWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    """An endpoint to register (or, in a PATCH, the fields to change); unknown fields are
    refused."""

    url = serializers.URLField(max_length=2000, validators=[validate_webhook_url],
                               help_text="An http(s) URL without user name or password.")
    description = serializers.CharField(max_length=200, allow_blank=True, required=False,
                                        default="")
    event_types = serializers.ListField(
        child=EventTypeField(), required=False,
        default=list, max_length=len(EVENT_TYPES),
        help_text="The event types to send; empty or omitted: all of them.")
    all_teams = serializers.BooleanField(required=False, default=False,
                                         help_text="Every team's events (needs a token of "
                                                   "all teams).")
    teams = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
        default=list, max_length=MAX_TEAMS,
        help_text="Ids of the teams whose events to send (unless `all_teams`).")
    is_active = serializers.BooleanField(required=False, default=True)


class AttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True,
                                           help_text="null: no answer (see `error`).")
    latency_ms = serializers.IntegerField()
    response_snippet = serializers.CharField(allow_blank=True,
                                             help_text="The first 1,000 characters.")
    error = serializers.CharField(allow_blank=True)


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint = serializers.IntegerField(source="endpoint_id")
    event_id = serializers.IntegerField()
    event_type = EventTypeField()
    thread_id = serializers.IntegerField(allow_null=True)
    status = DeliveryStatusField()
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    first_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)


class DeliveryDetailSerializer(DeliverySerializer):
    attempt_log = AttemptSerializer(many=True, help_text="Every request, oldest first.")


class DeliveryQuerySerializer(serializers.Serializer):
    endpoint = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                        help_text="Only this endpoint's deliveries.")
    status = DeliveryStatusField(required=False)
    event_type = EventTypeField(required=False)
