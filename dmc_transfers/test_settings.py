"""Settings for the test run: the real settings, with a test environment.

Only environment defaults differ; every value is still read by settings.py.
``TEST_DATABASE_URL`` (default: the local MariaDB) becomes ``DATABASE_URL``.
"""
import os

os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL", "mysql://root:@127.0.0.1:3306/transfers")
os.environ.setdefault("SECRET_KEY", "test-only-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("CACHE_URL", "locmemcache://")
os.environ.setdefault("EMAIL_URL", "memorymail://")
# Far above what any test sends; throttling tests lower them with the settings fixture.
os.environ.setdefault("THROTTLE_RATE_INTEGRATOR", "100000/min")
os.environ.setdefault("THROTTLE_RATE_COORDINATOR", "100000/min")

from dmc_transfers.settings import *  # noqa: E402,F403

# Tests serve static files through the finders (WhiteNoise's autorefresh),
# so no collectstatic run is needed and no STATIC_ROOT has to exist.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
