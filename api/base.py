"""What every API view shares: authentication, scopes, rate limits and error bodies come
from settings.REST_FRAMEWORK; idempotent POSTs from the mixin; the team rule from
``visible_to``."""

from rest_framework import exceptions, viewsets
from rest_framework.parsers import JSONParser

from .idempotency import IdempotentMixin
from .pagination import StrictCursorPagination
from .serializers.strict import MAX_ID


def parse_id(raw) -> int | None:
    """A path's id as a row id, or None (then a 404) for anything else: text, zero, or a
    number larger than any row id (which SQLite could not even compare)."""
    text = str(raw)
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def object_or_404(queryset, raw_id):
    """The row of ``queryset`` (already limited to what the caller sees) with this path id;
    another team's row is as unknown as a missing one."""
    row_id = parse_id(raw_id)
    found = queryset.filter(pk=row_id).first() if row_id else None
    if found is None:
        raise exceptions.NotFound()
    return found


class ApiViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """JSON bodies only (a form or multipart body is a 415), and any path segment reaches
    the view: an id that is not a number is the JSON 404 of an unknown object."""

    pagination_class = StrictCursorPagination
    parser_classes = [JSONParser]
    lookup_value_regex = "[^/]+"

    def get_object(self):
        """DRF's lookup, with the path id checked first (see ``parse_id``)."""
        lookup = self.lookup_url_kwarg or self.lookup_field
        if parse_id(self.kwargs[lookup]) is None:
            raise exceptions.NotFound()
        return super().get_object()
