"""Threads in the API: what a thread reads as, the list's filters, and the bodies of the
actions on a thread (assign, status, snooze, tags)."""


from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from channels_adapters.models import ChannelKind
from inbox.models import Message, Thread
from inbox.search import MAX_QUERY_LENGTH

from .strict import StrictSerializer, id_field

MIN_SEARCH_LENGTH = 3
# An agent id (up to 18 digits: always below MAX_ID), "me" or "none".
ASSIGNEE_PATTERN = r"^(me|none|[1-9][0-9]{0,17})$"


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class TeamSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CustomerSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LastMessageSerializer(serializers.Serializer):
    """The thread's last message the customer wrote or was sent (notes are left out)."""

    id = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=Message.Direction.choices)
    channel_kind = serializers.ChoiceField(choices=ChannelKind.choices, allow_null=True)
    text = serializers.CharField(help_text="The first 200 characters.")
    created_at = serializers.DateTimeField()


PREVIEW_LENGTH = 200


class ThreadSerializer(serializers.Serializer):
    """A customer's one thread and its inbox state."""

    id = serializers.IntegerField(read_only=True)
    customer = CustomerSummarySerializer(read_only=True)
    status = serializers.ChoiceField(choices=Thread.Status.choices, read_only=True)
    priority = serializers.ChoiceField(
        choices=Thread.Priority.choices, read_only=True,
        help_text="0 none, 1 low, 2 medium, 3 high, 4 urgent.")
    assignee = PersonSerializer(read_only=True, allow_null=True)
    team = TeamSummarySerializer(read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    snoozed_until = serializers.DateTimeField(read_only=True, allow_null=True)
    last_activity_at = serializers.DateTimeField(read_only=True)
    last_inbound_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_message = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, thread: Thread) -> list[str]:
        return [tag.name for tag in thread.tags.all()]

    @extend_schema_field(LastMessageSerializer(allow_null=True))
    def get_last_message(self, thread: Thread) -> dict | None:
        if getattr(thread, "preview_id", None) is None:
            return None
        return {
            "id": thread.preview_id,
            "direction": thread.preview_direction,
            "channel_kind": thread.preview_channel_kind,
            "text": (thread.preview_text or "")[:PREVIEW_LENGTH],
            "created_at": serializers.DateTimeField().to_representation(
                thread.preview_created_at),
        }


class ThreadQuerySerializer(serializers.Serializer):
    """The list's filters (query parameters); each one given narrows the list."""

    status = serializers.ChoiceField(choices=Thread.Status.choices, required=False)
    team = id_field(required=False, help_text="A team id.")
    assignee = serializers.RegexField(
        ASSIGNEE_PATTERN, required=False, max_length=20,
        help_text='An agent id, "me" (the token\'s own user) or "none" (unassigned).',
        error_messages={"invalid": 'Give an agent id, "me" or "none".'})
    channel = id_field(required=False, help_text="Threads with a message on this channel id.")
    channel_kind = serializers.ChoiceField(
        choices=ChannelKind.choices, required=False,
        help_text="Threads with a message on a channel of this kind.")
    tag = serializers.CharField(required=False, max_length=50, trim_whitespace=False,
                                help_text="A tag name.")
    customer = id_field(required=False, help_text="A customer id.")
    updated_after = serializers.DateTimeField(
        required=False, help_text="Last activity strictly after this time.")
    updated_before = serializers.DateTimeField(
        required=False, help_text="Last activity strictly before this time.")
    q = serializers.CharField(
        required=False, min_length=MIN_SEARCH_LENGTH, max_length=MAX_QUERY_LENGTH,
        trim_whitespace=False,
        help_text="Search: the customer's name, one of their addresses, or message text.")

    def validate_assignee(self, value: str) -> int | str:
        return value if value in ("me", "none") else int(value)

    def filters(self) -> dict:
        """The validated values as ``inbox.api_selectors.ThreadFilters`` names them."""
        values = dict(self.validated_data)
        renamed = {"updated_after": "active_after", "updated_before": "active_before"}
        return {renamed.get(name, name): value for name, value in values.items()}


class AssignSerializer(StrictSerializer):
    """Give the thread to an agent and/or a team; null unassigns. Omitted: unchanged."""

    assignee = id_field(required=False, allow_null=True, help_text="An agent id, or null.")
    team = id_field(required=False, allow_null=True,
                    help_text="One of the token's teams, or null.")

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Give an assignee, a team or both.",
                                              code="nothing_to_change")
        return attrs


class StatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(
        choices=Thread.Status.choices,
        help_text="open, pending or resolved; to snooze, use the snooze action.")


class ApplyMacroSerializer(StrictSerializer):
    macro = serializers.IntegerField(
        min_value=1, help_text="A macro of the token's teams, or a global one.")


class SnoozeSerializer(StrictSerializer):
    until = serializers.DateTimeField(help_text="When the thread wakes up (in the future).")


MAX_TAGS_PER_CHANGE = 50


def tag_list() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, default=list,
        max_length=MAX_TAGS_PER_CHANGE)


class TagsSerializer(StrictSerializer):
    """Tags to add and to remove by name; unknown tags are created."""

    add = tag_list()
    remove = tag_list()
