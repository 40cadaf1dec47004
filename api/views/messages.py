"""A thread's timeline and what joins it through the API: a reply on a chosen channel, a
private note, a logged call; one message and its attachments. Writes go through the inbox
actions (send_reply, add_note, log_interaction); their refusals (the WhatsApp window, a
template that does not fit…) come back as 400s carrying the action's code."""

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from inbox.actions import add_note, log_interaction, send_reply
from inbox.api_selectors import (
    around_message,
    phone_line_for,
    timeline,
    visible_attachment,
    visible_message,
)
from inbox.models import Message
from inbox.timeline import reply_channels

from ..base import ApiViewSet, parse_id
from ..pagination import StrictCursorPagination
from ..serializers.messages import (
    CallSerializer,
    MessageSerializer,
    NoteSerializer,
    ReplySerializer,
    TimelineQuerySerializer,
)
from .threads import query_values, thread_or_404

MESSAGE_EXAMPLE = {
    "id": 982,
    "thread_id": 42,
    "channel": {"id": 5, "kind": "whatsapp", "name": "WhatsApp +33 1 23 45 67 89"},
    "direction": "outbound",
    "author": {"id": 12, "name": "CRM (API)"},
    "identity_id": 31,
    "text": "Your order #1234 left our warehouse this morning.",
    "html": "",
    "delivery_status": "queued",
    "delivery_error": "",
    "external_id": None,
    "metadata": {},
    "created_at": "2026-11-23T09:15:00.412000Z",
    "sent_at": None,
    "attachments": [{"id": 77, "filename": "invoice-1234.pdf",
                     "content_type": "application/pdf", "size": 48213, "inline": False,
                     "url": "https://inbox.example.com/api/v1/messages/982/attachments/77/"}],
}
MESSAGE_RESPONSE = OpenApiExample("A message", value=MESSAGE_EXAMPLE, response_only=True)
THREAD_ID = OpenApiParameter("thread_id", int, OpenApiParameter.PATH,
                             description="A thread id.")
MESSAGE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="A message id.")
ATTACHMENT_ID = OpenApiParameter("attachment_id", int, OpenApiParameter.PATH,
                                 description="An attachment id of the message.")


class NewestFirstPagination(StrictCursorPagination):
    ordering = ("-created_at", "-id")


def _parse(serializer_class, request) -> dict:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


def _created(request, message: Message) -> Response:
    message = visible_message(request.user, message.pk)
    return Response(MessageSerializer(message, context={"request": request}).data,
                    status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="A thread's timeline",
        description="Every message, note and call of the customer's thread across channels, "
                    "newest first, a cursor page at a time (follow `next` for older ones). "
                    "`after` keeps only what came after a message you have: poll with it.",
        parameters=[THREAD_ID, TimelineQuerySerializer], examples=[MESSAGE_RESPONSE]),
    create=extend_schema(
        summary="Send a reply",
        description="Queues a reply on `channel`, one the customer can be reached on and "
                    "that the token's teams may use; it is delivered in the background "
                    "(watch `delivery_status`, or the events). On WhatsApp, once 24 hours "
                    "have passed since the customer last wrote, free text is refused "
                    "(`outside_messaging_window`): send an approved `template` instead.",
        parameters=[THREAD_ID], request=ReplySerializer,
        responses={201: MessageSerializer},
        examples=[
            OpenApiExample("Text", request_only=True,
                           value={"channel": 5, "text": "Your order left this morning."}),
            OpenApiExample("WhatsApp template", request_only=True,
                           value={"channel": 5, "template": {
                               "name": "order_update", "language": "en",
                               "parameters": ["#1234"]}}),
            MESSAGE_RESPONSE,
        ]),
)
class TimelineViewSet(mixins.ListModelMixin, ApiViewSet):
    serializer_class = MessageSerializer
    pagination_class = NewestFirstPagination
    filter_backends: list = []
    queryset = Message.objects.none()  # for the schema; reads go through the selectors

    def list(self, request, thread_id=None):
        thread = thread_or_404(request.user, thread_id)
        query = TimelineQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        messages = around_message(timeline(thread), thread, **query.validated_data)
        if messages is None:
            raise serializers.ValidationError(
                "'before' and 'after' must be ids of messages of this thread.",
                code="unknown_message")
        page = self.paginate_queryset(messages)
        return self.get_paginated_response(
            MessageSerializer(page, many=True, context={"request": request}).data)

    def create(self, request, thread_id=None):
        thread = thread_or_404(request.user, thread_id)
        body = _parse(ReplySerializer, request)
        channels, _default = reply_channels(thread, request.user)
        channel = next((c for c in channels if c.pk == body["channel"]), None)
        if channel is None:
            raise serializers.ValidationError(
                "The customer cannot be reached on this channel, or it is not one of the "
                "channels of the token's teams.", code="channel_not_available")
        template = body.get("template")
        message = send_reply(thread=thread, channel=channel, author=request.user,
                             text=body["text"], html=body["html"],
                             template=dict(template) if template is not None else None)
        return _created(request, message)


@extend_schema_view(create=extend_schema(
    summary="Add a private note",
    description="A note agents see in the timeline, never sent to the customer; each "
                "@username it mentions is notified.",
    parameters=[THREAD_ID], request=NoteSerializer, responses={201: MessageSerializer},
    examples=[OpenApiExample("Note", request_only=True,
                             value={"text": "Refund approved by @sam."}), MESSAGE_RESPONSE]))
class NoteViewSet(ApiViewSet):
    serializer_class = NoteSerializer
    queryset = Message.objects.none()

    def create(self, request, thread_id=None):
        thread = thread_or_404(request.user, thread_id)
        body = _parse(NoteSerializer, request)
        return _created(request, add_note(thread=thread, author=request.user,
                                          text=body["text"]))


@extend_schema_view(create=extend_schema(
    summary="Log a phone call",
    description="Records a call in the customer's timeline. A telephony system names its "
                "phone line (`channel`) and its call id (`external_id`): a call reported "
                "twice is logged once.",
    parameters=[THREAD_ID], request=CallSerializer, responses={201: MessageSerializer},
    examples=[OpenApiExample("Call", request_only=True, value={
        "direction": "inbound", "number": "+33 6 12 34 56 78", "duration_seconds": 312,
        "outcome": "answered", "summary": "Asked for a delivery date; promised Friday."}),
        MESSAGE_RESPONSE]))
class CallViewSet(ApiViewSet):
    serializer_class = CallSerializer
    queryset = Message.objects.none()

    def create(self, request, thread_id=None):
        thread = thread_or_404(request.user, thread_id)
        body = _parse(CallSerializer, request)
        line = None
        if body.get("channel") is not None:
            line = phone_line_for(request.user, thread, body["channel"])
            if line is None:
                raise serializers.ValidationError(
                    {"channel": ["Unknown phone line."]}, code="unknown_channel")
        message = log_interaction(
            thread=thread, author=request.user, kind="call", direction=body["direction"],
            summary=body["summary"], number=body["number"],
            duration_seconds=body.get("duration_seconds"), outcome=body["outcome"],
            occurred_at=body.get("occurred_at"), channel=line,
            external_id=body["external_id"] or None)
        return _created(request, message)


class AnyAccept(DefaultContentNegotiation):
    """A download is the file whatever ``Accept`` asks for (no 406); an error is the JSON
    error body."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema_view(retrieve=extend_schema(summary="Read a message", parameters=[MESSAGE_ID],
                                           examples=[MESSAGE_RESPONSE]))
class MessageViewSet(ApiViewSet):
    serializer_class = MessageSerializer
    queryset = Message.objects.none()

    def retrieve(self, request, pk=None):
        message_id = parse_id(pk)
        message = visible_message(request.user, message_id) if message_id else None
        if message is None:
            raise Http404("no such message")
        return Response(MessageSerializer(message, context={"request": request}).data)

    @extend_schema(
        summary="Download an attachment", parameters=[MESSAGE_ID, ATTACHMENT_ID],
        responses={(200, "application/octet-stream"): OpenApiResponse(
            OpenApiTypes.BINARY, description="The file, as a download.")})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>[^/]+)",
            url_name="attachment", renderer_classes=[JSONRenderer],
            content_negotiation_class=AnyAccept)
    def attachment(self, request, pk=None, attachment_id=None):
        """Always a download: a customer's HTML or SVG file never runs in our origin."""
        message_id, attachment_id = parse_id(pk), parse_id(attachment_id)
        found = (visible_attachment(request.user, message_id, attachment_id)
                 if message_id and attachment_id else None)
        if found is None:
            raise Http404("no such attachment")
        response = FileResponse(found.file.open("rb"), as_attachment=True,
                                filename=found.filename)
        response["Content-Security-Policy"] = "sandbox"
        response["X-Content-Type-Options"] = "nosniff"
        return response

