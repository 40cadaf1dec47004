from django.urls import path

from .consumer import VisitorConsumer

# Not behind AllowedHostsOriginValidator: the consumer checks the channel's own origin list.
WEBSOCKET_PREFIX = "/ws/webchat/"
websocket_urlpatterns = [path("ws/webchat/<int:channel_id>/", VisitorConsumer.as_asgi())]
