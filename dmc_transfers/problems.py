"""RFC 9457 problem details: the one error format of every API path.

DRF's exceptions, the domain errors of ``dmc_transfers.errors``, database
outages and Django's own error pages all end here. The admin keeps Django's
HTML pages.
"""
import json
import logging
import sys
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from dmc_transfers.db import is_lock_error
from dmc_transfers.errors import Conflict, Invalid, NotFound
from dmc_transfers.log_redaction import exception_summary

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
DATABASE_ERRORS = (OperationalError, InterfaceError)
ADMIN_PREFIX = "/admin/"


def problem(status, detail, code, **extra):
    """The problem body: RFC 9457 members plus our machine ``code``."""
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": str(detail),
        "code": code,
        **extra,
    }


def validation_problem(errors, detail="Invalid input."):
    return problem(400, detail, "validation_error", errors=errors)


def database_unavailable(exc=None):
    if exc is not None and is_lock_error(exc):
        return problem(503, "What this request needs is held by another one; try again shortly.", "service_unavailable")
    return problem(503, "The database is unreachable; try again shortly.", "service_unavailable")


def retry_after_headers():
    return {"Retry-After": str(settings.API_RETRY_AFTER_SECONDS)}


def problem_response(body, headers=None):
    """A plain Django response, for code that runs outside DRF (middleware, error pages)."""
    response = HttpResponse(json.dumps(body), status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _as_error_lists(detail):
    """DRF's error detail as ``{"field": ["message", ...]}``; loose messages go to ``non_field_errors``."""
    if isinstance(detail, dict):
        return {
            field: [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
            for field, messages in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def _problem_for(exc, context):
    """``(body, headers)`` for ``exc``, or ``None`` when it is not an expected error."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, (exceptions.ValidationError, exceptions.ParseError)):
        return validation_problem(_as_error_lists(exc.detail)), {}
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = "%d" % exc.wait
        return problem(exc.status_code, exc.detail, exc.default_code), headers
    if isinstance(exc, Invalid):
        return validation_problem(exc.errors, exc.detail), {}
    if isinstance(exc, NotFound):
        return problem(404, exc.detail, exc.code), {}
    if isinstance(exc, Conflict):
        return problem(409, exc.detail, exc.code, **exc.extra), {}
    if isinstance(exc, RequestDataTooBig):
        return payload_too_large(), {}
    if isinstance(exc, SuspiciousOperation):  # e.g. TooManyFieldsSent: the client's doing
        return validation_problem({"non_field_errors": [str(exc)]}, "Bad request."), {}
    if isinstance(exc, DATABASE_ERRORS):
        request_id = _request_id(context.get("request"))
        logger.warning("Database unavailable (request %s): %s", request_id, exception_summary(exc))
        return database_unavailable(exc), retry_after_headers()
    return None


def payload_too_large():
    limit = settings.API_MAX_BODY_BYTES // 1024
    return problem(413, f"Request bodies are limited to {limit} KiB.", "payload_too_large")


def _request_id(request):
    return getattr(request, "request_id", None)


def exception_handler(exc, context):
    """DRF's ``EXCEPTION_HANDLER``: every error a view raises, as problem+json."""
    found = _problem_for(exc, context)
    if found is None:
        # Its stack without its message: LOGGING's withhold_exception_messages filter.
        logger.error("Unhandled error (request %s)", _request_id(context.get("request")), exc_info=exc)
        body, headers = problem(500, "Internal server error.", "server_error"), {}
    else:
        body, headers = found
    set_rollback()
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


# --- Django's own error views (handler400/403/404/500), for paths outside DRF ----------


def is_admin_path(request):
    return request.path.startswith(ADMIN_PREFIX)


def bad_request(request, exception):
    if is_admin_path(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return problem_response(payload_too_large())
    return problem_response(problem(400, "Bad request.", "validation_error", errors={}))


def permission_denied(request, exception):
    if is_admin_path(request):
        return defaults.permission_denied(request, exception)
    return problem_response(problem(403, "You do not have permission to perform this action.", "permission_denied"))


def page_not_found(request, exception):
    if is_admin_path(request):
        return defaults.page_not_found(request, exception)
    return problem_response(problem(404, f"No resource at {request.path}.", "not_found"))


def server_error(request):
    # Django calls this inside its ``except`` block, so the exception is at hand.
    exc = sys.exc_info()[1]
    if is_admin_path(request):
        logger.error("Server error (request %s)", _request_id(request))
        return defaults.server_error(request)  # the admin keeps its HTML pages
    if isinstance(exc, DATABASE_ERRORS):
        return problem_response(database_unavailable(exc), retry_after_headers())
    logger.error("Server error (request %s)", _request_id(request))
    return problem_response(problem(500, "Internal server error.", "server_error"))
