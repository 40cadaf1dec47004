"""Outgoing webhooks: the endpoints integrators receive events at, one delivery per
(endpoint, event), and every attempt to send it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inbox.models import Event, Team, Thread

from .validators import validate_webhook_url


class WebhookEndpoint(models.Model):
    """A URL an admin registered, with the events and teams it wants. ``secret`` signs each
    delivery; it is shown on the endpoint's own admin page and in the API's answer to a
    creation or a rotation, never in lists or logs."""

    url = models.URLField(_("URL"), max_length=2000, validators=[validate_webhook_url])
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(
        _("event types"), default=list, blank=True,
        help_text=_("The event types to send (e.g. message.received); empty: all of them."))
    all_teams = models.BooleanField(_("all teams"), default=False)
    teams = models.ManyToManyField(Team, blank=True, related_name="webhook_endpoints")
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("owner"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set at the first failed attempt after a success, cleared by the next success.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True,
                                         editable=False)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True, editable=False)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True,
                                       editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def team_ids(self) -> list[int]:
        return sorted(team.pk for team in self.teams.all())  # prefetched by the selectors


class WebhookDelivery(models.Model):
    """One event for one endpoint. Deliveries of one (endpoint, thread) are sent in id order:
    a later one waits while an earlier one is pending or retrying."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    OPEN = (Status.PENDING, Status.RETRYING)

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    # The event's thread, kept here for the ordering rule's index.
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", db_constraint=False)
    event_type = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Retries end a day (THREADLINE_WEBHOOK_RETRY_FOR_SECONDS) after this; a replay resets it.
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"],
                                               name="webhook_delivery_endpoint_event_uniq")]
        indexes = [
            # "Is an earlier delivery of this thread still open?"
            models.Index(fields=["endpoint", "thread", "id"], name="webhook_delivery_queue_idx",
                         condition=Q(status__in=["pending", "retrying"])),
            # The sweep's "which open deliveries are due?"
            models.Index(fields=["next_attempt_at"], name="webhook_delivery_due_idx",
                         condition=Q(status__in=["pending", "retrying"])),
            models.Index(fields=["endpoint", "id"], name="webhook_delivery_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.event_id} → {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what the endpoint answered, and how fast."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE,
                                 related_name="attempt_log")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_snippet = models.CharField(max_length=1000, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
