"""Environment for the test run, set before Django reads its settings.

Loaded as a pytest plugin (``-p`` in pytest.ini) because pytest-django
imports the settings before any conftest.py runs.
"""
import os

os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL", "mysql://root:@127.0.0.1:3306/transfers")
os.environ.setdefault("SECRET_KEY", "test-only-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("TIME_ZONE", "UTC")
os.environ.setdefault("CACHE_URL", "locmemcache://")
os.environ.setdefault("EMAIL_URL", "memorymail://")
