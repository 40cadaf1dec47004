"""The inbox's data: agents and teams, the one thread per customer, its messages, the events.

Every write to these tables goes through ``inbox.actions`` (or ``customers.actions``), which
records an Event in the same transaction.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HEARTBEAT_TIMEOUT = timedelta(seconds=90)


class User(AbstractUser):
    """An agent, supervisor or admin of the company."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Agent")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMIN = "admin", _("Admin")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)

    @property
    def sees_all_teams(self) -> bool:
        return self.is_superuser or self.role in {self.Role.SUPERVISOR, self.Role.ADMIN}

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#64748b")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Thread(models.Model):
    """The one conversation of a customer, across every channel, and its inbox state."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending")
        SNOOZED = "snoozed", _("Snoozed")
        RESOLVED = "resolved", _("Resolved")

    class Priority(models.IntegerChoices):
        NONE = 0, _("None")
        LOW = 1, _("Low")
        MEDIUM = 2, _("Medium")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="thread"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_threads",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="threads"
    )
    priority = models.IntegerField(_("priority"), choices=Priority.choices, default=Priority.NONE)
    tags = models.ManyToManyField(Tag, blank=True, related_name="threads")
    snoozed_until = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), db_index=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-last_activity_at", "-id"],
                         name="thread_status_activity_idx"),
            models.Index(fields=["team", "status", "-last_activity_at"],
                         name="thread_team_status_idx"),
            models.Index(fields=["assignee", "status", "-last_activity_at"],
                         name="thread_assignee_status_idx"),
            models.Index(fields=["status", "snoozed_until"], name="thread_snooze_wakeup_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="snoozed") | models.Q(snoozed_until__isnull=False),
                name="thread_snoozed_has_time",
            )
        ]

    def __str__(self) -> str:
        return _("Thread of %(customer)s") % {"customer": self.customer}


class Message(models.Model):
    """One item of a customer's timeline."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")
        NOTE = "note", _("Private note")
        CALL = "call", _("Phone call")
        VISIT = "visit", _("Visit")

    class DeliveryStatus(models.TextChoices):
        NOT_APPLICABLE = "", _("—")
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    channel = models.ForeignKey(
        "channels_adapters.Channel", null=True, blank=True, on_delete=models.PROTECT,
        related_name="messages",
    )
    identity = models.ForeignKey(
        "customers.Identity", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="messages",
        help_text=_("Who wrote (inbound) or was written to (outbound)."),
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="messages",
    )
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("sanitised HTML"), blank=True)
    # NULL, not "", for messages without one: the uniqueness of (channel, id) skips NULLs.
    external_id = models.CharField(  # noqa: DJ001
        _("provider id"), max_length=255, null=True, blank=True
    )
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    delivery_status = models.CharField(
        _("delivery status"), max_length=10, choices=DeliveryStatus.choices, blank=True,
        default=DeliveryStatus.NOT_APPLICABLE,
    )
    delivery_error = models.TextField(_("delivery error"), blank=True)
    delivery_attempts = models.PositiveIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True)
    # Not auto_now_add: the messages received in one batch share one time (and their
    # threads one UPDATE); ties are ordered by id.
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=models.Q(external_id__isnull=False),
                name="message_channel_external_id_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["thread", "-created_at", "-id"], name="message_timeline_idx"),
            models.Index(fields=["delivery_status", "created_at"], name="message_delivery_idx"),
            # "threads with a message on this channel": the list's channel filter
            models.Index(fields=["thread", "channel"], name="message_thread_channel_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} #{self.pk}"


def attachment_path(attachment: "Attachment", filename: str) -> str:
    return f"attachments/{attachment.message.thread_id}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=500)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, default="application/octet-stream")
    size = models.PositiveBigIntegerField(default=0)
    inline = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.filename

    def read(self) -> bytes:
        """The file's bytes, for an adapter sending it."""
        with self.file.open("rb") as stored:
            return stored.read()


class Event(models.Model):
    """Append-only record of every change. Its id is the live-update cursor."""

    type = models.CharField(max_length=50, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="events",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="events",
    )
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["team", "id"], name="event_team_cursor_idx"),
            models.Index(fields=["thread", "id"], name="event_thread_idx"),
            models.Index(fields=["customer", "id"], name="event_customer_idx"),
            models.Index(fields=["type", "created_at"], name="event_type_time_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type}"


class CannedResponse(models.Model):
    """A shared snippet agents insert with ``/shortcut``; ``{{ customer.first_name }}`` and
    the like are filled in for the thread at hand."""

    shortcut = models.SlugField(_("shortcut"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("body"))
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="canned_responses",
        help_text=_("Empty: shared by every team."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shortcut"]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class AgentPresence(models.Model):
    """Whether an agent is online, kept in the database so every server process agrees."""

    class Status(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFLINE)
    connections = models.PositiveIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)
    # Pages ping every 30 s. A server that dies never says its sockets closed: without a
    # recent heartbeat the agent is offline whatever ``connections`` says.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} {self.status}"

    @property
    def live_status(self) -> str:
        if self.heartbeat_at is None or timezone.now() - self.heartbeat_at > HEARTBEAT_TIMEOUT:
            return self.Status.OFFLINE
        return self.status

    @classmethod
    def online_now(cls, prefix: str = "") -> models.Q:
        """``live_status == ONLINE`` in SQL, for a query on the presence (``prefix`` "") or
        through a relation to it (``"presence__"`` from the users)."""
        return models.Q(**{f"{prefix}status": cls.Status.ONLINE,
                           f"{prefix}heartbeat_at__gte": timezone.now() - HEARTBEAT_TIMEOUT})

    def get_live_status_display(self) -> str:
        return self.Status(self.live_status).label


class ThreadRead(models.Model):
    """When an agent last read a thread: newer inbound messages are unread for them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="thread_reads")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="threadread_user_thread_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user} read #{self.thread_id} at {self.read_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """Something an agent should see: a mention in a note."""

    class Kind(models.TextChoices):
        MENTION = "mention", _("Mention")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="notifications")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="notifications")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user} on #{self.thread_id}"
