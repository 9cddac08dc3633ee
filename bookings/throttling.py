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

    A fixed window per user, opened by its first request: a counter to
    increment (and, beside it, when the window opened, for ``Retry-After``),
    where DRF's sliding window copies a timestamp per request of the period
    through the cache (0.1-0.6 ms a request at busy rates). A client may
    therefore send up to twice its rate across a window's end.

    Anonymous requests are not counted: every endpoint but the public ones
    (/healthz, /docs, /openapi.json) answers them 401 before throttles run,
    and an API key is far too long to guess, so there is nothing to slow down.
    """

    cache = default_cache
    # Not DRF's key: its throttle kept a pickled list there, which a counter cannot increment.
    cache_format = "throttle:api:window:%(ident)s"

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
        self._take_back(key)
        opened = self.cache.get(key + ":opened", time.time())
        self.retry_after = max(1, math.ceil(opened + period - time.time()))
        return False

    def _count(self, key, period):
        """This request's number in the user's current window, opening one when there is none."""
        while True:
            try:
                count = self.cache.incr(key)
            except ValueError:  # no open window
                if self.cache.add(key, 1, timeout=period):
                    self.cache.set(key + ":opened", time.time(), timeout=period)
                    return 1
                continue
            if count == 1:
                # Redis' incr is EXISTS then INCRBY: a window that closed in
                # between comes back as a new key without an expiry. Give it one.
                self.cache.touch(key, period)
            return count

    def _take_back(self, key):
        """Only granted requests count (as with DRF's throttles), so a raised rate applies at once."""
        try:
            if self.cache.decr(key) <= 0:
                self.cache.delete(key)  # the window closed meanwhile: no counter without an expiry
        except ValueError:
            pass  # the window closed meanwhile

    def wait(self):
        return self.retry_after
