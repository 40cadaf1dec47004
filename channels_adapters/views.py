"""The one webhook endpoint of every provider: ``/hooks/<kind>/<channel id>/``.

An ``async`` view doing the least before the 2xx: find the channel, verify the signature,
store the raw request (with those arriving at the same time: group_commit.py). Parsing and
the rest happen in a Celery task. Under an ASGI server, POSTs reach this view without
Django's middleware (webhook_route.py).
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .adapters.base import REQUEST_URL_HEADER
from .group_commit import store_together
from .registry import adapter_for
from .selectors import active_channel


def refusal(status: int, code: str, text: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": text}}, status=status)


@csrf_exempt
async def webhook(request: HttpRequest, kind: str, channel_id: int) -> HttpResponse:
    channel = await active_channel(kind, channel_id)
    if channel is None:
        return refusal(404, "unknown_channel", "No active channel of this kind has this id.")
    adapter = adapter_for(channel)
    if request.method == "GET":
        handshake = getattr(adapter, "handshake", None)
        response = handshake(request.GET) if handshake else None
        return response or refusal(405, "method_not_allowed", "Send events with POST.")
    if request.method != "POST":
        return refusal(405, "method_not_allowed", "Send events with POST.")
    # The declared length first: an oversized body is refused before it is read.
    declared = request.headers.get("Content-Length", "")
    if (int(declared) if declared.isdigit() else 0) > adapter.max_body_bytes or (
            len(request.body) > adapter.max_body_bytes):
        return refusal(413, "too_large",
                        f"The body may not exceed {adapter.max_body_bytes} bytes.")
    body = request.body
    headers = {name.lower(): value for name, value in request.headers.items()}
    request.get_host()  # DisallowedHost for a host not in ALLOWED_HOSTS, as in Django
    if adapter.signs_request_url:  # as seen here: the adapter checks the signature over it
        headers[REQUEST_URL_HEADER] = request.build_absolute_uri()
    if not adapter.verify(headers, body):
        return refusal(403, "bad_signature", "The request's signature does not match.")
    answer = adapter.answer_at_once(headers, body)
    if answer is not None:
        return answer
    payload_id = await store_together(channel=channel, headers=headers, body=body)
    # Written by hand: JsonResponse's encoder was 3 % of the server's time in a burst.
    return adapter.acknowledgement() or HttpResponse(
        b'{"ok": true, "payload": %d}' % payload_id, content_type="application/json")
