"""Back office → Auto-assignment: a team's mode and capacities; which threads routing
assigned (read-only)."""

from django.contrib import admin

from .models import AgentRouting, AutoAssignment, TeamRouting


class AgentRoutingInline(admin.TabularInline):
    model = AgentRouting
    extra = 0
    fields = ["agent", "capacity", "last_assigned_at"]
    readonly_fields = ["last_assigned_at"]


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin):
    list_display = ["team", "mode", "default_capacity", "last_agent"]
    list_filter = ["mode"]
    list_select_related = ["team", "last_agent"]
    search_fields = ["team__name"]
    inlines = [AgentRoutingInline]


@admin.register(AutoAssignment)
class AutoAssignmentAdmin(admin.ModelAdmin):
    list_display = ["thread", "agent", "assigned_at"]
    list_filter = ["agent"]
    list_select_related = ["thread__customer", "agent"]
    date_hierarchy = "assigned_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
