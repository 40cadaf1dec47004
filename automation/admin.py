"""Back office → Automation rules: the plain admin, a fallback to the rules pages
(/automation/). The conditions and actions are checked on save (see schema.py)."""

from django import forms
from django.contrib import admin

from .models import Rule, RuleRun
from .schema import validate_rule


class RuleAdminForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["name", "team", "trigger", "match", "conditions", "actions", "position",
                  "stop_processing", "is_active"]

    def clean(self):
        # The model checks on save too; here the error is shown on the form, not a 500.
        cleaned = super().clean()
        if not self.errors:
            validate_rule(trigger=cleaned.get("trigger"), conditions=cleaned.get("conditions"),
                          actions=cleaned.get("actions"), team=cleaned.get("team"))
        return cleaned


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleAdminForm
    list_display = ["name", "team", "trigger", "position", "stop_processing", "is_active",
                    "updated_at"]
    list_filter = ["is_active", "trigger", "team"]
    list_editable = ["position", "is_active"]
    search_fields = ["name"]
    list_select_related = ["team"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RuleRun)
class RuleRunAdmin(admin.ModelAdmin):
    """The log: read only (it records what happened)."""

    list_display = ["ran_at", "rule_name", "thread", "trigger_key", "error"]
    list_filter = ["rule"]
    list_select_related = ["thread__customer"]
    search_fields = ["rule_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
