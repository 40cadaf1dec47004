from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA policies"
    default_auto_field = "django.db.models.BigAutoField"
