"""Production settings (DEBUG=false, TLS ending at a proxy) pass Django's deployment checks,
and the settings refuse to start without what production needs."""
import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.unit

# What an operator sets; everything else keeps its default.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "transfers.dmc.example",
    "CSRF_TRUSTED_ORIGINS": "https://transfers.dmc.example",
    "DATABASE_URL": "mysql://app:apppass@db.internal:3306/transfers",
    "CACHE_URL": "redis://127.0.0.1:6379/0",
}

SHOWN = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "THROTTLE_RATE_INTEGRATOR", "THROTTLE_RATE_COORDINATOR",
    "AXES_FAILURE_LIMIT", "AUTHENTICATION_BACKENDS",
]


def manage(*args, **env):
    """``python manage.py ...`` with the production settings module and only ``env`` set."""
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "dmc_transfers.settings", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=clean, capture_output=True, text=True,
        timeout=60,
    )


def production_settings(**env):
    code = "from django.conf import settings as s; import json; print(json.dumps({n: getattr(s, n) for n in %r}))"
    result = manage("shell", "-c", code % SHOWN, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_deploy_check_reports_nothing():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr and "ERRORS" not in result.stderr


def test_secure_defaults_when_debug_is_false():
    values = production_settings(**PRODUCTION)
    assert values["DEBUG"] is False and values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert (values["THROTTLE_RATE_INTEGRATOR"], values["THROTTLE_RATE_COORDINATOR"]) == ("600/min", "6000/min")
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["AUTHENTICATION_BACKENDS"][0] == "axes.backends.AxesStandaloneBackend"


def test_rates_and_lockout_come_from_the_environment():
    values = production_settings(
        **PRODUCTION, THROTTLE_RATE_INTEGRATOR="50/s", THROTTLE_RATE_COORDINATOR="1000/hour", AXES_FAILURE_LIMIT="8"
    )
    assert (values["THROTTLE_RATE_INTEGRATOR"], values["THROTTLE_RATE_COORDINATOR"]) == ("50/s", "1000/hour")
    assert values["AXES_FAILURE_LIMIT"] == 8


@pytest.mark.parametrize(
    "change,message",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short-and-guessable"}, "SECRET_KEY must be set"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set"),
        ({"THROTTLE_RATE_INTEGRATOR": "lots"}, "THROTTLE_RATE_INTEGRATOR must look like 600/min"),
        ({"THROTTLE_RATE_COORDINATOR": "0/min"}, "THROTTLE_RATE_COORDINATOR must look like 600/min"),
    ],
)
def test_production_refuses_to_start_without_what_it_needs(change, message):
    result = manage("check", **{**PRODUCTION, **change})
    # One readable line, no traceback.
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"Configuration error: {message}") and result.stderr.count("\n") == 1
