"""``Idempotency-Key`` on POST /transfers (API.md, "Idempotency"), in one place.

The first successful answer per (user, key) is stored with a digest of the
parsed JSON body; a repeat with the same body replays it, another body is a
409. Requests with one (user, key) are serialised by a named database lock
(MySQL/MariaDB ``GET_LOCK``), so concurrent duplicates wait for the first and
then replay its answer: one transfer, never two. The transfer and its record
are written in one transaction, so no crash can leave a transfer without it.
"""
import functools
import hashlib
import threading
from contextlib import contextmanager

import orjson
from django.db import connection, transaction
from django.urls import reverse
from rest_framework import exceptions
from rest_framework.response import Response

from bookings.models import IdempotencyRecord
from dmc_transfers.errors import Conflict
from dmc_transfers.sql import column, model_read

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
WAIT_SECONDS = 5


class KeyStillInUse(exceptions.APIException):
    status_code = 503
    default_code = "service_unavailable"
    default_detail = "A request with this Idempotency-Key is still being processed; retry shortly."
    wait = 1


def request_digest(data):
    """SHA-256 of the body as canonical JSON: key order and spacing do not matter."""
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _check_key(key):
    if not (0 < len(key) <= KEY_MAX_LENGTH and key.isascii() and key.isprintable()):
        raise exceptions.ValidationError({HEADER: [f"Use 1-{KEY_MAX_LENGTH} printable ASCII characters."]})


# Without MySQL (the SQLite try-out, one process) one in-memory lock serialises
# every keyed booking: slower than per key, but nothing to clean up.
_local_lock = threading.Lock()


@contextmanager
def _serialised(user_id, key):
    name = "idem:" + hashlib.sha256(f"{user_id}:{key}".encode()).hexdigest()[:48]
    if connection.vendor != "mysql":
        if not _local_lock.acquire(timeout=WAIT_SECONDS):
            raise KeyStillInUse()
        try:
            yield
        finally:
            _local_lock.release()
        return
    # GET_LOCK belongs to the session, not to a transaction: it is held across
    # the commit below and released only after it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, %s)", [name, WAIT_SECONDS])
        if cursor.fetchone()[0] != 1:
            raise KeyStillInUse()
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT RELEASE_LOCK(%s)", [name])


def _stored_answer(user_id, key):
    """The (user, key) record, or ``None``; hand-written (``dmc_transfers.sql``): every keyed booking asks."""
    record = IdempotencyRecord
    where = f"WHERE {column(record, 'user', 't')} = %s AND {column(record, 'key', 't')} = %s"
    return model_read(record).first(where, [user_id, key])


def _replay(record, digest, request):
    if record.request_digest != digest:
        raise Conflict(
            f"Idempotency-Key {record.key!r} was already used with a different request body.",
            code="idempotency_key_reused",
        )
    location = request.build_absolute_uri(reverse("transfer-detail", args=[record.transfer_id]))
    return Response(
        record.response_body,
        status=record.response_status,
        headers={"Location": location, REPLAYED_HEADER: "true"},
    )


def idempotent(create):
    """Wrap a view's ``create`` so an ``Idempotency-Key`` makes it safe to retry."""

    @functools.wraps(create)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return create(view, request, *args, **kwargs)
        _check_key(key)
        digest = request_digest(request.data)
        with _serialised(request.user.pk, key), transaction.atomic():
            record = _stored_answer(request.user.pk, key)
            if record is not None:
                return _replay(record, digest, request)
            response = create(view, request, *args, **kwargs)
            # Only a success is remembered: a failed attempt is processed anew.
            if response.status_code == 201:
                IdempotencyRecord.objects.create(
                    user=request.user,
                    key=key,
                    request_digest=digest,
                    transfer_id=response.data["id"],
                    response_status=response.status_code,
                    response_body=response.data,
                )
            return response

    return wrapper
