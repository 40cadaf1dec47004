from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .actions import change_status, retry_message
from .models import (
    AgentPresence,
    Attachment,
    CannedResponse,
    Event,
    Message,
    Notification,
    Tag,
    Team,
    Thread,
    ThreadRead,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is written by the actions only; the back office reads it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "teams"]
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Threadline"), {"fields": ["role"]}),)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["members"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "color"]
    search_fields = ["name"]


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["created_at", "direction", "channel", "author", "text", "delivery_status"]
    readonly_fields = fields
    can_delete = False
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False


def _status_action(status, description):
    def apply(modeladmin, request, queryset):
        try:
            for thread in queryset:
                change_status(thread=thread, status=status, by=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, "; ".join(error.messages), messages.ERROR)

    apply.short_description = description
    apply.__name__ = f"mark_{status}"
    return apply


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin):
    """Threads change through the inbox's actions: re-open and resolve are offered here."""

    list_display = ["customer", "status", "assignee", "team", "priority", "last_activity_at"]
    list_filter = ["status", "team", "priority", "assignee", "tags", "messages__channel__kind"]
    search_fields = ["customer__name", "customer__identities__address", "messages__text"]
    list_select_related = ["customer", "assignee", "team"]
    inlines = [MessageInline]
    actions = [_status_action("open", _("Re-open")), _status_action("resolved", _("Resolve"))]

    def get_search_results(self, request, queryset, search_term):
        queryset, _duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "thread", "channel", "direction", "author", "delivery_status",
                    "created_at"]
    list_filter = ["direction", "delivery_status", "channel__kind", "channel"]
    search_fields = ["text", "external_id", "thread__customer__name"]
    list_select_related = ["thread__customer", "channel", "author"]
    actions = ["retry_failed"]

    @admin.action(description=_("Retry the selected failed messages"))
    def retry_failed(self, request, queryset):
        retried = 0
        for message in queryset.filter(delivery_status=Message.DeliveryStatus.FAILED):
            retry_message(message=message, by=request.user)
            retried += 1
        self.message_user(request, _("%(count)d message(s) queued again.") % {"count": retried})


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["filename", "content_type", "size", "message"]
    search_fields = ["filename"]
    list_filter = ["content_type", "inline"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "type", "created_at", "thread", "customer", "team", "actor"]
    list_filter = ["type", "team", "created_at"]
    search_fields = ["type", "customer__name"]
    list_select_related = ["thread__customer", "customer", "team", "actor"]
    date_hierarchy = "created_at"


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    """Shared snippets; ``{{ customer.first_name }}``, ``{{ customer.name }}``,
    ``{{ agent.first_name }}`` and ``{{ agent.name }}`` are filled in when inserted."""

    list_display = ["shortcut", "title", "team"]
    list_filter = ["team"]
    search_fields = ["shortcut", "title", "body"]


@admin.register(AgentPresence)
class AgentPresenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "status", "connections", "heartbeat_at", "changed_at"]
    list_filter = ["status"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(ThreadRead)
class ThreadReadAdmin(ReadOnlyAdmin):
    list_display = ["user", "thread", "read_at"]
    search_fields = ["user__username", "thread__customer__name"]
    list_filter = ["read_at"]
    list_select_related = ["user", "thread__customer"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "thread", "created_at", "read_at"]
    list_filter = ["kind", "read_at"]
    search_fields = ["user__username", "thread__customer__name"]
    list_select_related = ["user", "thread__customer"]
