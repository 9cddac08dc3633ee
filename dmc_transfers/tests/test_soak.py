"""Concurrency soak: many clients at once against a production-like server, then audit the database.

A live gunicorn (3 workers x 4 threads, DEBUG=false) serves the test
database. 16 client threads book (with and without ``Idempotency-Key``,
replaying keys with the same body from any thread of the same client, and
now and then reusing a key with another body), confirm, start, complete,
cancel and read, on three vehicles and five pickup times that lie within
the conflict window of each other, so most writes collide. The API has no
amendment endpoint, so two more threads amend transfers (vehicle, pickup
time) by calling ``bookings.services.amend_transfer`` directly, each on its
own database connection (closed when the thread ends).

It runs for ``SOAK_SECONDS`` (default 30) or ``SOAK_MAX_REQUESTS`` requests
(default 20000), whichever comes first. Afterwards:

- no response was a 5xx, every error was problem+json with an expected code;
- ``find_violations()`` is empty: no vehicle double-booked, every history a
  full chain ending at the current status, exactly one confirmation notice
  per transfer ever confirmed (written on commit; there is no sweep to run),
  every idempotency record pointing at its transfer;
- every 201 the clients saw is a transfer in the database with the returned
  fields, and the database holds no transfer nobody saw created;
- every 200 status change is one history row, and there is no other;
- every answer to one ``Idempotency-Key`` carried the same transfer.
"""
import datetime as dt
import json
import os
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.utils import timezone

from bookings.api.serializers import TransferSerializer
from bookings.choices import TransferStatus as S
from bookings.clients import create_api_client
from bookings.models import Transfer, TransferStatusHistory
from bookings.services import amend_transfer
from dmc_transfers.errors import DomainError
from dmc_transfers.integrity import find_violations
from dmc_transfers.problems import PROBLEM_CONTENT_TYPE
from dmc_transfers.tests.live_service import Gunicorn, call, database_url, production_env
from fleet.tests.factories import VehicleFactory

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "30"))
SOAK_MAX_REQUESTS = int(os.environ.get("SOAK_MAX_REQUESTS", "20000"))
CLIENT_THREADS = 16
AMENDING_THREADS = 2
KEYS_PER_CLIENT = 60  # a small key space: keys are replayed, often by two threads at once

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(SOAK_SECONDS + 180),
]

# What each kind of request may answer besides success, by problem code.
BOOKING_ERRORS = {400: {"validation_error"}, 409: {"vehicle_unavailable", "duplicate_client_reference"}}
CHANGE_ERRORS = {409: {"invalid_transition", "vehicle_unavailable"}}
REUSE_ERRORS = {409: {"idempotency_key_reused"}}
# Which status each coordinator move starts from, for picking a likely candidate.
MOVES = {S.CONFIRMED: S.PENDING, S.IN_PROGRESS: S.CONFIRMED, S.COMPLETED: S.IN_PROGRESS}


@dataclass
class Ledger:
    """What the clients saw, shared by every thread."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    failures: list = field(default_factory=list)  # anything not in the contract: 5xx, HTML, bad codes
    created: dict = field(default_factory=dict)  # transfer id -> 201 body
    owners: dict = field(default_factory=dict)  # transfer id -> client name
    known_status: dict = field(default_factory=dict)  # transfer id -> last status a client saw
    changes: Counter = field(default_factory=Counter)  # (transfer id, target) -> 200s
    keyed: dict = field(default_factory=lambda: defaultdict(set))  # (client, key) -> transfer ids answered
    replays: int = 0
    amended: set = field(default_factory=set)

    def take_request(self):
        with self.lock:
            self.requests += 1
            return self.requests <= SOAK_MAX_REQUESTS


class Client:
    """One client thread's view: its name, key, random stream and the server."""

    def __init__(self, *, name, key, role, seed, base, ledger, slots, vehicles):
        self.name, self.role, self.base, self.ledger = name, role, base, ledger
        self.auth = {"Authorization": f"Token {key}"}
        self.rng = random.Random(seed)
        self.slots, self.vehicles = slots, vehicles

    def request(self, what, path, method="GET", body=None, headers=None, errors=None):
        """Send; return ``(status, headers, json)`` on success, ``None`` on an expected error."""
        status, response_headers, raw = call(self.base, path, method, body, {**self.auth, **(headers or {})})
        payload = json.loads(raw) if raw else None
        if status < 400:
            return status, response_headers, payload
        expected = (errors or {}).get(status, set())
        is_problem = response_headers["Content-Type"] == PROBLEM_CONTENT_TYPE
        if not is_problem or payload.get("code") not in expected:
            with self.ledger.lock:
                self.ledger.failures.append(f"{what} {method} {path}: {status} {raw[:300]!r}")
        return None

    def booking_body(self, rng, reference=None):
        return {
            "vehicle_id": rng.choice(self.vehicles),
            "pickup_time": rng.choice(self.slots).isoformat(),
            "pax_count": rng.randint(1, 7),
            "passenger_name": f"Soak passenger {rng.randrange(10**6)}",
            "passenger_email": "soak@example.com",
            "pickup_location": "PMI Terminal A",
            "dropoff_location": "Hotel Sol, Palma",
            "client_reference": reference,
        }

    def remember_created(self, status, headers, body, key=None):
        with self.ledger.lock:
            if key is not None:
                self.ledger.keyed[(self.name, key)].add(body["id"])
                self.ledger.replays += headers.get("Idempotent-Replayed") == "true"
            if body["id"] in self.ledger.created:
                if self.ledger.created[body["id"]] != body:
                    self.ledger.failures.append(f"replay of {key!r} answered another body: {body}")
                return
            self.ledger.created[body["id"]] = body
            self.ledger.owners[body["id"]] = self.name
            self.ledger.known_status[body["id"]] = body["status"]

    # --- actions -----------------------------------------------------------------

    def book(self):
        reference = f"plain-{self.rng.randrange(200)}" if self.rng.random() < 0.5 else None
        answer = self.request("book", "/transfers", "POST", self.booking_body(self.rng, reference), errors=BOOKING_ERRORS)
        if answer:
            self.remember_created(*answer)

    def book_with_key(self):
        """A key from a small space; its body is derived from the key, so every sender sends the same."""
        key = f"{self.name}-key-{self.rng.randrange(KEYS_PER_CLIENT)}"
        body = self.booking_body(random.Random(key), reference=f"ref-{key}")
        answer = self.request("keyed book", "/transfers", "POST", body, {"Idempotency-Key": key}, BOOKING_ERRORS)
        if answer:
            self.remember_created(*answer, key=key)

    def reuse_key_with_another_body(self):
        with self.ledger.lock:
            used = [key for (name, key), ids in self.ledger.keyed.items() if name == self.name and ids]
        if not used:
            return
        key = self.rng.choice(used)
        body = {**self.booking_body(random.Random(key), reference=f"ref-{key}"), "passenger_name": "Someone else"}
        answer = self.request("key reuse", "/transfers", "POST", body, {"Idempotency-Key": key}, REUSE_ERRORS)
        if answer:
            with self.ledger.lock:
                self.ledger.failures.append(f"key {key!r} with another body answered {answer[0]}")

    def pick(self, status=None, own=False):
        with self.ledger.lock:
            ids = [
                i for i, s in self.ledger.known_status.items()
                if (status is None or s == status) and (not own or self.ledger.owners[i] == self.name)
            ]
        return self.rng.choice(ids) if ids else None

    def change(self, transfer_id, target, **extra):
        answer = self.request(
            f"change to {target}", f"/transfers/{transfer_id}/status", "PATCH",
            {"status": target, **extra}, errors=CHANGE_ERRORS,
        )
        if answer:
            with self.ledger.lock:
                self.ledger.changes[(transfer_id, target)] += 1
                self.ledger.known_status[transfer_id] = answer[2]["status"]

    def move(self):
        target = self.rng.choice(list(MOVES))
        transfer_id = self.pick(MOVES[target]) or self.pick()
        if transfer_id is not None:
            self.change(transfer_id, target, driver_name="Driver Soak", note="soak")

    def cancel(self):
        transfer_id = self.pick(own=self.role == "integrator")
        if transfer_id is not None:
            self.change(transfer_id, S.CANCELLED)

    def read(self):
        transfer_id = self.pick(own=self.role == "integrator")
        if transfer_id is not None:
            self.request("read", f"/transfers/{transfer_id}")
        slot = timezone.localtime(self.rng.choice(self.slots))
        self.request("availability", f"/availability?date={slot:%Y-%m-%d}&pickup_time={slot:%H:%M}&pax_count=2")

    def actions(self):
        if self.role == "integrator":
            return [(self.book, 2), (self.book_with_key, 4), (self.reuse_key_with_another_body, 0.5),
                    (self.cancel, 1), (self.read, 1)]
        return [(self.move, 6), (self.cancel, 1), (self.book_with_key, 1), (self.book, 0.5), (self.read, 0.5)]

    def run(self, deadline):
        actions, weights = zip(*self.actions())
        while time.monotonic() < deadline and self.ledger.take_request():
            action = self.rng.choices(actions, weights)[0]
            try:
                action()
            except Exception as exc:  # a dead socket or timeout: the server failed, keep count and go on
                with self.ledger.lock:
                    self.ledger.failures.append(f"{action.__name__}: {exc!r}")


def amend_until(deadline, *, seed, ledger, slots, vehicles, coordinator):
    """Move transfers between the few vehicles and times, straight through the service."""
    rng = random.Random(seed)
    try:
        while time.monotonic() < deadline:
            with ledger.lock:
                ids = list(ledger.created)
            if not ids:
                time.sleep(0.05)
                continue
            transfer_id = rng.choice(ids)
            changes = {"vehicle_id": rng.choice(vehicles), "pickup_time": rng.choice(slots)}
            try:
                amend_transfer(transfer=Transfer(pk=transfer_id), by=coordinator, **changes)
            except DomainError:  # busy, closed, too many passengers for that vehicle: refused, fine
                continue
            with ledger.lock:
                ledger.amended.add(transfer_id)
    except Exception as exc:
        with ledger.lock:
            ledger.failures.append(f"amend: {exc!r}")
    finally:
        connection.close()


@pytest.fixture
def slots():
    """Five pickup times, each within the 120-minute window of a neighbour: collisions are the norm."""
    base = (timezone.now() + dt.timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    return [base + dt.timedelta(minutes=m) for m in (0, 45, 90, 150, 200)]


def test_soak_many_clients_leave_a_consistent_database(static_root, make_user, slots):
    vehicles = [VehicleFactory(capacity=c).pk for c in (4, 7, 7)]
    clients = [("coordinator", create_api_client(name="soak-coordinator", role="coordinator"))]
    clients += [(f"agency-{n}", create_api_client(name=f"soak-agency-{n}", role="integrator")) for n in range(3)]
    coordinator_user = make_user("soak-amender")
    ledger = Ledger()

    env = production_env(static_root, database_url(), LOG_LEVEL="WARNING")
    with Gunicorn(env, workers=3, threads=4) as server:
        deadline = time.monotonic() + SOAK_SECONDS
        threads = []
        for n in range(CLIENT_THREADS):
            name, key = clients[n % len(clients)]
            role = "coordinator" if name == "coordinator" else "integrator"
            client = Client(name=name, key=key, role=role, seed=n, base=server.base, ledger=ledger,
                            slots=slots, vehicles=vehicles)
            threads.append(threading.Thread(target=client.run, args=(deadline,)))
        threads += [
            threading.Thread(target=amend_until, args=(deadline,), kwargs={
                "seed": 100 + n, "ledger": ledger, "slots": slots, "vehicles": vehicles, "coordinator": coordinator_user,
            })
            for n in range(AMENDING_THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(SOAK_SECONDS + 120)
        assert not any(thread.is_alive() for thread in threads)
        log = server.log()

    done = Counter(target for _, target in ledger.changes.elements())
    print(  # shown with -s, and on failure
        f"soak: {ledger.requests} requests in {SOAK_SECONDS:g} s, {len(ledger.created)} transfers, "
        f"{ledger.replays} replays, {len(ledger.amended)} amended, status changes {dict(done)}"
    )
    assert ledger.failures == [], ledger.failures[:20]
    assert "Traceback" not in log, log[-5000:]
    # The soak did what it says: bookings, replays and every kind of change happened.
    assert ledger.created and ledger.replays and ledger.amended, (len(ledger.created), ledger.replays)
    assert all(done[target] for target in (S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED, S.CANCELLED)), done

    assert find_violations() == []
    assert_database_holds_what_clients_saw(ledger)


def assert_database_holds_what_clients_saw(ledger):
    transfers = {t.pk: t for t in Transfer.objects.prefetch_related("status_history")}
    assert set(transfers) == set(ledger.created)
    for transfer_id, seen in ledger.created.items():
        stored = TransferSerializer(transfers[transfer_id]).data
        moved = {"vehicle_id", "pickup_time"} if transfer_id in ledger.amended else set()
        for name in set(seen) - {"status", "status_history", "driver_name", "updated_at"} - moved:
            assert stored[name] == seen[name], (transfer_id, name)

    created = Counter(TransferStatusHistory.objects.filter(from_status__isnull=True).values_list("transfer_id", flat=True))
    assert created == Counter(list(ledger.created))
    changes = Counter(
        TransferStatusHistory.objects.filter(from_status__isnull=False).values_list("transfer_id", "to_status")
    )
    assert changes == ledger.changes

    # One key, one transfer, however often and however concurrently it was sent.
    assert {key: ids for key, ids in ledger.keyed.items() if len(ids) != 1} == {}
