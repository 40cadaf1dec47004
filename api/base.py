"""What every API view shares: authentication, scopes, rate limits and error bodies come
from settings.REST_FRAMEWORK; idempotent POSTs from the mixin; the team rule from
``visible_to``."""

from rest_framework import viewsets

from .idempotency import IdempotentMixin
from .pagination import StrictCursorPagination


class ApiViewSet(IdempotentMixin, viewsets.GenericViewSet):
    pagination_class = StrictCursorPagination
