from django.urls import path

from . import views

app_name = "webchat"

urlpatterns = [
    path("<int:channel_id>/config/", views.config, name="config"),
    path("<int:channel_id>/visitors/", views.visitors, name="visitors"),
    path("<int:channel_id>/messages/", views.messages, name="messages"),
    path("<int:channel_id>/demo/", views.demo, name="demo"),
]
