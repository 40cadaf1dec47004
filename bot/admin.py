"""Back office → First-line bot: the articles (searchable, switched on and off in the list),
each team's settings, and what the bot did per conversation (read-only)."""

from django.contrib import admin

from .models import Article, BotConversation, BotSettings


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["question", "team", "is_active", "updated_at"]
    list_editable = ["is_active"]
    list_filter = ["is_active", "team"]
    search_fields = ["question", "keywords", "answer"]
    list_select_related = ["team"]


@admin.register(BotSettings)
class BotSettingsAdmin(admin.ModelAdmin):
    list_display = ["team", "enabled", "channel_kinds", "threshold", "max_answers"]
    list_select_related = ["team"]


@admin.register(BotConversation)
class BotConversationAdmin(admin.ModelAdmin):
    list_display = ["thread", "episode_started_at", "state", "answers", "reason",
                    "handed_off_at"]
    list_filter = ["state", "reason"]
    readonly_fields = [field.name for field in BotConversation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
