"""Demo data: a Mallorca DMC's fleet and its transfers, the same for the same seed.

Everything is laid out in Python from one ``random.Random(seed)`` and an
anchor taken from the local date (today's local midnight), so two runs on
one day write identical data. Rows are written in chunks of multi-row
INSERTs (``demo.bulk``) with ids reserved up front, so histories and notices
can point at their transfers without reading them back, and a million
transfers load in minutes in bounded memory.

Consistent by construction:
- every pickup lies in its own slot of ``window + JITTER`` on its vehicle's
  day, so no two pickups of one vehicle are within the conflict window;
- inactive vehicles only hold past or cancelled work;
- each transfer has its full history chain, with plausible times and actors;
- every transfer ever confirmed has its TRANSFER_CONFIRMED notice, SENT.
"""
import datetime as dt
import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from bookings.choices import TransferStatus
from bookings.models import Transfer, TransferStatusHistory
from bookings.roles import COORDINATORS, INTEGRATORS
from bookings.rules import conflict_window
from demo import catalogue
from demo.bulk import insert_rows
from dmc_transfers.errors import Conflict, Invalid
from dmc_transfers.localtime import local_zone
from fleet.choices import VehicleType
from fleet.models import Vehicle
from notifications.choices import NotificationChannel, NotificationKind, NotificationStatus
from notifications.models import Notification
from notifications.services import confirmation_content

S = TransferStatus
DEMO_COORDINATOR = "demo-coordinator"
DEMO_COORDINATOR_PASSWORD = "demo-pass-2026"
DEMO_INTEGRATOR = "demo-agency"

# (type, share of the fleet, seats from, seats to): a Mallorca DMC's mix.
FLEET_MIX = (
    (VehicleType.SEDAN, 0.40, 3, 3),
    (VehicleType.MINIVAN, 0.25, 6, 6),
    (VehicleType.VAN, 0.15, 8, 8),
    (VehicleType.MINIBUS, 0.12, 12, 19),
    (VehicleType.COACH, 0.08, 35, 55),
)
INACTIVE_SHARE = 0.02
PLATE_LETTERS = "BCDFGHJKLMNPRSTVWXYZ"  # Spanish plates: no vowels, no Ñ or Q

# Pickups fall between 05:00 and 23:00 local, in slots of window + JITTER;
# the night left over keeps the last pickup of a day a window away from the
# first of the next, even across a DST change.
FIRST_PICKUP = dt.time(5, 0)
PICKUP_SPAN = dt.timedelta(hours=18)
JITTER = dt.timedelta(minutes=60)
JITTER_STEP_MINUTES = 5
# With at most one slot a day, a slot longer than this (a 23-hour DST day)
# would bring two days' pickups within a window of each other.
MAX_SLOT = dt.timedelta(hours=23)

CHUNK = 5000  # transfers generated, written and committed together

VEHICLE_FIELDS = ("id", "plate", "vehicle_type", "capacity", "is_active", "created_at", "updated_at")
TRANSFER_FIELDS = (
    "id",
    "vehicle_id",
    "pickup_time",
    "pax_count",
    "passenger_name",
    "passenger_phone",
    "passenger_email",
    "flight_number",
    "pickup_location",
    "dropoff_location",
    "client_reference",
    "created_by_id",
    "status",
    "driver_name",
    "estimated_duration_minutes",
    "notes",
    "created_at",
    "updated_at",
)
HISTORY_FIELDS = ("transfer_id", "from_status", "to_status", "changed_at", "changed_by")
NOTIFICATION_FIELDS = (
    "transfer_id",
    "kind",
    "channel",
    "recipient",
    "subject",
    "message",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "updated_at",
)


@dataclass
class SeedSummary:
    vehicles: int = 0
    inactive_vehicles: int = 0
    transfers: int = 0
    statuses: Counter = field(default_factory=Counter)
    history_rows: int = 0
    notifications: int = 0


def ensure_demo_users():
    """The demo coordinator (admin login) and integrator (API client), created if missing."""
    users = get_user_model().objects
    coordinator = users.filter(username=DEMO_COORDINATOR).first()
    if coordinator is None:
        coordinator = users.create_user(DEMO_COORDINATOR, password=DEMO_COORDINATOR_PASSWORD, is_staff=True)
        coordinator.groups.add(Group.objects.get(name=COORDINATORS))
    integrator = users.filter(username=DEMO_INTEGRATOR).first()
    if integrator is None:
        integrator = users.create_user(DEMO_INTEGRATOR)  # no password: integrators use API keys
        integrator.groups.add(Group.objects.get(name=INTEGRATORS))
    return coordinator, integrator


def seed_demo(*, vehicles, transfers, days, seed, append=False, on_progress=None):
    """Write ``vehicles`` vehicles and ``transfers`` transfers over ``days`` days around today.

    Refuses (``Conflict``, code ``database_not_empty``) when transfers exist,
    unless ``append``: then a new fleet is added with its own transfers.
    """
    existing = Transfer.objects.count()
    if existing and not append:
        raise Conflict(
            f"The database already holds {existing} transfers; nothing was seeded.", code="database_not_empty"
        )
    plan = _Plan(vehicles=vehicles, days=days)
    if transfers > plan.capacity:
        raise Invalid.field(
            "transfers",
            f"{transfers} transfers do not fit: {vehicles} vehicles over {days} days hold at most "
            f"{plan.capacity} pickups a conflict window apart. Add vehicles or days.",
        )
    rng = random.Random(seed)
    coordinator, integrator = ensure_demo_users()
    summary = SeedSummary()
    with transaction.atomic():
        fleet = _write_fleet(rng, vehicles, plan.first_day, summary)
    writer = _TransferWriter(rng, plan, fleet, coordinator, integrator, summary)
    slots = sorted(rng.sample(range(plan.capacity), transfers))
    for start in range(0, len(slots), CHUNK):
        chunk = slots[start : start + CHUNK]
        with transaction.atomic():
            writer.write(chunk)
        if on_progress is not None:
            on_progress(len(chunk))
    return summary


def _next_id(model):
    """The first id of a block this load writes explicitly (the table grows past it)."""
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


class _Plan:
    """The days and pickup slots of the load, anchored at today's local midnight."""

    def __init__(self, *, vehicles, days):
        self.tz = local_zone()
        today = timezone.localdate()
        self.anchor = dt.datetime.combine(today, dt.time.min, tzinfo=self.tz)
        self.first_day = today - dt.timedelta(days=days // 2)
        self.vehicles = vehicles
        self.slot = conflict_window() + JITTER
        self.slots_per_day = max(1, PICKUP_SPAN // self.slot)
        if self.slot > MAX_SLOT:
            raise Invalid.field(
                "TRANSFER_CONFLICT_WINDOW_MINUTES", "Demo data needs a conflict window of at most 22 hours."
            )
        self.capacity = vehicles * days * self.slots_per_day

    def locate(self, index):
        """Slot ``index`` -> (vehicle position, day number, start of the slot in UTC)."""
        day_slot, vehicle = divmod(index, self.vehicles)
        day, slot = divmod(day_slot, self.slots_per_day)
        date = self.first_day + dt.timedelta(days=day)
        # In UTC, so the slots are evenly spaced in real time, not wall-clock time.
        day_start = dt.datetime.combine(date, FIRST_PICKUP, tzinfo=self.tz).astimezone(dt.UTC)
        return vehicle, day, day_start + slot * self.slot


def _values(instance, fields):
    return tuple(getattr(instance, name) for name in fields)


def _apportion(total, shares):
    """Split ``total`` by ``shares`` into whole numbers that add up (largest remainder)."""
    exact = [total * share for share in shares]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _write_fleet(rng, count, first_day, summary):
    taken = set(Vehicle.objects.values_list("plate", flat=True))
    kinds = [kind for kind, n in zip(FLEET_MIX, _apportion(count, [k[1] for k in FLEET_MIX])) for _ in range(n)]
    rng.shuffle(kinds)
    inactive = set(rng.sample(range(count), round(count * INACTIVE_SHARE)))
    first_id = _next_id(Vehicle)
    fleet = []
    for position, (vehicle_type, _, seats_from, seats_to) in enumerate(kinds):
        plate = _plate(rng, taken)
        registered = dt.datetime.combine(first_day, dt.time(9), tzinfo=dt.UTC) - dt.timedelta(
            days=rng.randint(30, 900)
        )
        fleet.append(
            Vehicle(
                id=first_id + position,
                plate=plate,
                vehicle_type=vehicle_type,
                capacity=rng.randint(seats_from, seats_to),
                is_active=position not in inactive,
                created_at=registered,
                updated_at=registered,
            )
        )
    insert_rows(Vehicle, VEHICLE_FIELDS, [_values(v, VEHICLE_FIELDS) for v in fleet])
    summary.vehicles = len(fleet)
    summary.inactive_vehicles = len(inactive)
    return fleet


def _plate(rng, taken):
    while True:
        plate = f"{rng.randint(0, 9999):04d}-{''.join(rng.choices(PLATE_LETTERS, k=3))}"
        if plate not in taken:
            taken.add(plate)
            return plate


def _ascii(text):
    """``müller`` -> ``muller``: e-mail local parts the validator accepts."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _between(rng, start, end):
    """A moment in ``[start, end]``, to the second."""
    seconds = max(0, int((end - start).total_seconds()))
    return start + dt.timedelta(seconds=rng.randint(0, seconds))


class _TransferWriter:
    """Turns slot indices into transfers, their histories and notices, and writes them."""

    def __init__(self, rng, plan, fleet, coordinator, integrator, summary):
        self.rng, self.plan, self.fleet, self.summary = rng, plan, fleet, summary
        self.coordinator, self.integrator = coordinator, integrator
        self.jitter_steps = int(JITTER.total_seconds() // 60) // JITTER_STEP_MINUTES

    def write(self, slots):
        first_id = _next_id(Transfer)
        transfers, history, notices = [], [], []
        for offset, index in enumerate(slots):
            transfer, steps = self._transfer(first_id + offset, index)
            transfers.append(_values(transfer, TRANSFER_FIELDS))
            previous = None
            for to_status, at, by in steps:
                history.append((transfer.id, previous, to_status, at, by))
                previous = to_status
            confirmed_at = next((at for to_status, at, _ in steps if to_status == S.CONFIRMED), None)
            if confirmed_at is not None:
                notices.append(self._notice(transfer, confirmed_at))
            self.summary.statuses[transfer.status] += 1
        insert_rows(Transfer, TRANSFER_FIELDS, transfers)
        insert_rows(TransferStatusHistory, HISTORY_FIELDS, history)
        insert_rows(Notification, NOTIFICATION_FIELDS, notices)
        self.summary.transfers += len(transfers)
        self.summary.history_rows += len(history)
        self.summary.notifications += len(notices)

    def _transfer(self, transfer_id, index):
        rng = self.rng
        position, day, slot_start = self.plan.locate(index)
        vehicle = self.fleet[position]
        pickup = slot_start + dt.timedelta(minutes=JITTER_STEP_MINUTES * rng.randrange(self.jitter_steps))
        by_agency = rng.random() < 0.85
        creator = self.integrator if by_agency else self.coordinator
        given, family, email, phone = self._passenger()
        pickup_location, dropoff_location, flight, minutes = self._route()
        steps = self._lifecycle(pickup, minutes, vehicle, creator)
        status = steps[-1][0]
        driver = None
        if status in (S.COMPLETED, S.IN_PROGRESS) or (status == S.CONFIRMED and rng.random() < 0.5):
            driver = catalogue.DRIVERS[(position + day) % len(catalogue.DRIVERS)]
        # What a Transfer holds, without building one: a million model
        # instances were a tenth of the load's time.
        transfer = SimpleNamespace(
            id=transfer_id,
            vehicle=vehicle,
            vehicle_id=vehicle.id,
            pickup_time=pickup,
            pax_count=rng.randint(max(1, vehicle.capacity // 3), vehicle.capacity),
            passenger_name=f"{given} {family}",
            passenger_phone=phone,
            passenger_email=email,
            flight_number=flight,
            pickup_location=pickup_location,
            dropoff_location=dropoff_location,
            client_reference=f"DA-{transfer_id:08d}" if by_agency else None,
            created_by_id=creator.id,
            estimated_duration_minutes=minutes,
            notes=rng.choice(catalogue.NOTES) if rng.random() < 0.1 else None,
            status=status,
            driver_name=driver,
            created_at=steps[0][1],
            updated_at=steps[-1][1],
        )
        return transfer, steps

    def _passenger(self):
        rng = self.rng
        given_names, family_names, country, mobiles, digits = rng.choices(
            catalogue.TRAVELLERS, weights=catalogue.TRAVELLER_WEIGHTS
        )[0]
        given, family = rng.choice(given_names), rng.choice(family_names)
        email = None
        if rng.random() < 0.8:
            local_part = _ascii(f"{given}.{family}".lower().replace(" ", ""))
            email = f"{local_part}{rng.randint(1, 99)}@{rng.choice(catalogue.EMAIL_DOMAINS)}"
        phone = None
        if rng.random() < 0.85:
            phone = f"{country} {rng.choice(mobiles)}{rng.randrange(10**digits):0{digits}d}"
        return given, family, email, phone

    def _route(self):
        """(from, to, flight, minutes): arrivals, departures and some excursions."""
        rng = self.rng
        kind = rng.random()
        if kind < 0.9:
            hotel, minutes = rng.choice(catalogue.HOTELS)
            flight = f"{rng.choice(catalogue.AIRLINES)}{rng.randint(100, 9999)}"
            if kind < 0.5:
                return rng.choice(catalogue.AIRPORT_ARRIVALS), hotel, flight, minutes
            return hotel, catalogue.AIRPORT_DEPARTURES, flight, minutes
        hotel, _ = rng.choice(catalogue.HOTELS)
        sight, minutes = rng.choice(catalogue.EXCURSIONS)
        return hotel, sight, None, minutes

    def _lifecycle(self, pickup, minutes, vehicle, creator):
        """``[(status, when, by), ...]`` from booking to the current status, in time order."""
        rng, anchor = self.rng, self.plan.anchor
        creator_name, staff = creator.get_username(), self.coordinator.get_username()
        booked = pickup - dt.timedelta(minutes=120 + int(rng.expovariate(1 / (14 * 24 * 60))))
        if booked >= anchor:  # a future pickup was booked before today
            booked = anchor - dt.timedelta(minutes=rng.randint(10, 14 * 24 * 60))
        booked = booked.replace(microsecond=0)
        steps = [(S.PENDING, booked, creator_name)]
        # Decisions are taken before pickup, and for future work before today.
        decided_by = min(pickup - dt.timedelta(minutes=30), anchor)
        past = pickup < anchor
        roll = rng.random()
        if not vehicle.is_active and not past:
            cancelled = _between(rng, booked, decided_by)
            return [*steps, (S.CANCELLED, cancelled, staff)]
        confirms = roll < (0.96 if past else 0.6)
        if not confirms:
            if past or roll < 0.66:  # cancelled while still pending
                return [*steps, (S.CANCELLED, _between(rng, booked, decided_by), rng.choice((creator_name, staff)))]
            return steps
        confirmed = booked + (decided_by - booked) * rng.uniform(0.05, 0.5)
        confirmed = confirmed.replace(microsecond=0)
        steps.append((S.CONFIRMED, confirmed, staff))
        if rng.random() < (0.06 if past else 0.05):  # called off after confirmation
            return [*steps, (S.CANCELLED, _between(rng, confirmed, decided_by), rng.choice((creator_name, staff)))]
        if not past:
            return steps
        started = pickup - dt.timedelta(minutes=rng.randint(0, 20))
        finished = pickup + dt.timedelta(minutes=minutes + rng.randint(-5, 25))
        return [*steps, (S.IN_PROGRESS, started, staff), (S.COMPLETED, finished, staff)]

    def _notice(self, transfer, confirmed_at):
        """The TRANSFER_CONFIRMED notice, written on confirmation and sent within a minute or so."""
        written = confirmed_at + dt.timedelta(seconds=self.rng.randint(1, 5))
        sent = written + dt.timedelta(seconds=self.rng.randint(5, 90))
        content = confirmation_content(transfer)
        return (
            transfer.id,
            NotificationKind.TRANSFER_CONFIRMED,
            NotificationChannel.EMAIL,
            content["recipient"],
            content["subject"],
            content["message"],
            NotificationStatus.SENT,
            1,
            written,
            written,
            sent,
        )
