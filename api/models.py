"""What integrators hold: API tokens (stored hashed) and the responses kept for their
``Idempotency-Key`` headers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inbox.models import Team


class Scope(models.TextChoices):
    """Each scope includes the ones before it."""

    READ = "read", _("Read")
    WRITE = "write", _("Read and write")
    ADMIN = "admin", _("Admin")


SCOPE_RANK = {Scope.READ: 0, Scope.WRITE: 1, Scope.ADMIN: 2}


class ApiToken(models.Model):
    """An integrator's key. Only a SHA-256 of it is kept: it is shown once, at creation.

    The token acts through a user of its own (inactive: it can never log in) whose teams are
    the token's, so every read path's one permission rule applies to it unchanged, and what
    it writes shows as written by the integration."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True,
                              help_text=_("The first characters of the key, to recognise it."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices,
                             default=Scope.READ)
    all_teams = models.BooleanField(_("all teams"), default=False)
    teams = models.ManyToManyField(Team, blank=True, related_name="api_tokens")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="api_token", editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return SCOPE_RANK[Scope(self.scope)] >= SCOPE_RANK[Scope(scope)]


class IdempotencyKey(models.Model):
    """The first response to a POST carrying an ``Idempotency-Key``: a retry gets it again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text=_("SHA-256 of the request body."))
    status_code = models.PositiveSmallIntegerField(null=True, blank=True,
                                                   help_text=_("Empty while in progress."))
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="idempotency_user_key_uniq")]

    def __str__(self) -> str:
        return f"{self.key} {self.method} {self.path}"
