"""Messages in the API: a timeline item with its attachments, the timeline's cursors, and
the bodies of a reply, a note and a logged call."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from channels_adapters.models import ChannelKind
from inbox.actions.messages import INTERACTION_DIRECTIONS, MAX_INTERACTION_SECONDS
from inbox.messaging_window import MAX_PARAMETER_LENGTH
from inbox.models import Attachment, Message

from .strict import StrictSerializer, id_field
from .threads import PersonSerializer

NOT_ONLY_SPACES = RegexValidator(r"\S", "Write something: this is only spaces.", code="empty")


def max_text() -> int:
    return settings.THREADLINE_MAX_TEXT_LENGTH


class ChannelSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ChannelKind.choices)
    name = serializers.CharField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="In bytes.")
    inline = serializers.BooleanField(help_text="An image shown inside an e-mail's body.")
    url = serializers.SerializerMethodField(
        help_text="Where to download it, with the same token.")

    @extend_schema_field(serializers.URLField())
    def get_url(self, attachment: Attachment) -> str:
        path = reverse("api-message-attachment",
                       kwargs={"pk": attachment.message_id, "attachment_id": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class MessageSerializer(serializers.Serializer):
    """One item of a customer's timeline: a message either way, a private note, a call."""

    id = serializers.IntegerField()
    thread_id = serializers.IntegerField()
    channel = ChannelSummarySerializer(allow_null=True,
                                       help_text="Null for notes and calls without a line.")
    direction = serializers.ChoiceField(choices=Message.Direction.choices)
    author = PersonSerializer(allow_null=True, help_text="The agent or integration; null for "
                                                        "what the customer wrote.")
    identity_id = serializers.IntegerField(
        allow_null=True, help_text="The customer's identity that wrote or was written to.")
    text = serializers.CharField()
    html = serializers.CharField()
    delivery_status = serializers.ChoiceField(
        choices=Message.DeliveryStatus.choices,
        help_text="Outbound messages: queued, sent, delivered, read or failed; else empty.")
    delivery_error = serializers.CharField()
    external_id = serializers.CharField(allow_null=True, help_text="The provider's id.")
    metadata = serializers.DictField(
        help_text="Per kind: the template sent, a call's number and duration, mentions…")
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    attachments = AttachmentSerializer(many=True)


class TimelineQuerySerializer(serializers.Serializer):
    """Where the timeline starts and ends, besides its page cursor."""

    before = id_field(required=False, help_text="Only messages older than this message id.")
    after = id_field(required=False, help_text="Only messages newer than this message id.")


class TemplateSerializer(StrictSerializer):
    """One of the channel's approved WhatsApp templates, and its parameters in order."""

    name = serializers.CharField(max_length=512)
    language = serializers.CharField(max_length=20)
    parameters = serializers.ListField(
        child=serializers.CharField(max_length=MAX_PARAMETER_LENGTH, trim_whitespace=False,
                                    allow_blank=True),
        required=False, default=list, max_length=100)


class ReplySerializer(StrictSerializer):
    """A reply on one of the channels the customer can be reached on: text and/or HTML, or
    (WhatsApp, outside its 24-hour window) an approved template alone."""

    channel = id_field(help_text="The channel to send on.")
    text = serializers.CharField(required=False, allow_blank=True, default="",
                                 max_length=max_text(), trim_whitespace=False)
    html = serializers.CharField(required=False, allow_blank=True, default="",
                                 max_length=max_text() * 4, trim_whitespace=False)
    template = TemplateSerializer(required=False)


class NoteSerializer(StrictSerializer):
    """A private note, never sent to the customer; each @username mentioned is told."""

    text = serializers.CharField(max_length=max_text(), validators=[NOT_ONLY_SPACES])


class CallSerializer(StrictSerializer):
    """A phone call to record in the customer's timeline (by the agent or a telephony
    system); reported twice with the same line and ``external_id``, it is logged once."""

    direction = serializers.ChoiceField(choices=INTERACTION_DIRECTIONS,
                                        help_text="Who called: the customer (inbound) or us.")
    summary = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=max_text())
    number = serializers.CharField(required=False, allow_blank=True, default="", max_length=40,
                                   help_text="The customer's number, any usual format.")
    duration_seconds = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                                max_value=MAX_INTERACTION_SECONDS)
    outcome = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=100, help_text="answered, voicemail, missed…")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True,
                                            help_text="When; by default now. Not in the future.")
    channel = id_field(required=False, allow_null=True,
                       help_text="The phone line (a channel of kind phone) it came through.")
    external_id = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=255, help_text="The telephony system's id.")
