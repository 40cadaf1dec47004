"""What every input serializer of the API shares: unknown fields refused, ids bounded.

A typo in an integrator's payload is a 400 naming the field, not a field silently ignored;
an id past what the database holds is a 400, never sent to SQL."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

# The largest id a database row can have.
MAX_ID = 2**63 - 1


class StrictFieldsMixin:
    """Refuse fields the serializer does not write (unknown or read-only ones)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(name) for name in data if name not in writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown or read-only field.")] for name in unknown},
                    code="unknown_field")
        return super().to_internal_value(data)


class StrictFieldsScheme(OpenApiSerializerExtension):
    """In the schema, a strict serializer takes no property it does not declare."""

    target_class = "api.serializers.strict.StrictFieldsMixin"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    pass


def id_field(**options) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **options)
