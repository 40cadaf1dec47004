"""``/api/v1/`` (each resource's routes in api/routes/), the OpenAPI schema at
``/api/schema/`` and its interactive docs at ``/api/docs/`` (served from this server:
drf-spectacular-sidecar, nothing from a CDN)."""

from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import DefaultRouter

from .errors import UNKNOWN_PATH_NAME, unknown_path
from .routes import customers, directory, events, messages, threads, webhooks

router = DefaultRouter()
router.include_root_view = False
for routes in (customers, directory, threads, messages, events, webhooks):
    routes.register(router)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema",
                                                template_name="api/redoc.html"),
         name="api-redoc"),
    # Last: what names nothing above gets the API's error body, not an HTML page.
    re_path(r"", unknown_path, name=UNKNOWN_PATH_NAME),
]
