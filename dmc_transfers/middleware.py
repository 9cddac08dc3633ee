"""Cross-cutting HTTP behaviour: request ids, the request log, the body size limit."""
import io
import logging
import time
import uuid
from functools import partial

from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty

from dmc_transfers.problems import is_admin_path, payload_too_large, problem_response

request_log = logging.getLogger("dmc_transfers.requests")

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_MAX_LENGTH = 128


def incoming_request_id(value):
    """The client's id when it is printable ASCII of 1-128 characters, else ``None``."""
    if value and len(value) <= REQUEST_ID_MAX_LENGTH and value.isascii() and value.isprintable():
        return value
    return None


def _user_id(request):
    # Only report a user something already resolved: evaluating the lazy
    # session user here would cost a query (and fail when the DB is down).
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None


class RequestIdMiddleware:
    """Tag each request with an id, echo it in ``X-Request-ID``, and log one line per request.

    The line holds method, path (no query string), status, duration, request
    id and user id: nothing about passengers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER)) or uuid.uuid4().hex
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        request_log.info(
            "method=%s path=%s status=%s duration_ms=%.1f request_id=%s user_id=%s",
            request.method,
            request.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            request.request_id,
            _user_id(request),
        )
        return response


class BodySizeLimitMiddleware:
    """Refuse API request bodies over ``API_MAX_BODY_BYTES`` with 413, before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_admin_path(request):
            if self._declared_length(request) > settings.API_MAX_BODY_BYTES:
                return problem_response(payload_too_large())
            if self._is_chunked(request) and not self._read_chunked_body(request):
                return problem_response(payload_too_large())
        return self.get_response(request)

    @staticmethod
    def _is_chunked(request):
        encoding = request.META.get("HTTP_TRANSFER_ENCODING", "")
        return "chunked" in encoding.lower() and not request.META.get("CONTENT_LENGTH")

    @staticmethod
    def _read_chunked_body(request):
        """Read a body sent without Content-Length (the server has de-chunked it).

        Django reads nothing without a Content-Length, so the body is read here,
        at most one byte over the limit, and handed on as if its length had
        been declared. ``False`` when it is over the limit.
        """
        body = request.META["wsgi.input"].read(settings.API_MAX_BODY_BYTES + 1)
        if len(body) > settings.API_MAX_BODY_BYTES:
            return False
        request.META["CONTENT_LENGTH"] = str(len(body))
        request._body = body
        request._stream = io.BytesIO(body)
        return True

    @staticmethod
    def _declared_length(request):
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 0


class ReleaseCyclesMiddleware:
    """Undo DRF's reference cycles once a response has been sent, so its data goes by refcount.

    DRF ties the view, its request and its response into cycles (the view
    holds both and, a viewset, its handlers bound to itself; the response's
    renderer context holds the view; the request's parser context holds the
    request). Everything they reach, a page of 100 transfers included, then
    waits for CPython's cyclic collector, which walks it again and again: a
    third of a millisecond of a day list (README, Performance). Cut when the server closes the response, after its body
    went out; the response itself keeps ``data`` for whoever still holds it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        context = getattr(response, "renderer_context", None)
        if context:
            response._resource_closers.append(partial(_release, context))
        return response


def _release(context):
    view, drf_request = context.get("view"), context.get("request")
    if view is not None:
        vars(view).clear()  # its request and response, and a viewset's handlers (bound methods of itself)
    if drf_request is not None:
        drf_request.parser_context = None
    context.clear()  # the response's renderer context
