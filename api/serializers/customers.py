"""What the customers endpoints read and write: profiles, their identities, merges.

Input serializers refuse fields they do not know (``StrictFieldsMixin``): a typo in an
integrator's payload is a 400, not a field silently ignored."""

import json

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.addresses import MAX_ADDRESS_LENGTH, IdentityKind
from customers.models import Customer, CustomerMerge, Identity
from customers.profile_actions import MAX_NAME_LENGTH, NewIdentity
from inbox.directory import teams_visible_to

from .strict import StrictFieldsMixin, id_field

MAX_IDENTITIES_AT_CREATION = 20
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTES_BYTES = 16_000
MAX_NOTES_LENGTH = 10_000


object_id_field = id_field


# --- Read --------------------------------------------------------------------------------


class IdentitySerializer(serializers.ModelSerializer):
    """How the customer is reached on one kind of channel."""

    class Meta:
        model = Identity
        fields = ["id", "kind", "address", "display_name", "verified", "created_at",
                  "last_seen_at"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    """A customer: the one profile behind every channel they write on."""

    team = serializers.SerializerMethodField(
        help_text="The team of the customer's thread (null: no team, seen by supervisors).")
    thread = serializers.IntegerField(source="thread.pk", read_only=True,
                                      help_text="The customer's one thread.")
    merged_into = serializers.SerializerMethodField(
        help_text="Set while this profile is merged into another one (null if that one is "
                  "not visible to this token).")
    identities = IdentitySerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "name", "attributes", "notes", "team", "thread", "merged_into",
                  "identities", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_team(self, customer) -> int | None:
        return customer.thread.team_id

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_merged_into(self, customer) -> int | None:
        if getattr(customer, "merged_into_visible", False):
            return customer.merged_into_id
        return None


class MergeSerializer(serializers.ModelSerializer):
    """One merge of `source` into `target`; undone if `undone_at` is set."""

    message_count = serializers.SerializerMethodField()

    class Meta:
        model = CustomerMerge
        fields = ["id", "source", "target", "merged_by", "merged_at", "identity_ids",
                  "message_count", "undone_at", "undone_by"]
        read_only_fields = fields

    def get_message_count(self, merge) -> int:
        return len(merge.message_ids)


# --- Write -------------------------------------------------------------------------------


class IdentityCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """A new identity: the address is normalised for its kind."""

    kind = serializers.ChoiceField(choices=IdentityKind.choices)
    address = serializers.CharField(max_length=MAX_ADDRESS_LENGTH,
                                    help_text="Normalised: e-mails lower-cased, phone numbers "
                                              "to E.164.")
    display_name = serializers.CharField(max_length=MAX_NAME_LENGTH, required=False,
                                         allow_blank=True, default="")
    verified = serializers.BooleanField(
        required=False, default=False,
        help_text="Proven by the provider. Only an admin token may set it.")

    def as_new_identity(self, validated: dict) -> NewIdentity:
        return NewIdentity(kind=validated["kind"], address=validated["address"],
                           display_name=validated["display_name"],
                           verified=validated["verified"])


class TeamChoiceMixin:
    """``team``: the id of a team the caller sees; another team's id reads as unknown."""

    def validate_team(self, team_id):
        if team_id is None:
            return None
        team = teams_visible_to(self.context["request"].user).filter(pk=team_id).first()
        if team is None:
            raise serializers.ValidationError(_("There is no team with this id."),
                                              code="unknown_team")
        return team


class CustomerCreateSerializer(TeamChoiceMixin, StrictFieldsMixin, serializers.Serializer):
    """A new customer, their thread's team and their first identities."""

    name = serializers.CharField(max_length=MAX_NAME_LENGTH, required=False, allow_blank=True,
                                 default="")
    team = object_id_field(
        required=False, allow_null=True, default=None,
        help_text="The team of the customer's thread; required when the token sees several.")
    identities = IdentityCreateSerializer(many=True, required=False, default=list,
                                          max_length=MAX_IDENTITIES_AT_CREATION)

    def validate(self, attrs):
        if attrs["team"] is None:
            teams = list(teams_visible_to(self.context["request"].user)[:2])
            if len(teams) != 1:
                raise serializers.ValidationError(
                    {"team": [_("Give the team of the customer's thread: this token sees "
                                "several teams, or none.")]}, code="team_required")
            attrs["team"] = teams[0]
        return attrs


@extend_schema_field({"type": "object", "additionalProperties": {},
                      "maxProperties": MAX_ATTRIBUTES})
class AttributesField(serializers.DictField):
    def to_internal_value(self, data):
        attributes = super().to_internal_value(data)
        if len(attributes) > MAX_ATTRIBUTES:
            raise serializers.ValidationError(
                _("At most %(max)d attributes.") % {"max": MAX_ATTRIBUTES})
        if len(json.dumps(attributes)) > MAX_ATTRIBUTES_BYTES:
            raise serializers.ValidationError(
                _("The attributes take more than %(max)d bytes as JSON.")
                % {"max": MAX_ATTRIBUTES_BYTES})
        return attributes


class CustomerUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """The fields given change; the others stay."""

    name = serializers.CharField(max_length=MAX_NAME_LENGTH, required=False, allow_blank=True)
    attributes = AttributesField(child=serializers.JSONField(), required=False,
                                 help_text="Replaces the whole object.")
    notes = serializers.CharField(max_length=MAX_NOTES_LENGTH, required=False,
                                  allow_blank=True)


class MergeRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    """The customer to merge into the one in the path."""

    source = object_id_field(help_text="The customer merged away into the one in the path: "
                                       "their identities, messages and tags move.")
