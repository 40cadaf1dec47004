"""One error body for every 4xx and 5xx: ``{"error": {"code", "message", "fields"}}``.

``code`` is stable for programs, ``message`` is for people, ``fields`` holds each invalid
field's messages (nested as the request was)."""

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

MESSAGES = {
    status.HTTP_400_BAD_REQUEST: "The request is not valid.",
    status.HTTP_404_NOT_FOUND: "Not found.",
    status.HTTP_500_INTERNAL_SERVER_ERROR: "Something went wrong on our side; it was logged. "
                                           "Try again later.",
}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


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
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):  # what Django itself answers with a 400
        exc = exceptions.ParseError("The request is malformed.")
    response = exception_handler(exc, context)
    if response is None:
        # A real server error: logged with its traceback, the client sees no details.
        logger.exception("API error in %s", context.get("view").__class__.__name__,
                         exc_info=exc)
        return Response(error_body("server_error", MESSAGES[500]),
                        status=status.HTTP_500_INTERNAL_SERVER_ERROR)
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


UNKNOWN_PATH_NAME = "api-unknown-path"


@csrf_exempt  # nothing to protect, and integrators send no CSRF token
def unknown_path(request, *args, **kwargs) -> JsonResponse:
    """Any /api/ path that names nothing: the error body, not Django's HTML page (with a
    hint when only the trailing slash is missing)."""
    message = "There is no such path in the API: see /api/docs/."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != UNKNOWN_PATH_NAME:
            message = f"There is no such path in the API: did you mean {request.path}/ ?"
    return JsonResponse(error_body("not_found", message), status=404)


# --- The error body in the OpenAPI schema -------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a stable `code` for programs, a `message` for people, and "
                   "`fields` with each invalid field's messages (empty when none).",
    "properties": {"error": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "example": "validation_error"},
            "message": {"type": "string", "example": "This field is required."},
            "fields": {"type": "object", "additionalProperties": {},
                       "example": {"text": ["This field is required."]}},
        },
        "required": ["code", "message", "fields"],
    }},
    "required": ["error"],
}
ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}

# Answers any operation may give, documented once here rather than on every view.
COMMON_ERRORS = {
    "400": "The request is not valid (see `fields`).",
    "401": "No token, or a token that is not valid or was revoked.",
    "403": "The token's scope does not allow this request.",
    "429": "Too many requests: wait the number of seconds in `Retry-After`.",
}


def document_error_responses(result, generator, request, public):
    """Schema postprocessing hook: the Error body, and the errors every operation may give
    (404 on paths naming an object), unless the view documented them itself."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            errors = dict(COMMON_ERRORS)
            if "{" in path:
                errors["404"] = "Not found, or not visible to this token's teams."
            if "requestBody" in operation:
                errors["413"] = PayloadTooLarge.default_detail
            for code, description in errors.items():
                responses.setdefault(code, {"description": description, "content": ERROR_REF})
    return result
