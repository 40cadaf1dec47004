"""ASGI entry point: HTTP through Django, WebSockets through Django Channels.

Served by Daphne (``make run``) or any ASGI server; several of them share the Redis channel
layer.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs the app registry)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from channels_adapters import webhook_route  # noqa: E402
from channels_adapters.webchat import routing as webchat_routing  # noqa: E402
from config.daphne_tuning import skip_twisted_form_parsing  # noqa: E402
from inbox.routing import websocket_urlpatterns  # noqa: E402

skip_twisted_form_parsing()
django_http_app = ASGIStaticFilesHandler(django_asgi_app) if settings.DEBUG else django_asgi_app


async def http_app(scope, receive, send):
    # Providers' webhooks skip Django's middleware: they need none of it (webhook_route.py).
    if webhook_route.handles(scope):
        return await webhook_route.webhook_app(scope, receive, send)
    return await django_http_app(scope, receive, send)


# Agents' sockets: only from this server's own hosts, with the session's user.
agents_socket_app = AllowedHostsOriginValidator(
    AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
)
# The chat widget's sockets come from the companies' sites: no session, and each channel's
# own origin list is checked by the consumer.
webchat_socket_app = URLRouter(webchat_routing.websocket_urlpatterns)


async def websocket_app(scope, receive, send):
    if scope["path"].startswith(webchat_routing.WEBSOCKET_PREFIX):
        return await webchat_socket_app(scope, receive, send)
    return await agents_socket_app(scope, receive, send)


application = ProtocolTypeRouter({"http": http_app, "websocket": websocket_app})
