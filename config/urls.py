from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from channels_adapters.views import webhook

admin.site.site_header = "Threadline back office"
admin.site.site_title = "Threadline"
admin.site.index_title = "Customers, threads, channels and events"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("inbox/", include("inbox.urls")),
    path("inbox/macros/", include("macros.urls")),
    path("bot/", include("bot.urls")),
    path("api/", include("api.urls")),
    path("reports/", include("reports.urls")),
    path("automation/", include("automation.urls")),
    path("webchat/", include("channels_adapters.webchat.urls")),
    path("survey/", include("surveys.urls")),
    path("hooks/<str:kind>/<int:channel_id>/", webhook, name="webhook"),
    path("", RedirectView.as_view(pattern_name="inbox:inbox", permanent=False)),
]
