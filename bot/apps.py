from django.apps import AppConfig


class BotConfig(AppConfig):
    name = "bot"
    verbose_name = "First-line bot"
    default_auto_field = "django.db.models.BigAutoField"
