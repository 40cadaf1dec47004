"""Back office → SLA policies (edited by admins) and the clocks of conversations
(read-only: written by ``sla.actions``)."""

from django import forms
from django.contrib import admin

from channels_adapters.models import ChannelKind

from .models import SlaClock, SlaPolicy


class SlaPolicyForm(forms.ModelForm):
    channel_kind = forms.ChoiceField(choices=[("", "Any channel"), *ChannelKind.choices],
                                     required=False)

    class Meta:
        model = SlaPolicy
        fields = ["name", "priority", "channel_kind", "first_response_minutes",
                  "resolution_hours", "business_hours_only"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    form = SlaPolicyForm
    list_display = ["name", "priority", "channel_kind", "first_response_minutes",
                    "resolution_hours", "business_hours_only"]
    list_filter = ["priority", "channel_kind", "business_hours_only"]


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    list_display = ["id", "thread", "policy", "team", "started_at", "first_response_due_at",
                    "first_response_breached_at", "resolution_due_at", "resolution_breached_at"]
    list_filter = ["policy", "team"]
    list_select_related = ["thread__customer", "policy", "team"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
