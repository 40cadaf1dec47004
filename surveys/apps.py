from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Customer satisfaction"
    default_auto_field = "django.db.models.BigAutoField"
