"""Back office → Macros: admins write them; the steps are checked on save (see steps.py)."""

from django.contrib import admin

from .models import Macro


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "step_actions", "created_at"]
    list_filter = ["team"]
    search_fields = ["name"]
    list_select_related = ["team"]

    @admin.display(description="steps")
    def step_actions(self, macro: Macro) -> str:
        return " → ".join(str(step.get("action")) for step in macro.steps or [])
