"""Back office → business hours: a team's time zone, intervals and holidays on one page;
the out-of-hours replies sent, read-only."""

from django.contrib import admin

from .models import BusinessHours, Holiday, OpeningInterval, OutOfHoursReply


class OpeningIntervalInline(admin.TabularInline):
    model = OpeningInterval
    extra = 5


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin):
    list_display = ["team", "time_zone", "out_of_hours_reply"]
    list_filter = ["time_zone", "out_of_hours_reply"]
    list_select_related = ["team"]
    inlines = [OpeningIntervalInline, HolidayInline]


@admin.register(OutOfHoursReply)
class OutOfHoursReplyAdmin(admin.ModelAdmin):
    list_display = ["id", "thread", "sent_at", "message"]
    list_select_related = ["thread__customer", "message"]
    date_hierarchy = "sent_at"
    readonly_fields = ["thread", "episode_started_at", "message", "sent_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
