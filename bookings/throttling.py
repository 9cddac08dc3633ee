"""Request rates per API client, by role (API.md: ``429 throttled`` with ``Retry-After``).

Counters live in Django's default cache (``CACHE_URL``): with a shared cache
such as Redis every gunicorn worker and host counts against the same limit.
"""
import math
import time

from django.conf import settings
from django.core.cache import cache as default_cache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from bookings.roles import is_coordinator


class RoleRateThrottle(BaseThrottle):
    """At most ``THROTTLE_RATE_COORDINATOR`` requests for coordinators and
    superusers, ``THROTTLE_RATE_INTEGRATOR`` for everyone else, per user.

    A fixed window per user, opened by its first request: one counter to
    increment, where DRF's sliding window copies a timestamp per request of
    the period through the cache (0.1-0.6 ms a request at busy rates). A
    client may therefore send up to twice its rate across a window's end.

    Anonymous requests are not counted: every endpoint but the public ones
    (/healthz, /docs, /openapi.json) answers them 401 before throttles run,
    and an API key is far too long to guess, so there is nothing to slow down.
    """

    cache = default_cache
    cache_format = "throttle:api:%(ident)s"

    def allow_request(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return True
        # Read per request (not at import), so a changed setting applies at once.
        rate = settings.THROTTLE_RATE_COORDINATOR if is_coordinator(user) else settings.THROTTLE_RATE_INTEGRATOR
        limit, period = SimpleRateThrottle.parse_rate(self, rate)
        key = self.cache_format % {"ident": user.pk}
        if self._count(key, period) <= limit:
            return True
        try:
            self.cache.decr(key)  # only granted requests count, as with DRF's throttles
        except ValueError:
            pass  # the window closed meanwhile
        opened = self.cache.get(key + ":opened", time.time())
        self.retry_after = max(1, math.ceil(opened + period - time.time()))
        return False

    def _count(self, key, period):
        """This request's number in the user's current window, opening one when there is none."""
        while True:
            try:
                return self.cache.incr(key)
            except ValueError:  # no open window
                if self.cache.add(key, 1, timeout=period):
                    self.cache.set(key + ":opened", time.time(), timeout=period)
                    return 1

    def wait(self):
        return self.retry_after
