"""``Idempotency-Key`` on POST /transfers (API.md, "Idempotency"), in one place.

The first successful answer per (user, key) is stored with a digest of the
parsed JSON body; a repeat with the same body replays it, another body is a
409. The record is written once, answer and all, as the last write of the
transaction that books (sent with its ``COMMIT``, ``dmc_transfers.writes.with_commit``),
and the unique (user, key) index does the rest:

- A duplicate of a committed request books again and then fails to insert
  the record: its booking is rolled back and the stored answer replayed.
- A duplicate of a request still in flight waits for it: for the vehicle's
  lock when it books the same vehicle, else at the record's insert, which
  the index holds until the first commits (then as above) or rolls back
  (then the duplicate's booking stands).
- A duplicate whose own attempt is refused (the vehicle is busy by now, say)
  reads the record with a locking read, which waits the same way, so a stored
  answer wins over the refusal: API.md checks the key first. It reads before
  its transaction ends: duplicates waiting behind its locks cannot answer in
  between and turn its refusal into a 409.

One transfer, never two; no lock of its own to take and release; one write
per keyed booking, the record being written only once the answer is known.
"""
import functools
import hashlib

import orjson
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response

from bookings.models import IdempotencyRecord
from dmc_transfers.db import DEADLOCK, is_lock_error
from dmc_transfers.errors import Conflict, DomainError
from dmc_transfers.locations import created_location
from dmc_transfers.renderers import JSONRenderer
from dmc_transfers.sql import column, table
from dmc_transfers.writes import with_commit

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
# What a booking answers with a 4xx: a stored answer under its key takes precedence.
REFUSALS = (exceptions.APIException, DomainError)


def request_digest(data):
    """SHA-256 of the body as canonical JSON: key order and spacing do not matter."""
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _check_key(key):
    if not (0 < len(key) <= KEY_MAX_LENGTH and key.isascii() and key.isprintable()):
        raise exceptions.ValidationError({HEADER: [f"Use 1-{KEY_MAX_LENGTH} printable ASCII characters."]})


# A booking is tried again when the key was free after all: its holder rolled back and the waiting
# duplicates deadlocked on the free key (InnoDB's duplicate-key locks), or its record was purged.
ATTEMPTS = 3


class RecordWrite:
    """The record's ``INSERT``, hand-written (``dmc_transfers.sql``), with its answer.

    Through the ORM (model instance, ``save``, the JSON field's encoder) it
    costs three times the CPU of the statement itself (README, Performance).
    The body is stored as the renderer wrote it for the client; the ORM reads
    it back (``_stored_answer``).
    """

    NAMES = ("user", "key", "request_digest", "transfer", "response_status", "response_body", "created_at")

    def __init__(self):
        record = IdempotencyRecord
        self.created_at = record._meta.get_field("created_at")
        self.insert = (
            f"INSERT INTO {table(record)} ({', '.join(column(record, name) for name in self.NAMES)}) "
            f"VALUES ({', '.join(['%s'] * len(self.NAMES))})"
        )

    def __call__(self, user_id, key, digest, response):
        created_at = self.created_at.get_db_prep_save(timezone.now(), connection)
        body = JSONRenderer().render(response.data).decode()
        with_commit(self.insert, [user_id, key, digest, response.data["id"], response.status_code, body, created_at])


@functools.cache
def record_write():
    """Store an answer under (user, key) as the transaction's last write: a duplicate of a request in
    flight waits at it until that request has committed or rolled back."""
    return RecordWrite()


def _stored_answer(user_id, key, *, locking=False):
    """The (user, key) record, or ``None``; ``locking`` (in a transaction): once a request in flight with that key has ended."""
    records = IdempotencyRecord.objects.filter(user_id=user_id, key=key)
    return (records.select_for_update() if locking else records).first()


def _replay(record, digest, request):
    if record.request_digest != digest:
        raise Conflict(
            f"Idempotency-Key {record.key!r} was already used with a different request body.",
            code="idempotency_key_reused",
        )
    return Response(
        record.response_body,
        status=record.response_status,
        headers={"Location": created_location(request, record.transfer_id), REPLAYED_HEADER: "true"},
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
        for _ in range(ATTEMPTS):
            recording = False  # from then on, an IntegrityError or a deadlock is the record's
            try:
                with transaction.atomic():
                    try:
                        response = create(view, request, *args, **kwargs)
                    except REFUSALS:
                        # An answer stored under the key (or about to be) comes first (API.md's order). Read
                        # while this attempt still holds its locks: no duplicate it holds back answers meanwhile.
                        record = _stored_answer(request.user.pk, key, locking=True)
                        if record is None:
                            raise
                        transaction.set_rollback(True)
                        return _replay(record, digest, request)
                    # Only a success is remembered: a failed attempt is processed anew.
                    if response.status_code != 201:
                        transaction.set_rollback(True)
                        return response
                    recording = True
                    record_write()(request.user.pk, key, digest, response)
                return response  # committed, the record with it
            except IntegrityError as taken:  # the key is taken: by a committed answer, as a rule
                if not recording:
                    raise
                record = _stored_answer(request.user.pk, key)
                if record is not None:
                    return _replay(record, digest, request)
                failure = taken
            except OperationalError as contended:
                if not (recording and is_lock_error(contended, codes=(DEADLOCK,))):
                    raise
                failure = contended  # the duplicates waiting for a free key deadlocked; this one lost
        raise failure

    return wrapper
