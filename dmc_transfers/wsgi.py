"""WSGI entry point for gunicorn: ``gunicorn dmc_transfers.wsgi``."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dmc_transfers.settings")

application = get_wsgi_application()
