"""The vehicle admin: registration through create_vehicle, (de)activation through set_vehicle_active."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.choices import TransferStatus as S
from bookings.tests.factories import TransferFactory
from fleet.models import Vehicle
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

CHANGELIST = reverse("admin:fleet_vehicle_changelist")
ADD = reverse("admin:fleet_vehicle_add")


def change_url(vehicle):
    return reverse("admin:fleet_vehicle_change", args=[vehicle.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def soon(hours=24):
    return timezone.now().replace(microsecond=0) + dt.timedelta(hours=hours)


def test_changelist_lists_filters_and_searches(back_office):
    VehicleFactory(plate="AB-123", vehicle_type="SEDAN", capacity=3)
    VehicleFactory(plate="ZZ-999", vehicle_type="COACH", capacity=50, is_active=False)
    response = back_office.get(f"{CHANGELIST}?q=ab-1")
    assert [v.plate for v in response.context["cl"].result_list] == ["AB-123"]
    response = back_office.get(f"{CHANGELIST}?is_active__exact=0&vehicle_type__exact=COACH")
    assert [v.plate for v in response.context["cl"].result_list] == ["ZZ-999"]
    actions = [value for value, _ in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions


def test_changelist_renders_in_constant_queries(back_office, constant_queries):
    VehicleFactory()
    constant_queries(lambda: back_office.get(CHANGELIST), lambda: VehicleFactory.create_batch(30))


def test_change_page_renders_in_constant_queries(back_office, constant_queries):
    vehicle = VehicleFactory()
    constant_queries(
        lambda: back_office.get(change_url(vehicle)),
        lambda: [TransferFactory(vehicle=vehicle, pickup_time=soon(n)) for n in range(1, 10)],
    )


def test_add_registers_through_create_vehicle(back_office):
    data = {"plate": " ab-12 ", "vehicle_type": "VAN", "capacity": 7, "is_active": "on"}
    response = back_office.post(ADD, data)
    assert response.status_code == 302
    vehicle = Vehicle.objects.get()
    assert (vehicle.plate, vehicle.vehicle_type, vehicle.capacity, vehicle.is_active) == ("AB-12", "VAN", 7, True)


def test_add_with_a_duplicate_plate_is_a_form_error(back_office):
    VehicleFactory(plate="AB-12")
    response = back_office.post(ADD, {"plate": "ab-12", "vehicle_type": "VAN", "capacity": 7})
    assert response.status_code == 200
    assert "A vehicle with plate AB-12 already exists." in str(response.context["adminform"].form.non_field_errors())
    assert Vehicle.objects.count() == 1


def test_add_with_a_bad_capacity_marks_the_field(back_office):
    response = back_office.post(ADD, {"plate": "AB-12", "vehicle_type": "VAN", "capacity": 0})
    assert "capacity" in response.context["adminform"].form.errors
    assert not Vehicle.objects.exists()


def test_change_form_only_toggles_active(back_office):
    vehicle = VehicleFactory(plate="AB-12", capacity=7)
    response = back_office.get(change_url(vehicle))
    assert list(response.context["adminform"].form.fields) == ["is_active"]
    response = back_office.post(change_url(vehicle), {"plate": "HACKED", "capacity": 1})
    assert response.status_code == 302
    vehicle.refresh_from_db()
    assert (vehicle.plate, vehicle.capacity, vehicle.is_active) == ("AB-12", 7, False)


def test_deactivating_a_busy_vehicle_in_the_form_is_refused(back_office):
    vehicle = VehicleFactory(plate="AB-12")
    transfer = TransferFactory(vehicle=vehicle, pickup_time=soon(), status=S.CONFIRMED)
    response = back_office.post(change_url(vehicle), {})
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.non_field_errors())
    assert "Vehicle AB-12 has 1 confirmed or in-progress transfer(s) ahead" in errors
    assert f"#{transfer.pk} (CONFIRMED" in errors
    vehicle.refresh_from_db()
    assert vehicle.is_active


def test_bulk_deactivate_reports_each_vehicle(back_office):
    free = VehicleFactory(plate="FREE-1")
    busy = VehicleFactory(plate="BUSY-1")
    transfer = TransferFactory(vehicle=busy, pickup_time=soon(), status=S.CONFIRMED)
    response = back_office.post(
        CHANGELIST, {"action": "deactivate_selected", "_selected_action": [free.pk, busy.pk]}, follow=True
    )
    shown = messages_of(response)
    assert "Deactivated 1 vehicle(s): FREE-1." in shown
    [refusal] = [m for m in shown if "BUSY-1" in m]
    assert f"#{transfer.pk} (CONFIRMED" in refusal and "Move or cancel them first." in refusal
    free.refresh_from_db()
    busy.refresh_from_db()
    assert (free.is_active, busy.is_active) == (False, True)


def test_bulk_activate(back_office):
    vehicles = VehicleFactory.create_batch(2, is_active=False)
    response = back_office.post(
        CHANGELIST, {"action": "activate_selected", "_selected_action": [v.pk for v in vehicles]}, follow=True
    )
    assert any(m.startswith("Activated 2 vehicle(s)") for m in messages_of(response))
    assert Vehicle.objects.filter(is_active=True).count() == 2


def test_vehicles_cannot_be_deleted(back_office):
    vehicle = VehicleFactory()
    response = back_office.post(reverse("admin:fleet_vehicle_delete", args=[vehicle.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Vehicle.objects.filter(pk=vehicle.pk).exists()


def test_vehicle_autocomplete_for_the_transfer_form(back_office):
    VehicleFactory(plate="AB-12")
    VehicleFactory(plate="CD-34")
    response = back_office.get(
        reverse("admin:autocomplete"),
        {"term": "ab", "app_label": "bookings", "model_name": "transfer", "field_name": "vehicle"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["AB-12 (Van, 7 seats)"]
