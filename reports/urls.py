from django.urls import path

from .views import agents, csat, live, overview, times, volume

app_name = "reports"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("volume/", volume.volume, name="volume"),
    path("times/", times.times, name="times"),
    path("agents/", agents.agents, name="agents"),
    path("teams/", agents.teams, name="teams"),
    path("csat/", csat.csat, name="csat"),
    path("live/", live.live, name="live"),
    path("live/panel/", live.panel, name="live_panel"),
]
