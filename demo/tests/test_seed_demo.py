"""seed_demo: reproducible, realistic and consistent demo data."""
import io
from collections import Counter, defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from bookings.choices import BUSY_STATUSES
from bookings.choices import TransferStatus as S
from bookings.models import Transfer, TransferStatusHistory
from bookings.rules import conflict_window
from demo.seeding import DEMO_COORDINATOR, DEMO_COORDINATOR_PASSWORD, DEMO_INTEGRATOR
from fleet.models import Vehicle
from notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def wipe():
    for model in (Notification, TransferStatusHistory, Transfer, Vehicle):
        model.objects.all().delete()


def canonical_dump():
    """Everything seeded, in a stable order, without ids or load times."""
    key = ("transfer__pickup_time", "transfer__vehicle__plate")
    return (
        list(Vehicle.objects.order_by("plate").values_list("plate", "vehicle_type", "capacity", "is_active")),
        list(
            Transfer.objects.order_by("pickup_time", "vehicle__plate").values_list(
                "vehicle__plate", "pickup_time", "pax_count", "passenger_name", "passenger_phone",
                "passenger_email", "flight_number", "pickup_location", "dropoff_location", "client_reference",
                "created_by__username", "status", "driver_name", "estimated_duration_minutes", "notes",
                "updated_at",
            )
        ),
        list(
            TransferStatusHistory.objects.order_by(*key, "changed_at", "id").values_list(
                *key, "from_status", "to_status", "changed_at", "changed_by"
            )
        ),
        list(Notification.objects.order_by(*key).values_list(*key, "recipient", "subject", "message", "status")),
    )


def test_same_seed_same_data_other_seed_other_data():
    args = ("--vehicles", "12", "--transfers", "150", "--days", "10")
    seed(*args, "--seed", "42")
    first = canonical_dump()
    wipe()
    seed(*args, "--seed", "42")
    assert canonical_dump() == first
    wipe()
    seed(*args, "--seed", "43")
    assert canonical_dump() != first
    assert [len(part) for part in first[:2]] == [12, 150]


@pytest.fixture
def seeded(settings):
    # A year and more in Madrid: both DST changes fall inside the load.
    settings.TIME_ZONE = "Europe/Madrid"
    out = seed("--vehicles", "6", "--transfers", "1500", "--days", "400", "--seed", "7")
    return out


def test_reports_what_it_wrote(seeded):
    counts = Counter(Transfer.objects.values_list("status", flat=True))
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    history, notices = TransferStatusHistory.objects.count(), Notification.objects.count()
    assert seeded.startswith(
        f"Seeded 6 vehicles (0 inactive) and 1500 transfers ({statuses}) "
        f"with {history} status changes and {notices} sent notifications in "
    )


def test_every_history_chains_from_booking_to_the_current_status(seeded):
    chains = defaultdict(list)
    for row in TransferStatusHistory.objects.order_by("changed_at", "id").values(
        "transfer_id", "from_status", "to_status", "changed_at", "changed_by"
    ):
        chains[row["transfer_id"]].append(row)
    transfers = Transfer.objects.select_related("created_by")
    assert len(chains) == transfers.count() == 1500
    for transfer in transfers:
        chain = chains[transfer.pk]
        assert [step["from_status"] for step in chain] == [None] + [step["to_status"] for step in chain[:-1]]
        assert chain[0]["to_status"] == S.PENDING and chain[-1]["to_status"] == transfer.status
        assert chain[0]["changed_by"] == transfer.created_by.username
        assert chain[0]["changed_at"] == transfer.created_at < transfer.pickup_time
        assert chain[-1]["changed_at"] == transfer.updated_at
        for step in chain[1:]:
            if step["to_status"] in (S.CONFIRMED, S.IN_PROGRESS, S.COMPLETED):
                assert step["changed_by"] == DEMO_COORDINATOR


def test_every_ever_confirmed_transfer_has_exactly_one_sent_notice(seeded):
    ever_confirmed = set(
        TransferStatusHistory.objects.filter(to_status=S.CONFIRMED).values_list("transfer_id", flat=True)
    )
    notices = Counter(Notification.objects.values_list("transfer_id", flat=True))
    assert ever_confirmed and set(notices) == ever_confirmed
    assert set(notices.values()) == {1}
    assert set(Notification.objects.values_list("status", flat=True)) == {"SENT"}
    notice = Notification.objects.select_related("transfer").first()
    assert notice.transfer.passenger_name in notice.message
    assert notice.created_at >= notice.transfer.status_history.get(to_status=S.CONFIRMED).changed_at


def test_no_two_busy_transfers_of_a_vehicle_within_the_window(seeded):
    busy = defaultdict(list)
    for vehicle_id, pickup in Transfer.objects.filter(status__in=BUSY_STATUSES).values_list(
        "vehicle_id", "pickup_time"
    ):
        busy[vehicle_id].append(pickup)
    assert busy
    for pickups in busy.values():
        pickups.sort()
        assert all(later - earlier >= conflict_window() for earlier, later in zip(pickups, pickups[1:]))


def test_past_work_is_done_and_future_work_is_open(seeded):
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    past = Counter(Transfer.objects.filter(pickup_time__lt=today).values_list("status", flat=True))
    future = Counter(Transfer.objects.filter(pickup_time__gte=today).values_list("status", flat=True))
    assert set(past) == {S.COMPLETED, S.CANCELLED} and past[S.COMPLETED] > 5 * past[S.CANCELLED]
    assert set(future) == {S.PENDING, S.CONFIRMED, S.CANCELLED}
    assert future[S.CANCELLED] < future[S.PENDING] < future[S.CONFIRMED]


def test_rows_pass_the_models_own_validation(seeded):
    for transfer in Transfer.objects.select_related("vehicle"):
        transfer.full_clean(
            exclude=["vehicle", "created_by", "status"], validate_unique=False, validate_constraints=False
        )
        assert transfer.pax_count <= transfer.vehicle.capacity
        if transfer.status in (S.IN_PROGRESS, S.COMPLETED):
            assert transfer.driver_name


def test_fleet_mix_inactive_vehicles_and_demo_users(settings):
    seed("--vehicles", "100", "--transfers", "3000", "--days", "30", "--seed", "3")
    fleet = Vehicle.objects.all()
    mix = Counter(fleet.values_list("vehicle_type", flat=True))
    assert mix == {"SEDAN": 40, "MINIVAN": 25, "VAN": 15, "MINIBUS": 12, "COACH": 8}
    seats = {kind: {v.capacity for v in fleet if v.vehicle_type == kind} for kind in mix}
    assert seats["SEDAN"] == {3} and seats["MINIVAN"] == {6} and seats["VAN"] == {8}
    assert seats["MINIBUS"] <= set(range(12, 20)) and seats["COACH"] <= set(range(35, 56))
    inactive = fleet.filter(is_active=False)
    assert inactive.count() == 2
    assert not Transfer.objects.filter(
        vehicle__in=inactive, status__in=BUSY_STATUSES, pickup_time__gte=timezone.now()
    ).exists()

    users = get_user_model().objects
    coordinator = users.get(username=DEMO_COORDINATOR)
    assert coordinator.is_staff and coordinator.check_password(DEMO_COORDINATOR_PASSWORD)
    assert list(coordinator.groups.values_list("name", flat=True)) == ["coordinators"]
    agency = users.get(username=DEMO_INTEGRATOR)
    assert list(agency.groups.values_list("name", flat=True)) == ["integrators"]
    creators = Counter(Transfer.objects.values_list("created_by__username", flat=True))
    assert creators[DEMO_INTEGRATOR] > 3 * creators[DEMO_COORDINATOR] > 0
    assert not Transfer.objects.filter(created_by=agency, client_reference=None).exists()


def test_refuses_a_database_with_transfers_unless_told(settings):
    seed("--vehicles", "5", "--transfers", "20", "--days", "5")
    with pytest.raises(CommandError, match="already holds 20 transfers; nothing was seeded. Use --append"):
        seed("--vehicles", "5", "--transfers", "20", "--days", "5")
    assert seed("--if-empty") == "The database already holds 20 transfers; nothing was seeded.\n"
    assert Transfer.objects.count() == 20

    seed("--vehicles", "5", "--transfers", "30", "--days", "5", "--append")
    assert (Vehicle.objects.count(), Transfer.objects.count()) == (10, 50)
    assert Notification.objects.count() == TransferStatusHistory.objects.filter(to_status=S.CONFIRMED).count()


def test_if_empty_seeds_an_empty_database():
    assert seed("--if-empty", "--vehicles", "3", "--transfers", "10", "--days", "3").startswith("Seeded 3 vehicles")


def test_more_transfers_than_the_fleet_can_carry_is_refused():
    with pytest.raises(CommandError, match="1000 transfers do not fit: 2 vehicles over 3 days hold at most 36 "):
        seed("--vehicles", "2", "--transfers", "1000", "--days", "3")
    assert not Vehicle.objects.exists()


@pytest.mark.parametrize("args", [("--vehicles", "0"), ("--days", "x"), ("--if-empty", "--append")])
def test_bad_arguments_are_refused(args):
    with pytest.raises(CommandError):
        seed(*args)


def test_seeded_data_passes_the_invariant_checker(seeded):
    from dmc_transfers.integrity import find_violations

    assert find_violations() == []
    call_command("check_integrity", stdout=io.StringIO(), stderr=io.StringIO())
