"""The customer profile, the identities that reach it, and the record of merges.

Rows here are written only by ``customers.actions`` and ``inbox.actions``.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .addresses import MAX_ADDRESS_LENGTH, IdentityKind


class Customer(models.Model):
    """The unified profile: whatever the channel, the customer is this one row."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    tags = models.ManyToManyField("inbox.Tag", blank=True, related_name="customers")
    notes = models.TextField(_("notes"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_customers",
        help_text=_("Set while this profile is merged into another one."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(Lower("name"), name="customer_name_lower_idx")]

    def __str__(self) -> str:
        return self.name or _("Customer #%(id)s") % {"id": self.pk}

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""


class Identity(models.Model):
    """How a customer is reached on one kind of channel. ``(kind, address)`` is unique."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=20, choices=IdentityKind.choices)
    address = models.CharField(_("address"), max_length=MAX_ADDRESS_LENGTH)
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Proven by the provider (a phone network, a mail server, a signed login)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("identities")
        ordering = ["kind", "address"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "address"], name="identity_kind_address_uniq")
        ]
        indexes = [
            models.Index(fields=["address", "verified"], name="identity_address_verified_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.address}"


class CustomerMerge(models.Model):
    """One merge of ``source`` into ``target``, with what moved, so that it can be undone."""

    source = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_out")
    target = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_in")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    identity_ids = models.JSONField(default=list)
    message_ids = models.JSONField(default=list)
    event_ids = models.JSONField(default=list)
    tag_ids = models.JSONField(default=list)
    source_thread_state = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-merged_at"]
        constraints = [
            # A customer is merged away at most once at a time.
            models.UniqueConstraint(
                fields=["source"], condition=models.Q(undone_at__isnull=True),
                name="customermerge_one_active_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.source_id} → #{self.target_id}"
