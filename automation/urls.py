from django.urls import path

from .views import log, rules

app_name = "automation"

urlpatterns = [
    path("", rules.rule_list, name="rules"),
    path("new/", rules.rule_new, name="new"),
    path("<int:rule_id>/", rules.rule_edit, name="edit"),
    path("<int:rule_id>/toggle/", rules.rule_toggle, name="toggle"),
    path("<int:rule_id>/move/", rules.rule_move, name="move"),
    path("<int:rule_id>/delete/", rules.rule_delete, name="delete"),
    path("log/", log.run_log, name="log"),
]
