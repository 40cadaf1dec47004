"""Creating, finding and revoking API tokens (the actions; the admin and tests call these)."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from inbox.models import Team, User

from .models import ApiToken, Scope

KEY_PREFIX = "tl_"
# last_used_at is written at most this often per token (not one UPDATE per request).
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def create_token(*, name: str, scope: str = Scope.READ, teams: Iterable[Team] = (),
                 all_teams: bool = False, created_by: User | None = None,
                 raw_key: str | None = None) -> tuple[ApiToken, str]:
    """A new token and its key, which is never shown again (only its hash is kept).

    ``raw_key`` is for the demo's published key only; real tokens get a random one."""
    raw_key = raw_key or KEY_PREFIX + secrets.token_urlsafe(32)
    prefix = raw_key[:12]
    teams = list(teams)
    with transaction.atomic():
        user = get_user_model().objects.create(
            username=f"api-{prefix}", first_name=name[:150], last_name="(API)",
            is_active=False,
            role=User.Role.SUPERVISOR if all_teams else User.Role.AGENT)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.teams.set(teams)
        token = ApiToken.objects.create(name=name, prefix=prefix, key_hash=hash_key(raw_key),
                                        scope=Scope(scope), all_teams=all_teams, user=user,
                                        created_by=created_by)
        token.teams.set(teams)
    return token, raw_key


def set_token_teams(*, token: ApiToken, teams: Iterable[Team], all_teams: bool) -> ApiToken:
    """Change what a token sees: its user's teams follow."""
    teams = list(teams)
    with transaction.atomic():
        token.all_teams = all_teams
        token.save(update_fields=["all_teams"])
        token.teams.set(teams)
        token.user.teams.set(teams)
        token.user.role = User.Role.SUPERVISOR if all_teams else User.Role.AGENT
        token.user.save(update_fields=["role"])
    return token


def revoke_token(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_for_key(raw_key: str) -> ApiToken | None:
    """The active token with this key, marked used; None for an unknown or revoked key."""
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=hash_key(raw_key), revoked_at__isnull=True).first())
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
