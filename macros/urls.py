from django.urls import path

from . import views

app_name = "macros"

urlpatterns = [
    path("t/<int:thread_id>/apply/", views.apply, name="apply"),
]
