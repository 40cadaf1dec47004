"""Back office → API tokens: an admin creates a token and sees its key once, on the next
page; afterwards only its prefix, scope, teams and last use are shown. Tokens are revoked,
never deleted, so what they wrote keeps its author."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken
from .tokens import create_token, revoke_token, set_token_teams


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "scope", "all_teams", "teams"]
        help_texts = {
            "all_teams": _("Sees every team's customers and threads, like a supervisor."),
            "teams": _("Without 'all teams', the token sees only these teams' threads."),
        }

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("all_teams") and not cleaned.get("teams"):
            raise forms.ValidationError(_("Choose the token's teams, or 'all teams'."))
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "prefix", "scope", "team_names", "created_by", "created_at",
                    "last_used_at", "revoked_at"]
    list_filter = ["scope", "all_teams", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    filter_horizontal = ["teams"]
    actions = ["revoke_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by").prefetch_related(
            "teams")

    def get_fields(self, request, obj=None):
        fields = ["name", "scope", "all_teams", "teams"]
        return fields if obj is None else fields + self.readonly_fields

    @admin.display(description=_("Teams"))
    def team_names(self, token):
        if token.all_teams:
            return _("All teams")
        return ", ".join(team.name for team in token.teams.all()) or "—"

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name", "scope"])
            return
        token, raw_key = create_token(
            name=form.cleaned_data["name"], scope=form.cleaned_data["scope"],
            teams=form.cleaned_data["teams"], all_teams=form.cleaned_data["all_teams"],
            created_by=request.user)
        # The admin goes on with the form's instance: make it the token just created.
        obj.pk, obj.prefix, obj.user, obj.created_by = (token.pk, token.prefix, token.user,
                                                         token.created_by)
        obj._state.adding = False
        messages.warning(request, format_html(
            "The key of “{}” is <code>{}</code>. Copy it now: it is not stored and will "
            "never be shown again.", token.name, raw_key))

    def save_related(self, request, form, formsets, change):
        # The teams are the token's user's teams too: one action keeps them together.
        set_token_teams(token=form.instance, teams=form.cleaned_data["teams"],
                        all_teams=form.cleaned_data["all_teams"])

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_selected(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            revoke_token(token=token)
        self.message_user(request, ngettext("%d token revoked.", "%d tokens revoked.",
                                            len(tokens)) % len(tokens), messages.SUCCESS)
