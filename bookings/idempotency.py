"""``Idempotency-Key`` on POST /transfers (API.md, "Idempotency"), in one place.

The first successful answer per (user, key) is stored with a digest of the
parsed JSON body; a repeat with the same body replays it, another body is a
409. A request claims its (user, key) first, by inserting the key's record in
the transaction that books: the unique (user, key) index makes a concurrent
duplicate's insert wait for that transaction, then fail once it has
committed (the duplicate replays its answer) or succeed once it has rolled
back (the duplicate is processed anew). One transfer, never two, and no lock
of its own to take and release: the record is the lock. The answer is
filled in before the commit, so nobody ever sees a record without it.
"""
import functools
import hashlib

import orjson
from django.db import IntegrityError, OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response

from bookings.models import IdempotencyRecord
from dmc_transfers.db import DEADLOCK, is_lock_error
from dmc_transfers.errors import Conflict
from dmc_transfers.renderers import JSONRenderer
from dmc_transfers.sql import column, table

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255


def request_digest(data):
    """SHA-256 of the body as canonical JSON: key order and spacing do not matter."""
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _check_key(key):
    if not (0 < len(key) <= KEY_MAX_LENGTH and key.isascii() and key.isprintable()):
        raise exceptions.ValidationError({HEADER: [f"Use 1-{KEY_MAX_LENGTH} printable ASCII characters."]})


# A claim is tried again when the key was free after all: its holder rolled back and the waiting
# duplicates deadlocked on the free key (InnoDB's duplicate-key locks), or its record was purged.
CLAIM_ATTEMPTS = 3


class _Answered(Exception):
    """The insert found the (user, key) taken: by a committed answer, as a rule."""


class _Contended(Exception):
    """Duplicates waiting for the same key deadlocked once it was free; the loser's transaction is gone."""


class RecordWrites:
    """The record's two writes, hand-written (``dmc_transfers.sql``): its claim and its answer.

    Every keyed booking writes both; through the ORM (model instance,
    ``save``, the JSON field's encoder) they cost three times the CPU of the
    statements themselves (README, Performance). The body is stored as the
    renderer wrote it for the client; the ORM reads it back (``_stored_answer``).
    """

    def __init__(self):
        record = IdempotencyRecord
        names = ("user", "key", "request_digest", "response_status", "response_body", "created_at")
        self.created_at = record._meta.get_field("created_at")
        self.insert = (
            f"INSERT INTO {table(record)} ({', '.join(column(record, name) for name in names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))})"
        )
        answer = ", ".join(f"{column(record, name)} = %s" for name in ("transfer", "response_status", "response_body"))
        self.update = f"UPDATE {table(record)} SET {answer} WHERE {column(record, 'id')} = %s"

    def claim(self, user_id, key, digest):
        """Insert the (user, key) record, its answer still to come (status 0); its id."""
        created_at = self.created_at.get_db_prep_save(timezone.now(), connection)
        with connection.cursor() as cursor:
            cursor.execute(self.insert, [user_id, key, digest, 0, "{}", created_at])
            return cursor.lastrowid

    def answer(self, record_id, response):
        body = JSONRenderer().render(response.data).decode()
        with connection.cursor() as cursor:
            cursor.execute(self.update, [response.data["id"], response.status_code, body, record_id])


@functools.cache
def record_writes():
    return RecordWrites()


def _claim(user, key, digest):
    """Insert the (user, key) record, its answer still to come; its id. ``_Answered`` if the key is taken.

    The first statement of the booking's transaction: a failed insert leaves
    nothing to undo but the transaction itself.
    """
    try:
        return record_writes().claim(user.pk, key, digest)
    except IntegrityError as exc:
        raise _Answered from exc
    except OperationalError as exc:
        if is_lock_error(exc, codes=(DEADLOCK,)):
            raise _Contended from exc
        raise


def _stored_answer(user_id, key):
    """The (user, key) record, or ``None``."""
    return IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()


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
        for _ in range(CLAIM_ATTEMPTS):
            try:
                with transaction.atomic():
                    record_id = _claim(request.user, key, digest)
                    response = create(view, request, *args, **kwargs)
                    # Only a success is remembered: a failed attempt is processed anew.
                    if response.status_code == 201:
                        record_writes().answer(record_id, response)
                    else:
                        transaction.set_rollback(True)
                    return response
            except _Contended as contended:
                failure = contended.__cause__
            except _Answered as answered:
                record = _stored_answer(request.user.pk, key)
                if record is not None:
                    return _replay(record, digest, request)
                failure = answered.__cause__
        raise failure

    return wrapper
