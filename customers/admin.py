from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .actions import customer_create, merge_customers, undo_merge
from .models import Customer, CustomerMerge, Identity


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    fields = ["kind", "address", "display_name", "verified", "last_seen_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "channel_kinds", "thread_channels", "thread_status",
                    "merged_into", "created_at"]
    list_filter = ["thread__status", "identities__kind", "tags"]
    search_fields = ["name", "identities__address", "identities__display_name"]
    readonly_fields = ["merged_into", "created_at", "updated_at", "timeline"]
    fields = ["name", "attributes", "tags", "notes", "merged_into", "created_at", "updated_at",
              "timeline"]
    filter_horizontal = ["tags"]
    inlines = [IdentityInline]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        customers = super().get_queryset(request)
        return customers.select_related("thread", "merged_into").prefetch_related(
            "identities", "thread__messages__channel"
        )

    @admin.display(description=_("Reached on"))
    def channel_kinds(self, customer):
        return ", ".join(sorted({identity.kind for identity in customer.identities.all()}))

    @admin.display(description=_("Channels in thread"))
    def thread_channels(self, customer):
        if not hasattr(customer, "thread"):
            return "—"
        kinds = {m.channel.get_kind_display() for m in customer.thread.messages.all() if m.channel}
        return ", ".join(sorted(kinds)) or "—"

    @admin.display(description=_("Timeline"))
    def timeline(self, customer):
        """The customer's one thread across channels, oldest first."""
        if customer.pk is None or not hasattr(customer, "thread"):
            return "—"
        thread = customer.thread
        messages_ = thread.messages.select_related("channel", "author").order_by("created_at")
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (m.created_at.strftime("%Y-%m-%d %H:%M"), m.get_direction_display(),
                 m.channel.get_kind_display() if m.channel else "—",
                 m.author.display_name if m.author else "", m.text[:200])
                for m in messages_
            ),
        )
        link = reverse("admin:inbox_thread_change", args=[thread.pk])
        return format_html(
            '<p><a href="{}">{}</a> — {}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            link, _("Open the thread"), thread.get_status_display(), _("When"),
            _("Direction"), _("Channel"), _("Agent"), _("Text"), rows,
        )

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new customer comes with their thread and a customer.created event.
        created = customer_create(name=obj.name, actor=request.user)
        obj.pk, obj.created_at = created.pk, created.created_at
        super().save_model(request, obj, form, change=True)

    @admin.display(description=_("Thread"), ordering="thread__status")
    def thread_status(self, customer):
        return customer.thread.get_status_display()

    @admin.action(description=_("Merge the selected customers into the oldest one"))
    def merge_selected(self, request, queryset):
        customers = list(queryset.order_by("created_at", "id"))
        if len(customers) < 2:
            self.message_user(request, _("Select at least two customers."), messages.WARNING)
            return
        target = customers[0]
        try:
            for source in customers[1:]:
                merge_customers(source=source, target=target, by=request.user)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        self.message_user(request, _("Merged into %(target)s.") % {"target": target})


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ["address", "kind", "customer", "verified", "last_seen_at"]
    list_filter = ["kind", "verified"]
    search_fields = ["address", "display_name", "customer__name"]
    list_select_related = ["customer"]
    readonly_fields = ["customer", "kind", "address", "created_at", "last_seen_at"]

    def has_add_permission(self, request):
        return False  # identities come from messages, normalised by identity resolution


@admin.register(CustomerMerge)
class CustomerMergeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "source", "target", "merged_by", "merged_at", "undone_at"]
    list_filter = ["merged_at", "undone_at"]
    search_fields = ["source__name", "target__name"]
    list_select_related = ["source", "target", "merged_by"]
    actions = ["undo_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Undo the selected merges"))
    def undo_selected(self, request, queryset):
        try:
            for merge in queryset.order_by("-merged_at"):
                undo_merge(merge=merge, by=request.user)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        self.message_user(request, _("Undone."))
