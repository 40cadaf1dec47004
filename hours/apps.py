from django.apps import AppConfig


class HoursConfig(AppConfig):
    name = "hours"
    verbose_name = "Business hours"
    default_auto_field = "django.db.models.BigAutoField"
