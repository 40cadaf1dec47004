"""Back office → outgoing webhooks: admins register endpoints (the signing secret is shown
on the endpoint's own page, to admins only, and can be rotated) and look at deliveries,
their attempts, and send them again."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from inbox.events import EVENT_TYPES
from inbox.models import User

from .actions import (
    delivery_replay,
    endpoint_create,
    endpoint_rotate_secret,
    endpoint_update,
)
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .validators import validate_webhook_url


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=2000, assume_scheme="https",
                         validators=[validate_webhook_url])
    event_types = forms.MultipleChoiceField(
        label=_("Event types"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(event_type, event_type) for event_type in sorted(EVENT_TYPES)],
        help_text=_("None checked: every event type."))

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "event_types", "all_teams", "teams", "is_active"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("all_teams") and not cleaned.get("teams"):
            raise forms.ValidationError(_("Choose the teams whose events to send, or 'all "
                                          "teams'."))
        return cleaned


def _is_admin(user) -> bool:
    return user.is_superuser or getattr(user, "role", None) == User.Role.ADMIN


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    # Never the secret here: lists are seen over shoulders and in screenshots.
    list_display = ["url", "description", "is_active", "created_by", "created_at",
                    "disabled_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    filter_horizontal = ["teams"]
    actions = ["rotate_secret"]
    status_fields = ["created_by", "created_at", "failing_since", "disabled_at",
                     "disabled_reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def get_fields(self, request, obj=None):
        fields = ["url", "description", "event_types", "all_teams", "teams", "is_active"]
        if obj is None:
            return fields
        return fields + (["secret"] if _is_admin(request.user) else []) + self.status_fields

    def get_readonly_fields(self, request, obj=None):
        return ["secret", *self.status_fields] if obj is not None else []

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name]
                  for name in ("url", "description", "event_types", "all_teams", "is_active")}
        try:
            if change:
                endpoint_update(endpoint=obj, teams=form.cleaned_data["teams"], **fields)
            else:
                endpoint = endpoint_create(teams=form.cleaned_data["teams"],
                                           created_by=request.user, **fields)
                obj.pk, obj.secret, obj.created_by = endpoint.pk, endpoint.secret, request.user
                obj._state.adding = False
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))

    def save_related(self, request, form, formsets, change):
        pass  # the teams were set by the action

    @admin.action(description=_("Rotate the signing secret of the selected endpoints"))
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            endpoint_rotate_secret(endpoint=endpoint)
        self.message_user(request, ngettext(
            "%d endpoint has a new secret: its receiver must use it from now on.",
            "%d endpoints have a new secret: their receivers must use it from now on.",
            len(queryset)) % len(queryset), messages.WARNING)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "created_at", "status_code", "latency_ms", "error", "response_snippet"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "endpoint", "event_type", "event", "thread_id", "status", "attempts",
                    "last_status_code", "next_attempt_at", "created_at"]
    list_filter = ["status", "event_type", "endpoint"]
    list_select_related = ["endpoint", "event"]
    readonly_fields = ["endpoint", "event", "thread", "event_type", "status", "attempts",
                       "created_at", "first_attempt_at", "next_attempt_at", "delivered_at",
                       "last_status_code", "last_error"]
    fields = readonly_fields
    inlines = [WebhookAttemptInline]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the view stays; replay is the action below

    @admin.action(description=_("Send the selected deliveries again"), permissions=["view"])
    def send_again(self, request, queryset):
        sent, refused = 0, 0
        for delivery in queryset.select_related("endpoint"):
            try:
                delivery_replay(delivery=delivery)
                sent += 1
            except ValidationError:
                refused += 1
        self.message_user(request, ngettext("%d delivery sent again.",
                                            "%d deliveries sent again.", sent) % sent)
        if refused:
            self.message_user(request, ngettext(
                "%d delivery's endpoint is disabled: activate it first.",
                "%d deliveries' endpoints are disabled: activate them first.", refused)
                % refused, messages.WARNING)
