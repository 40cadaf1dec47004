"""What every API view shares: authentication, scopes, rate limits and error bodies come
from settings.REST_FRAMEWORK; idempotent POSTs from the mixin; the team rule from
``visible_to``."""

from rest_framework import viewsets
from rest_framework.parsers import JSONParser

from .idempotency import IdempotentMixin
from .pagination import StrictCursorPagination


class ApiViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """JSON bodies only (a form or multipart body is a 415), and any path segment reaches
    the view: an id that is not a number is the JSON 404 of an unknown object."""

    pagination_class = StrictCursorPagination
    parser_classes = [JSONParser]
    lookup_value_regex = "[^/]+"
