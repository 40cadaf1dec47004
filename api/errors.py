"""One error body for every 4xx and 5xx: ``{"error": {"code", "message", "fields"}}``.

``code`` is stable for programs, ``message`` is for people, ``fields`` holds each invalid
field's messages (nested as the request was)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

MESSAGES = {
    status.HTTP_400_BAD_REQUEST: "The request is not valid.",
    status.HTTP_404_NOT_FOUND: "Not found.",
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def api_exception_handler(exc, context):
    # An action's ValidationError (a rule of the domain) is the client's error too.
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages},
                                             code=getattr(exc, "code", None) or "invalid")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's 500 (logged), never the details
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        codes = exc.get_codes()
        code = _single_code(codes) or "invalid"
        message = _first_message(fields) if fields else MESSAGES[400]
        body = error_body(code if code != "invalid" else "validation_error", message,
                          _plain(fields))
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = error_body(codes if isinstance(codes, str) else "error", _first_message(detail))
    response.data = body
    return response


def _single_code(codes) -> str | None:
    """The one code of a non-field error (an action's refusal), to pass on as it is."""
    if isinstance(codes, dict) and list(codes) == ["non_field_errors"]:
        codes = codes["non_field_errors"]
    if isinstance(codes, list) and len(codes) == 1 and isinstance(codes[0], str):
        return codes[0]
    return None


def _plain(detail):
    if isinstance(detail, dict):
        return {key: _plain(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_plain(value) for value in detail]
    return str(detail)


def not_found() -> Response:
    return Response(error_body("not_found", MESSAGES[404]), status=404)
