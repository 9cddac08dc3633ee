"""The transfer admin: every page, action and button goes through the services."""
import datetime as dt
from functools import partial

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from bookings.choices import TransferStatus as S
from bookings.models import Transfer
from bookings.tests.factories import TransferFactory, TransferStatusHistoryFactory
from bookings.tests.threads import while_vehicle_is_held
from dmc_transfers.localtime import to_local
from fleet.tests.factories import VehicleFactory
from notifications.models import Notification
from notifications.tests.factories import NotificationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

CHANGELIST = reverse("admin:bookings_transfer_changelist")
ADD = reverse("admin:bookings_transfer_add")


def change_url(transfer):
    return reverse("admin:bookings_transfer_change", args=[transfer.pk])


def transition_url(transfer):
    return reverse("admin:bookings_transfer_transition", args=[transfer.pk])


def history(transfer):
    return list(transfer.status_history.values_list("from_status", "to_status", "changed_by"))


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def put_field(data, name, value):
    """Set ``name`` as the admin's widgets post it: a datetime as local date and time."""
    if isinstance(value, dt.datetime):
        local = to_local(value) if value.tzinfo else value
        data[f"{name}_0"], data[f"{name}_1"] = local.date().isoformat(), local.strftime("%H:%M:%S")
    else:
        data[name] = "" if value is None else value


def change_form_data(response, **changes):
    """The POST a browser would send for the change form as rendered, with ``changes``."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        put_field(data, name, form[name].value())
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    for name, value in changes.items():
        put_field(data, name, value)
    return data


# --- Changelist -------------------------------------------------------------------------


def test_changelist_shows_local_pickup_badge_and_driver(back_office, settings, at):
    settings.TIME_ZONE = "Europe/Madrid"
    transfer = TransferFactory(
        pickup_time=at(), status=S.CONFIRMED, passenger_name="Ada Lovelace", flight_number="IB3456", driver_name="Marta"
    )
    response = back_office.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{to_local(transfer.pickup_time):%a %d %b %Y %H:%M}" in html
    assert '<span class="status-badge status-CONFIRMED">Confirmed</span>' in html
    for text in ("Ada Lovelace", "IB3456", "Marta", transfer.vehicle.plate):
        assert text in html
    assert reverse("admin:bookings_dispatch") in html


def test_changelist_offers_no_delete_action(back_office):
    response = back_office.get(CHANGELIST)
    actions = [value for value, _ in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert {"confirm_selected", "cancel_selected"} <= set(actions)


@pytest.mark.parametrize(
    "query,expected",
    [
        ("q=lovelace", {"ada"}),
        ("q=IB3456", {"ada"}),
        ("q=REF-9", {"grace"}),
        ("q=PLATE-7", {"grace"}),
        ("status__exact=CONFIRMED", {"grace"}),
        ("vehicle__vehicle_type__exact=COACH", {"grace"}),
        ("pickup_day=today", set()),
    ],
)
def test_changelist_search_and_filters(back_office, at, query, expected):
    coach = VehicleFactory(plate="PLATE-7", vehicle_type="COACH", capacity=50)
    TransferFactory(pickup_time=at(), passenger_name="Ada Lovelace", flight_number="IB3456")
    TransferFactory(
        pickup_time=at(days=1), vehicle=coach, passenger_name="Grace Hopper", client_reference="REF-9",
        status=S.CONFIRMED,
    )
    response = back_office.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    shown = {t.passenger_name.split()[0].lower() for t in response.context["cl"].result_list}
    assert shown == expected


def test_changelist_vehicle_filter_and_date_hierarchy(back_office, at):
    transfer = TransferFactory(pickup_time=at())
    TransferFactory(pickup_time=at(days=3))
    day = to_local(transfer.pickup_time)
    response = back_office.get(
        f"{CHANGELIST}?vehicle__id__exact={transfer.vehicle_id}"
        f"&pickup_time__year={day.year}&pickup_time__month={day.month}&pickup_time__day={day.day}"
    )
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [transfer]


def test_tomorrow_filter_uses_the_local_day(back_office, settings):
    settings.TIME_ZONE = "Pacific/Auckland"
    from django.utils import timezone

    from dmc_transfers.localtime import day_bounds

    start, _ = day_bounds(timezone.localdate() + dt.timedelta(days=1))
    tomorrow = TransferFactory(pickup_time=start + dt.timedelta(minutes=30))
    TransferFactory(pickup_time=start - dt.timedelta(minutes=30))  # late tonight
    response = back_office.get(f"{CHANGELIST}?pickup_day=tomorrow")
    assert list(response.context["cl"].result_list) == [tomorrow]


def test_changelist_renders_in_constant_queries(back_office, constant_queries, at):
    TransferFactory(pickup_time=at())
    constant_queries(
        lambda: back_office.get(CHANGELIST),
        lambda: [TransferFactory(pickup_time=at(minutes=10 * n)) for n in range(1, 30)],
    )


# --- Adding: book_transfer with the coordinator as creator ---------------------------------------


def add_data(vehicle, pickup_time, **extra):
    data = {
        "vehicle": vehicle.pk,
        "pax_count": 3,
        "passenger_name": " Ada Lovelace ",
        "pickup_location": "PMI Terminal A",
        "dropoff_location": "Hotel Sol, Palma",
        "flight_number": "ib 3456",
        **extra,
    }
    put_field(data, "pickup_time", pickup_time)
    return data


def test_add_books_a_pending_transfer_created_by_the_coordinator(back_office, coordinator, vehicle, at):
    response = back_office.post(ADD, add_data(vehicle, at()))
    assert response.status_code == 302, response.context["adminform"].form.errors
    transfer = Transfer.objects.get()
    assert (transfer.status, transfer.created_by, transfer.pickup_time) == (S.PENDING, coordinator, at())
    assert (transfer.passenger_name, transfer.flight_number) == ("Ada Lovelace", "IB3456")
    assert history(transfer) == [(None, S.PENDING, "coordinator")]
    assert LogEntry.objects.filter(object_id=str(transfer.pk)).exists()


def test_add_into_a_busy_slot_is_a_form_error_and_saves_nothing(back_office, vehicle, confirmed, at):
    confirmed(at(minutes=30))
    response = back_office.post(ADD, add_data(vehicle, at()))
    assert response.status_code == 200
    assert "already booked within 120 minutes" in str(response.context["adminform"].form.non_field_errors())
    assert Transfer.objects.count() == 1


def test_add_with_too_many_passengers_marks_the_field(back_office, vehicle, at):
    response = back_office.post(ADD, add_data(vehicle, at(), pax_count=9))
    assert response.status_code == 200
    assert "seats 7" in str(response.context["adminform"].form.errors["pax_count"])
    assert not Transfer.objects.exists()


def test_add_in_the_past_marks_the_pickup_time(back_office, vehicle, at):
    response = back_office.post(ADD, add_data(vehicle, at(days=-10)))
    assert "must be in the future" in str(response.context["adminform"].form.errors["pickup_time"])
    assert not Transfer.objects.exists()


# --- Changing: amend_transfer ----------------------------------------------------------------


def test_change_page_shows_history_notifications_and_transitions(back_office, at):
    transfer = TransferFactory(pickup_time=at(), status=S.CONFIRMED)
    response = back_office.get(change_url(transfer))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Status history" in html and "Notifications" in html
    assert response.context["transitions"] == [(S.IN_PROGRESS, "Start"), (S.CANCELLED, "Cancel")]
    assert 'name="driver_name"' in html and transition_url(transfer) in html
    assert "status" not in response.context["adminform"].form.fields


def test_change_page_renders_in_constant_queries(back_office, constant_queries, at):
    transfer = TransferFactory(pickup_time=at(), status=S.CONFIRMED)

    def add_rows():
        TransferStatusHistoryFactory.create_batch(15, transfer=transfer, from_status=S.PENDING)
        NotificationFactory(transfer=transfer)

    constant_queries(lambda: back_office.get(change_url(transfer)), add_rows)


def test_change_amends_vehicle_time_pax_and_details(back_office, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), status=S.CONFIRMED)
    other = VehicleFactory(capacity=12)
    page = back_office.get(change_url(transfer))
    response = back_office.post(
        change_url(transfer),
        change_form_data(page, vehicle=other.pk, pickup_time=at(minutes=45), pax_count=10, notes=" Child seat "),
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert (transfer.vehicle, transfer.pickup_time, transfer.pax_count, transfer.notes) == (
        other, at(minutes=45), 10, "Child seat",
    )
    assert transfer.status == S.CONFIRMED
    assert len(history(transfer)) == 2  # amendments are not status changes


def test_amending_into_a_busy_slot_is_refused_and_nothing_is_saved(back_office, vehicle, confirmed, at):
    confirmed(at(minutes=300))
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at(), status=S.CONFIRMED, passenger_name="Ada")
    page = back_office.get(change_url(transfer))
    response = back_office.post(
        change_url(transfer), change_form_data(page, pickup_time=at(minutes=250), passenger_name="Changed")
    )
    assert response.status_code == 200
    assert "already booked" in str(response.context["adminform"].form.non_field_errors())
    transfer.refresh_from_db()
    assert (transfer.pickup_time, transfer.passenger_name) == (at(), "Ada")


def test_amending_pax_beyond_the_vehicle_marks_the_field(back_office, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    page = back_office.get(change_url(transfer))
    response = back_office.post(change_url(transfer), change_form_data(page, pax_count=8))
    assert "seats 7" in str(response.context["adminform"].form.errors["pax_count"])
    transfer.refresh_from_db()
    assert transfer.pax_count == 2


def test_closed_transfers_are_read_only(back_office, at):
    transfer = TransferFactory(pickup_time=at(), status=S.COMPLETED)
    response = back_office.get(change_url(transfer))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["transitions"] == []
    assert back_office.post(change_url(transfer), {"pax_count": 1}).status_code == 403


def test_transfers_cannot_be_deleted(back_office, at):
    transfer = TransferFactory(pickup_time=at())
    response = back_office.post(reverse("admin:bookings_transfer_delete", args=[transfer.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Transfer.objects.filter(pk=transfer.pk).exists()


# --- Transition buttons: change_status ---------------------------------------------------------


def test_confirm_button_confirms_records_history_and_notifies(
    back_office, at, django_capture_on_commit_callbacks
):
    transfer = TransferFactory(pickup_time=at(), passenger_email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = back_office.post(transition_url(transfer), {"target": S.CONFIRMED}, follow=True)
    assert response.redirect_chain[-1][0] == change_url(transfer)
    assert f"Transfer #{transfer.pk} is now confirmed." in messages_of(response)
    transfer.refresh_from_db()
    assert transfer.status == S.CONFIRMED
    assert history(transfer)[-1] == (S.PENDING, S.CONFIRMED, "coordinator")
    assert list(Notification.objects.filter(transfer=transfer).values_list("kind", "recipient")) == [
        ("TRANSFER_CONFIRMED", "ada@example.com")
    ]
    assert "ada@example.com" in response.content.decode()  # the notifications inline


def test_confirm_into_a_conflict_is_an_error_message(
    back_office, vehicle, confirmed, at, django_capture_on_commit_callbacks
):
    confirmed(at(minutes=60))
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    with django_capture_on_commit_callbacks(execute=True):
        response = back_office.post(transition_url(transfer), {"target": S.CONFIRMED}, follow=True)
    assert response.status_code == 200
    assert any("already booked within 120 minutes" in m for m in messages_of(response))
    transfer.refresh_from_db()
    assert transfer.status == S.PENDING
    assert history(transfer) == [(None, S.PENDING, "factory")]
    assert not Notification.objects.filter(transfer=transfer).exists()


def test_invalid_transition_is_an_error_message_listing_what_is_allowed(back_office, at):
    transfer = TransferFactory(pickup_time=at())
    response = back_office.post(transition_url(transfer), {"target": S.COMPLETED}, follow=True)
    assert messages_of(response) == [
        f"Transfer #{transfer.pk}: A transfer in status PENDING cannot become COMPLETED. Allowed from here: CONFIRMED, CANCELLED."
    ]
    transfer.refresh_from_db()
    assert transfer.status == S.PENDING and len(history(transfer)) == 1


def test_stale_button_on_a_cancelled_transfer_gets_the_lifecycle_answer(back_office, at):
    transfer = TransferFactory(pickup_time=at(), status=S.CANCELLED)
    response = back_office.post(transition_url(transfer), {"target": S.CONFIRMED}, follow=True)
    assert response.status_code == 200
    assert "none (the transfer is closed)" in messages_of(response)[0]


def test_unknown_target_is_an_error_message(back_office, at):
    transfer = TransferFactory(pickup_time=at())
    response = back_office.post(transition_url(transfer), {"target": "FLYING"}, follow=True)
    assert messages_of(response) == ["Choose one of the status buttons."]


def test_start_without_a_driver_name_is_refused(back_office, at):
    transfer = TransferFactory(pickup_time=at(), status=S.CONFIRMED)
    response = back_office.post(transition_url(transfer), {"target": S.IN_PROGRESS, "driver_name": "  "}, follow=True)
    assert messages_of(response) == [
        f"Transfer #{transfer.pk}: Driver name: A driver name is required to start a transfer."
    ]
    transfer.refresh_from_db()
    assert transfer.status == S.CONFIRMED and transfer.driver_name is None
    assert len(history(transfer)) == 2


def test_start_with_a_driver_then_complete(back_office, at):
    transfer = TransferFactory(pickup_time=at(), status=S.CONFIRMED)
    back_office.post(transition_url(transfer), {"target": S.IN_PROGRESS, "driver_name": " Marta "})
    transfer.refresh_from_db()
    assert (transfer.status, transfer.driver_name) == (S.IN_PROGRESS, "Marta")
    response = back_office.get(change_url(transfer))
    assert response.context["transitions"] == [(S.COMPLETED, "Complete")]
    back_office.post(transition_url(transfer), {"target": S.COMPLETED})
    transfer.refresh_from_db()
    assert transfer.status == S.COMPLETED
    assert history(transfer)[-2:] == [
        (S.CONFIRMED, S.IN_PROGRESS, "coordinator"),
        (S.IN_PROGRESS, S.COMPLETED, "coordinator"),
    ]


def test_cancel_button_cancels_without_notification(back_office, at, django_capture_on_commit_callbacks):
    transfer = TransferFactory(pickup_time=at(), status=S.CONFIRMED)
    with django_capture_on_commit_callbacks(execute=True):
        back_office.post(transition_url(transfer), {"target": S.CANCELLED})
    transfer.refresh_from_db()
    assert transfer.status == S.CANCELLED
    assert history(transfer)[-1] == (S.CONFIRMED, S.CANCELLED, "coordinator")
    assert not Notification.objects.exists()


def test_transition_get_only_redirects(back_office, at):
    transfer = TransferFactory(pickup_time=at())
    response = back_office.get(transition_url(transfer))
    assert response.status_code == 302 and response["Location"] == change_url(transfer)
    transfer.refresh_from_db()
    assert transfer.status == S.PENDING


def test_transition_of_a_missing_transfer_redirects_with_a_message(back_office):
    response = back_office.post(
        reverse("admin:bookings_transfer_transition", args=[987654]), {"target": S.CONFIRMED}, follow=True
    )
    assert response.status_code == 200
    assert "doesn’t exist" in messages_of(response)[0]


def test_staff_outside_coordinators_cannot_press_buttons(client, make_user, at):
    from django.contrib.auth.models import Permission

    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="change_transfer"))
    client.force_login(viewer)
    transfer = TransferFactory(pickup_time=at())
    response = client.post(transition_url(transfer), {"target": S.CONFIRMED})
    assert response.status_code == 302 and "/login/" in response["Location"]
    transfer.refresh_from_db()
    assert transfer.status == S.PENDING


# --- Bulk actions ---------------------------------------------------------------------------


def test_confirm_selected_reports_each_transfer(
    back_office, vehicle, confirmed, at, django_capture_on_commit_callbacks
):
    confirmed(at(days=2))
    free = TransferFactory(vehicle=vehicle, pickup_time=at())
    clash = TransferFactory(vehicle=vehicle, pickup_time=at(days=2, minutes=30))
    done = TransferFactory(pickup_time=at(), status=S.COMPLETED)
    with django_capture_on_commit_callbacks(execute=True):
        response = back_office.post(
            CHANGELIST,
            {"action": "confirm_selected", "_selected_action": [free.pk, clash.pk, done.pk]},
            follow=True,
        )
    shown = messages_of(response)
    assert f"1 transfer(s) confirmed: #{free.pk}." in shown
    assert any(m.startswith(f"Transfer #{clash.pk}: Vehicle") and "already booked" in m for m in shown)
    assert any(m.startswith(f"Transfer #{done.pk}: A transfer in status COMPLETED cannot become CONFIRMED") for m in shown)
    statuses = dict(Transfer.objects.values_list("pk", "status"))
    assert (statuses[free.pk], statuses[clash.pk], statuses[done.pk]) == (S.CONFIRMED, S.PENDING, S.COMPLETED)
    assert history(free)[-1] == (S.PENDING, S.CONFIRMED, "coordinator")
    assert list(Notification.objects.values_list("transfer_id", flat=True)) == [free.pk]


def test_cancel_selected_reports_each_transfer(back_office, at):
    pending = TransferFactory(pickup_time=at())
    running = TransferFactory(pickup_time=at(), status=S.IN_PROGRESS, driver_name="Marta")
    response = back_office.post(
        CHANGELIST, {"action": "cancel_selected", "_selected_action": [pending.pk, running.pk]}, follow=True
    )
    shown = messages_of(response)
    assert f"1 transfer(s) cancelled: #{pending.pk}." in shown
    refusal = f"Transfer #{running.pk}: A transfer in status IN_PROGRESS cannot become CANCELLED. Allowed from here: COMPLETED."
    assert refusal in shown
    pending.refresh_from_db()
    running.refresh_from_db()
    assert (pending.status, running.status) == (S.CANCELLED, S.IN_PROGRESS)
    assert history(pending)[-1] == (S.PENDING, S.CANCELLED, "coordinator")


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_a_vehicle_held_past_the_lock_wait_is_a_message_not_an_error(back_office, vehicle, at):
    transfer = TransferFactory(vehicle=vehicle, pickup_time=at())
    confirm = partial(back_office.post, transition_url(transfer), {"target": S.CONFIRMED}, follow=True)
    _, response = while_vehicle_is_held(vehicle.id, confirm)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert f"Transfer #{transfer.pk}: another change holds its vehicle; try again." in messages_of(response)
    assert Transfer.objects.get(pk=transfer.pk).status == S.PENDING
