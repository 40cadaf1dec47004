"""A channel: one configured connection of one kind (a mailbox, a Telegram bot, a number…)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.addresses import IdentityKind


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBCHAT = "webchat", _("Web chat")
    TELEGRAM = "telegram", _("Telegram")
    SLACK = "slack", _("Slack")
    WHATSAPP = "whatsapp", _("WhatsApp")
    MESSENGER = "messenger", _("Messenger")
    INSTAGRAM = "instagram", _("Instagram")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")


# The kinds that carry a written reply: a phone line's calls are logged, never answered in
# writing (an answer to a voicemail goes by SMS, WhatsApp or e-mail).
WRITTEN_KINDS = frozenset(kind for kind in ChannelKind if kind != ChannelKind.PHONE)

# The kind of identity a customer has on each kind of channel.
IDENTITY_KIND_OF_CHANNEL = {
    ChannelKind.EMAIL: IdentityKind.EMAIL,
    ChannelKind.WEBCHAT: IdentityKind.WEBCHAT,
    ChannelKind.TELEGRAM: IdentityKind.TELEGRAM,
    ChannelKind.SLACK: IdentityKind.SLACK,
    ChannelKind.WHATSAPP: IdentityKind.WHATSAPP,
    ChannelKind.MESSENGER: IdentityKind.MESSENGER,
    ChannelKind.INSTAGRAM: IdentityKind.INSTAGRAM,
    ChannelKind.SMS: IdentityKind.PHONE,
    ChannelKind.PHONE: IdentityKind.PHONE,
}


class Channel(models.Model):
    """A configured connection. ``secrets`` (tokens, passwords) are never shown back in full."""

    team = models.ForeignKey(
        "inbox.Team", on_delete=models.PROTECT, related_name="channels",
        help_text=_("The team whose agents handle what arrives here."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(
        _("address"), max_length=255, blank=True,
        help_text=_("What customers see: the mailbox, the number, the bot's name."),
    )
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    secrets = models.JSONField(_("secrets"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="channel_kind_name_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def __repr__(self) -> str:
        return f"<Channel #{self.pk} {self.kind} {self.name!r}>"

    @property
    def identity_kind(self) -> str:
        return IDENTITY_KIND_OF_CHANNEL[self.kind]

    def masked_secrets(self) -> dict[str, str]:
        """The secrets as they may be shown: the last four characters at most."""
        return {name: mask_secret(str(value)) for name, value in self.secrets.items()}


def mask_secret(value: str) -> str:
    if len(value) <= 8:
        return "••••"
    return "••••" + value[-4:]


class InboundPayload(models.Model):
    """A provider's request, stored as received before it is acknowledged: nothing a
    provider sent is ever lost, and a payload that failed can be processed again."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="payloads")
    received_at = models.DateTimeField(auto_now_add=True)
    headers = models.JSONField(default=dict)
    body = models.BinaryField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["status", "received_at"], name="payload_status_idx"),
            models.Index(fields=["channel", "-received_at"], name="payload_channel_idx"),
            # What a drain looks for: small however many payloads were processed (on the
            # status index above, dead entries of processed ones made it 5 ms a look).
            models.Index(fields=["channel", "id"], condition=models.Q(status="pending"),
                         name="payload_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel} {self.status}"


class MailboxState(models.Model):
    """Where the IMAP poller stands in one folder of an e-mail channel's mailbox.

    IMAP gives every message a UID that only grows while the folder's UIDVALIDITY stays the
    same; remembering the last UID stored is what makes each message fetched exactly once.
    A new UIDVALIDITY (the folder was rebuilt) starts again from the first UID: messages
    already received are then recognised by their Message-ID and not added twice."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="mailboxes")
    folder = models.CharField(max_length=255, default="INBOX")
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "folder"],
                                    name="mailbox_channel_folder_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.folder} (UID {self.last_uid})"


class SlackMirror(models.Model):
    """A customer's thread mirrored into a team's Slack channel: the parent message Slack
    gave us (``thread_ts``) and the last Event posted under it, so a task run twice posts
    nothing twice."""

    thread = models.ForeignKey("inbox.Thread", on_delete=models.CASCADE,
                               related_name="slack_mirrors")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="slack_mirrors")
    slack_channel = models.CharField(max_length=32)
    thread_ts = models.CharField(max_length=32, blank=True)
    last_event_id = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "channel"], name="slack_mirror_uniq")
        ]
        indexes = [
            models.Index(fields=["channel", "slack_channel", "thread_ts"],
                         name="slack_mirror_ts_idx"),
        ]

    def __str__(self) -> str:
        return f"thread {self.thread_id} in {self.slack_channel} ({self.thread_ts})"


class SlackThreadReply(models.Model):
    """A message written in a mirrored Slack thread, taken once: what became of it (a reply
    or a note by the agent, or a notice to a Slack user we do not know)."""

    class Outcome(models.TextChoices):
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Note")
        UNKNOWN_USER = "unknown_user", _("Unknown Slack user")
        REFUSED = "refused", _("Refused")

    mirror = models.ForeignKey(SlackMirror, on_delete=models.CASCADE, related_name="replies")
    ts = models.CharField(max_length=32)
    slack_user = models.CharField(max_length=32)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    message = models.ForeignKey("inbox.Message", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mirror", "ts"], name="slack_reply_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.slack_user} at {self.ts}: {self.outcome}"
