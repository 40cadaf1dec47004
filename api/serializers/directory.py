"""What the directory endpoints read and write: teams, agents, canned responses, channels.

A channel's secrets are write-only: only their names are ever shown."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from channels_adapters.health import health_of
from channels_adapters.models import Channel, ChannelKind
from inbox.directory import agent_presence
from inbox.models import AgentPresence, CannedResponse, Team, User

from .customers import TeamChoiceMixin
from .strict import StrictFieldsMixin
from .strict import id_field as object_id_field

MAX_SECRETS = 20
MAX_SECRET_LENGTH = 4096


# --- Teams and agents ----------------------------------------------------------------------


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField(help_text="The ids of the team's agents.")

    class Meta:
        model = Team
        fields = ["id", "name", "members", "created_at"]
        read_only_fields = fields

    def get_members(self, team) -> list[int]:
        return [agent.pk for agent in team.members.all()]


class TeamWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    """A team's name (unique)."""

    name = serializers.CharField(max_length=Team._meta.get_field("name").max_length)


class AgentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    teams = serializers.SerializerMethodField(
        help_text="The ids of the agent's teams (those this token sees).")
    presence = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "role", "is_active", "teams", "presence"]
        read_only_fields = fields

    def get_teams(self, agent) -> list[int]:
        return [team.pk for team in agent.teams.all()]

    @extend_schema_field(serializers.ChoiceField(choices=AgentPresence.Status.choices))
    def get_presence(self, agent) -> str:
        return agent_presence(agent)


# --- Canned responses ----------------------------------------------------------------------


class CannedResponseSerializer(serializers.ModelSerializer):
    team = serializers.IntegerField(source="team_id", read_only=True, allow_null=True,
                                    help_text="Null: shared by every team.")

    class Meta:
        model = CannedResponse
        fields = ["id", "shortcut", "title", "body", "team", "created_at"]
        read_only_fields = fields


class CannedResponseWriteSerializer(TeamChoiceMixin, StrictFieldsMixin,
                                    serializers.Serializer):
    """A snippet agents insert with `/shortcut`."""

    shortcut = serializers.SlugField(max_length=40)
    title = serializers.CharField(max_length=100)
    body = serializers.CharField(max_length=10_000)
    team = object_id_field(allow_null=True,
                           help_text="A team of the token's; null shares it with every team "
                                     "(admin scope).")


# --- Channels ----------------------------------------------------------------------------


class ChannelHealthSerializer(serializers.Serializer):
    """What last came in, what waits or failed, and the last error."""

    last_inbound_at = serializers.DateTimeField(allow_null=True)
    queued = serializers.IntegerField(help_text="Replies waiting to be sent.")
    failed = serializers.IntegerField(help_text="Replies that could not be sent.")
    last_error = serializers.CharField(allow_blank=True)


class ChannelSerializer(serializers.ModelSerializer):
    team = serializers.IntegerField(source="team_id", read_only=True)
    secret_names = serializers.SerializerMethodField(
        help_text="The names of the secrets kept (their values are never shown).")
    health = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = ["id", "kind", "name", "address", "team", "is_active", "secret_names",
                  "health", "created_at"]
        read_only_fields = fields

    def get_secret_names(self, channel) -> list[str]:
        return sorted(channel.secrets) if isinstance(channel.secrets, dict) else []

    @extend_schema_field(ChannelHealthSerializer)
    def get_health(self, channel) -> dict:
        return ChannelHealthSerializer(health_of(channel)).data


class SecretsField(serializers.DictField):
    def to_internal_value(self, data):
        secrets = super().to_internal_value(data)
        if len(secrets) > MAX_SECRETS:
            raise serializers.ValidationError(_("At most %(max)d secrets.") % {"max": MAX_SECRETS})
        return secrets


class ChannelWriteSerializer(TeamChoiceMixin, StrictFieldsMixin, serializers.Serializer):
    """A configured connection of one kind; its secrets are write-only."""

    kind = serializers.ChoiceField(choices=ChannelKind.choices,
                                   help_text="Set at creation; cannot change.")
    name = serializers.CharField(max_length=100)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    team = object_id_field()
    is_active = serializers.BooleanField(required=False)
    secrets = SecretsField(
        child=serializers.CharField(max_length=MAX_SECRET_LENGTH, allow_blank=True),
        required=False, write_only=True,
        help_text="Tokens, passwords…: replaced as a whole, never shown back.")


class ChannelUpdateSerializer(ChannelWriteSerializer):
    """The fields given change (the kind never does); `secrets` replaces all of them."""

    kind = None  # a channel keeps its kind
