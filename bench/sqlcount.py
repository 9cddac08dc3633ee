"""SQL statements per request, counted in-process with Django's CaptureQueriesContext.

The server's global ``Questions`` counter would also count other clients of
a shared database server; this counts exactly the statements one request of
the scenario sends, through the same URLs, middleware and settings as the
service (a warm connection, as a gunicorn thread has after its first request).
"""
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def count_statements(lines, token):
    """Statements of the second of two requests from ``lines`` (the first warms the connection)."""
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT="application/json")
    counts = []
    for method, path, key, body in (lines * 2)[:2]:
        extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        with CaptureQueriesContext(connection) as queries:
            if body:
                response = client.generic(method, path, body, content_type="application/json", **extra)
            else:
                response = client.generic(method, path, **extra)
        if not 200 <= response.status_code < 300:
            raise SystemExit(f"{method} {path} answered {response.status_code}: {response.content[:300]!r}")
        counts.append(len(queries))
    return counts[-1]
