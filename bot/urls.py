from django.urls import path

from . import views

app_name = "bot"

urlpatterns = [
    path("articles/", views.article_list, name="articles"),
    path("articles/new/", views.article_new, name="new"),
    path("articles/<int:article_id>/", views.article_edit, name="edit"),
    path("articles/<int:article_id>/toggle/", views.article_toggle, name="toggle"),
    path("articles/<int:article_id>/delete/", views.article_delete, name="delete"),
]
