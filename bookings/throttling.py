"""Request rates per API client, by role (API.md: ``429 throttled`` with ``Retry-After``).

Counters live in Django's default cache (``CACHE_URL``): with a shared cache
such as Redis every gunicorn worker and host counts against the same limit.
"""
from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from bookings.roles import is_coordinator


class RoleRateThrottle(SimpleRateThrottle):
    """At most ``THROTTLE_RATE_COORDINATOR`` requests for coordinators and
    superusers, ``THROTTLE_RATE_INTEGRATOR`` for everyone else, per user.

    Anonymous requests are not counted: every endpoint but the public ones
    (/healthz, /docs, /openapi.json) answers them 401 before throttles run,
    and an API key is far too long to guess, so there is nothing to slow down.
    """

    cache_format = "throttle:api:%(ident)s"

    def __init__(self):
        # DRF picks the rate here, before the user is known; allow_request does it per request.
        pass

    def allow_request(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return True
        # Read per request (not at import), so a changed setting applies at once.
        self.rate = settings.THROTTLE_RATE_COORDINATOR if is_coordinator(user) else settings.THROTTLE_RATE_INTEGRATOR
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"ident": request.user.pk}
