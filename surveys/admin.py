"""Back office → CSAT surveys: a read-only list (surveys are written by their actions
only; the token is never stored, so there is nothing secret to hide)."""

from django.contrib import admin

from .models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["id", "score", "channel_kind", "channel", "agent", "team", "sent_at",
                    "answered_at", "answered_via"]
    list_filter = ["score", "channel_kind", "answered_via", "team"]
    list_select_related = ["channel", "agent", "team"]
    date_hierarchy = "sent_at"
    fields = ["thread", "customer_id", "channel", "channel_kind", "team", "agent", "message",
              "sent_at", "expires_at", "score", "comment", "answered_at", "answered_via"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
