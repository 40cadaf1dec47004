"""The widget's HTTP endpoints, answered to the channel's allowed origins only (CORS).

``config`` (what the widget shows before a visitor exists), ``visitors`` (create one: a
token), ``messages`` (the visitor's history, paged by message id). No cookie is ever used:
the visitor token travels in the ``Authorization`` header, so no CSRF token is needed either.
"""

import json
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from ..models import Channel, ChannelKind
from . import actions, selectors
from .guards import max_text_length, origin_allowed, visitors_per_minute, within_rate
from .tokens import IDENTITY_SECRET, BadToken, issue_token, read_token

MAX_BODY_BYTES = 16 * 1024


def refusal(status: int, code: str, text: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": text}}, status=status)


def widget_endpoint(*methods: str):
    """The channel (an active web chat), the page's origin checked, CORS headers for allowed
    origins only, and preflight requests answered."""

    def decorate(view: Callable[..., HttpResponse]):
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, channel_id: int) -> HttpResponse:
            channel = (Channel.objects.select_related("team")
                       .filter(pk=channel_id, kind=ChannelKind.WEBCHAT, is_active=True).first())
            if channel is None:
                return refusal(404, "unknown_channel", "No active web chat channel has this id.")
            origin = request.headers.get("Origin")
            if not origin_allowed(channel, origin):
                return refusal(403, "origin_not_allowed",
                               f"The origin {origin} is not in this channel's allowed origins.")
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Access-Control-Allow-Methods"] = ", ".join((*methods, "OPTIONS"))
                response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
                response["Access-Control-Max-Age"] = "600"
            elif request.method not in methods:
                response = refusal(405, "method_not_allowed", f"Use {' or '.join(methods)}.")
            else:
                response = view(request, channel)
            if origin:
                response["Access-Control-Allow-Origin"] = origin
            response["Vary"] = "Origin"
            return response

        return wrapper

    return decorate


@widget_endpoint("GET")
def config(request: HttpRequest, channel: Channel) -> HttpResponse:
    options = channel.settings or {}
    return JsonResponse({
        "channel": {"id": channel.pk, "name": channel.name},
        "title": str(options.get("title") or channel.name),
        "greeting": str(options.get("greeting") or "Hi! How can we help?"),
        "color": str(options.get("color") or "#2563eb"),
        "prechat": bool(options.get("prechat_form")),
        "identity_verification": bool((channel.secrets or {}).get(IDENTITY_SECRET)),
        "agents_online": selectors.agents_online(channel),
        "max_text_length": max_text_length(),
    })


@widget_endpoint("POST")
def visitors(request: HttpRequest, channel: Channel) -> HttpResponse:
    if len(request.body) > MAX_BODY_BYTES:
        return refusal(413, "too_large", "The request body is too large.")
    try:
        fields = json.loads(request.body or b"{}")
    except ValueError:
        fields = None
    if not isinstance(fields, dict) or not all(
            isinstance(value, str) for value in fields.values()):
        return refusal(400, "invalid", "Send a JSON object of strings.")
    if not within_rate("visitor", request.META.get("REMOTE_ADDR", ""),
                       limit=visitors_per_minute()):
        return refusal(429, "rate_limited", "Too many new visitors from this address.")
    user = None
    if fields.get("user_email") or fields.get("user_hash"):
        user = actions.VerifiedUser(email=fields.get("user_email", ""),
                                    user_hash=fields.get("user_hash", ""))
    try:
        visitor = actions.visitor_create(channel=channel, name=fields.get("name", ""),
                                         email=fields.get("email", ""), user=user)
    except actions.VerificationRefused as error:
        return refusal(403, error.code, " ".join(error.messages))
    except ValidationError as error:
        return refusal(400, error.code or "invalid", " ".join(error.messages))
    return JsonResponse({"token": issue_token(visitor), "verified": visitor.verified},
                        status=201)


def _cursor(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


@widget_endpoint("GET")
def messages(request: HttpRequest, channel: Channel) -> HttpResponse:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise BadToken("send the visitor token as Authorization: Bearer <token>")
        visitor = read_token(token.strip(), channel_id=channel.pk)
    except BadToken as error:
        return refusal(401, "bad_token", str(error))
    scope = selectors.visitor_scope(visitor)
    page, has_more = selectors.history_page(
        scope, before=_cursor(request, "before"), after=_cursor(request, "after"),
        limit=_cursor(request, "limit") or selectors.HISTORY_PAGE)
    seen = selectors.seen_at(scope.thread_id)
    return JsonResponse({
        "messages": [selectors.visitor_message(message, visitor_address=visitor.address)
                     for message in page],
        "has_more": has_more,
        "verified": scope.whole_thread,
        "seen_at": seen.isoformat() if seen else None,
    })


def demo(request: HttpRequest, channel_id: int) -> HttpResponse:
    """A page with the widget's script tag, to try a channel from this server's own origin
    (add it to the channel's allowed origins)."""
    return render(request, "webchat/demo.html", {"channel_id": channel_id})
