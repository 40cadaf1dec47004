"""django-helpdesk's pages: its e-mails link to tickets, so its URLs must resolve."""

from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
