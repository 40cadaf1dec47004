import json

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .inbound import reprocess_payload
from .models import Channel, InboundPayload, MailboxState


class ChannelForm(forms.ModelForm):
    """Secrets are write-only: leave the field blank to keep the stored ones."""

    new_secrets = forms.CharField(
        label=_("Replace secrets"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('JSON object, e.g. {"bot_token": "…"}. Blank keeps the current secrets.'),
    )

    class Meta:
        model = Channel
        fields = ["team", "kind", "name", "address", "settings", "is_active"]

    def clean_new_secrets(self):
        raw = self.cleaned_data["new_secrets"].strip()
        if not raw:
            return None
        try:
            secrets = json.loads(raw)
        except ValueError as error:
            raise forms.ValidationError(
                _("Not valid JSON: %(error)s") % {"error": error}
            ) from error
        if not isinstance(secrets, dict):
            raise forms.ValidationError(_("The secrets must be a JSON object."))
        return secrets

    def save(self, commit=True):
        if self.cleaned_data.get("new_secrets") is not None:
            self.instance.secrets = self.cleaned_data["new_secrets"]
        return super().save(commit)


class MailboxStateInline(admin.TabularInline):
    """Where the IMAP poller stands in each folder, and its last error. Read-only: the
    poller moves it; deleting a row makes the next poll take the whole folder again (the
    Message-IDs keep that from adding anything twice)."""

    model = MailboxState
    extra = 0
    fields = readonly_fields = ["folder", "uidvalidity", "last_uid", "last_poll_at",
                                "last_error", "last_error_at"]
    verbose_name_plural = _("IMAP mailbox")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    inlines = [MailboxStateInline]
    list_display = ["name", "kind", "team", "address", "is_active", "created_at"]
    list_filter = ["kind", "team", "is_active"]
    search_fields = ["name", "address"]
    readonly_fields = ["shown_secrets", "created_at"]
    list_select_related = ["team"]

    @admin.display(description=_("Secrets"))
    def shown_secrets(self, channel):
        masked = channel.masked_secrets()
        return ", ".join(f"{name}: {value}" for name, value in masked.items()) or "—"


@admin.register(InboundPayload)
class InboundPayloadAdmin(admin.ModelAdmin):
    """What providers sent, as received. Read-only; a failed one can be processed again."""

    list_display = ["id", "channel", "received_at", "status", "message_count", "attempts",
                    "short_error"]
    list_filter = ["status", "channel__kind", "channel"]
    search_fields = ["error"]
    list_select_related = ["channel"]
    readonly_fields = ["channel", "received_at", "headers", "body_text", "status", "error",
                       "attempts", "processed_at", "message_count"]
    exclude = ["body"]
    actions = ["reprocess"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Error"))
    def short_error(self, payload):
        return payload.error[:80]

    @admin.display(description=_("Body"))
    def body_text(self, payload):
        return bytes(payload.body)[:20000].decode("utf-8", errors="replace")

    @admin.action(description=_("Process the selected failed payloads again"))
    def reprocess(self, request, queryset):
        count = 0
        for payload in queryset.filter(status=InboundPayload.Status.FAILED):
            reprocess_payload(payload=payload)
            count += 1
        self.message_user(request, _("%(count)d payload(s) queued again.") % {"count": count})
