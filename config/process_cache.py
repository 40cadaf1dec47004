"""One cache client per process, for code that runs under the ASGI server.

``django.core.cache.cache`` is kept per async context, so under Daphne every request and
every socket gets a client of its own, and with Redis each of them opens a new connection
(a connect and a socket per webhook: 7 % of the server's time in the webhook benchmark).
The backends are thread-safe; one client per process serves every context.
"""

import functools

from django.core.cache import BaseCache, caches


@functools.cache
def process_cache(alias: str = "default") -> BaseCache:
    return caches.create_connection(alias)
