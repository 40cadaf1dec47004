"""Requests per minute per token (or per signed-in user): 429 with Retry-After past it.

The rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"]`` (THREADLINE_API_RATE in the
environment), read when a request is checked rather than when the module is imported, so
a changed setting takes effect at once."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from config.process_cache import process_cache

from .models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"
    cache = None  # set per instance: one client per process (see config.process_cache)

    def __init__(self):
        self.cache = process_cache()
        super().__init__()

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            # The prefix, not the id: ids come back after a rollback, prefixes are random.
            ident = f"token-{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
