"""import_vehicles: all rows checked first, all or nothing, deactivations by the bookings rule."""
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fleet.models import Vehicle
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

HEADER = "plate,vehicle_type,capacity,is_active\n"


@pytest.fixture
def csv_file(tmp_path):
    def write(body, header=HEADER):
        path = tmp_path / "fleet.csv"
        path.write_text(header + body, encoding="utf-8")
        return str(path)

    return write


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_vehicles", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_creates_updates_and_counts_unchanged(csv_file):
    VehicleFactory(plate="1111-AAA", vehicle_type="VAN", capacity=8)
    VehicleFactory(plate="2222-BBB", vehicle_type="SEDAN", capacity=3)
    path = csv_file(" 1111-aaa ,VAN,8,true\n2222-BBB,minivan,6,yes\n3333-CCC,COACH,55,0\n")

    out, _ = run(path)

    assert out.strip() == "1 created, 1 updated, 1 unchanged."
    assert Vehicle.objects.count() == 3
    assert Vehicle.objects.filter(plate="2222-BBB", vehicle_type="MINIVAN", capacity=6).exists()
    assert Vehicle.objects.get(plate="3333-CCC").is_active is False


def test_a_bad_row_writes_nothing_and_names_every_bad_line(csv_file):
    path = csv_file(
        "4444-DDD,VAN,8,true\n"
        "5555-EEE,TRUCK,8,true\n"  # line 3
        "6666-FFF,VAN,0,true\n"  # line 4
        "7777-GGG,VAN,8,maybe\n"  # line 5
        "4444-ddd,SEDAN,3,true\n"  # line 6: same plate as line 2
        "8888-HHH,VAN,8\n"  # line 7
    )

    with pytest.raises(CommandError, match=r"5 bad row\(s\) in .*fleet.csv; nothing was imported"):
        run(path)

    assert not Vehicle.objects.exists()


def test_each_bad_line_is_reported_on_stderr(csv_file):
    path = csv_file("4444-DDD,VAN,8,true\n5555-EEE,TRUCK,8,true\n6666-FFF,VAN,100,no\n4444-DDD,VAN,8,true\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_vehicles", path, stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("line 3: vehicle_type:") and "TRUCK" in lines[0]
    assert lines[1].startswith("line 4: capacity:") and "99" in lines[1]
    assert lines[2] == "line 5: plate 4444-DDD already appears on line 2."


def test_dry_run_counts_but_writes_nothing(csv_file):
    VehicleFactory(plate="1111-AAA", vehicle_type="VAN", capacity=8)
    path = csv_file("1111-AAA,VAN,9,true\n9999-ZZZ,SEDAN,3,true\n")

    out, _ = run(path, "--dry-run")

    assert out.strip() == "Dry run, nothing written: would be 1 created, 1 updated, 0 unchanged."
    assert list(Vehicle.objects.values_list("plate", "capacity")) == [("1111-AAA", 8)]


def test_deactivation_refused_for_a_vehicle_with_confirmed_work_ahead(csv_file, confirmed):
    busy = VehicleFactory(plate="1111-AAA")
    idle = VehicleFactory(plate="2222-BBB")
    confirmed(timezone.now() + dt.timedelta(days=2), vehicle=busy)
    path = csv_file("2222-BBB,VAN,7,false\n1111-AAA,VAN,7,false\n")
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import_vehicles", path, stdout=io.StringIO(), stderr=err)

    assert err.getvalue().startswith("line 3: Vehicle 1111-AAA has 1 confirmed or in-progress transfer(s) ahead")
    busy.refresh_from_db()
    idle.refresh_from_db()
    assert busy.is_active and idle.is_active  # the valid deactivation was rolled back too


def test_reactivating_and_deactivating_idle_vehicles(csv_file):
    VehicleFactory(plate="1111-AAA", is_active=False)
    VehicleFactory(plate="2222-BBB", is_active=True)
    out, _ = run(csv_file("1111-AAA,VAN,7,true\n2222-BBB,VAN,7,false\n"))
    assert out.strip() == "0 created, 2 updated, 0 unchanged."
    assert dict(Vehicle.objects.values_list("plate", "is_active")) == {"1111-AAA": True, "2222-BBB": False}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("plate,type,capacity,is_active\n", "header: expected plate,vehicle_type,capacity,is_active, got plate,type"),
        ("", "got an empty file"),
    ],
)
def test_bad_header_is_one_line(csv_file, header, message):
    with pytest.raises(CommandError, match=message) as excinfo:
        run(csv_file("", header=header))
    assert "\n" not in str(excinfo.value)


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*nope.csv: No such file or directory."):
        run(str(tmp_path / "nope.csv"))
