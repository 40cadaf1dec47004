"""The events feed in the API: the cursor an integrator polls with, and the events as every
client gets them (``inbox.publish.serialize_event``)."""

from django.conf import settings
from rest_framework import serializers

from inbox.events import EVENT_TYPES

from .strict import MAX_ID

DEFAULT_LIMIT = 100


class EventQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=MAX_ID,
        help_text="The last event id you have (`next_after` of the previous answer); 0 or "
                  "omitted: from the oldest event.")
    limit = serializers.IntegerField(
        required=False, default=DEFAULT_LIMIT, min_value=1,
        max_value=settings.THREADLINE_CATCH_UP_PAGE,
        help_text="How many events at most.")


class EventSerializer(serializers.Serializer):
    """One change, as the inbox's live view receives it; ``payload`` is typed by ``type``."""

    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=sorted(EVENT_TYPES))
    created_at = serializers.DateTimeField()
    thread_id = serializers.IntegerField(allow_null=True)
    customer_id = serializers.IntegerField(allow_null=True)
    team_id = serializers.IntegerField(allow_null=True)
    actor_id = serializers.IntegerField(allow_null=True, help_text="Who did it; null for the "
                                                                   "customer or the system.")
    payload = serializers.DictField()


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    next_after = serializers.IntegerField(
        help_text="Send it as `after` next time; the same as `after` when nothing is new.")
