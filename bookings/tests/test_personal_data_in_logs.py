"""No passenger personal data in the logs: not on success, not on errors, not on a 500."""
import logging

import pytest
from django.db import IntegrityError

from bookings.tests.factories import TransferFactory
from dmc_transfers.log_redaction import WithholdExceptionMessages, withheld_traceback
from dmc_transfers.tests.api_fixtures import assert_problem

NAME = "Zelda Quartermaine-Okonkwo"
PHONE = "+34 611 987 654"
EMAIL = "zelda.q.okonkwo@secret-mail.example"
PERSONAL = (NAME, PHONE, EMAIL, "Quartermaine", "611 987", "secret-mail")


@pytest.fixture
def every_log_record(caplog):
    """Every logger at DEBUG, all captured; yields the captured text at the end."""
    for name in ["", *logging.root.manager.loggerDict]:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def assert_no_personal_data(caplog):
    assert caplog.records, "nothing was logged: the test proves nothing"
    # The formatted lines, and what any other handler could print from the records.
    texts = [caplog.text]
    for record in caplog.records:
        texts += [record.getMessage(), str(record.exc_info), str(record.exc_text)]
    for text in texts:
        for value in PERSONAL:
            assert value not in text


@pytest.fixture
def body(vehicle, at):
    return {
        "vehicle_id": vehicle.id, "pickup_time": at().isoformat(), "pax_count": 2, "passenger_name": NAME,
        "passenger_phone": PHONE, "passenger_email": EMAIL, "pickup_location": "PMI", "dropoff_location": "Palma",
        "client_reference": "AGENCY-7",
    }


@pytest.mark.django_db
@pytest.mark.integration
def test_booking_reading_and_changing_log_no_personal_data(
    every_log_record, integrator_api, coordinator_api, body, django_capture_on_commit_callbacks
):
    created = integrator_api.post("/transfers", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert created.status_code == 201
    transfer = created.json()["id"]
    integrator_api.post("/transfers", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")  # replay
    assert integrator_api.get(f"/transfers/{transfer}").json()["passenger_email"] == EMAIL
    integrator_api.get("/transfers", {"client_reference": "AGENCY-7", "date": body["pickup_time"][:10]})
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = coordinator_api.patch(f"/transfers/{transfer}/status", {"status": "CONFIRMED", "note": NAME},
                                          format="json")
    assert confirmed.status_code == 200
    integrator_api.patch(f"/transfers/{transfer}/status", {"status": "CANCELLED"}, format="json")
    assert_no_personal_data(every_log_record)


@pytest.mark.django_db
@pytest.mark.integration
def test_refused_requests_log_no_personal_data(every_log_record, integrator_api, other_api, body):
    assert_problem(integrator_api.post("/transfers", {**body, "passenger_email": EMAIL.replace("@", "@@")},
                                       format="json"), 400)
    assert_problem(integrator_api.post("/transfers", {**body, "passenger_name": NAME * 10}, format="json"), 400)
    assert_problem(integrator_api.post("/transfers", {**body, "passenger_phone": PHONE * 3}, format="json"), 400)
    assert_problem(integrator_api.post("/transfers?name=" + NAME, '{"passenger_name": "' + NAME,
                                       content_type="application/json"), 400)
    assert integrator_api.post("/transfers", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
    assert_problem(integrator_api.post("/transfers", {**body, "pax_count": 1}, format="json",
                                       HTTP_IDEMPOTENCY_KEY="k-2"), 409)
    assert_problem(integrator_api.post("/transfers", body, format="json"), 409, "duplicate_client_reference")
    transfer = TransferFactory(passenger_name=NAME, passenger_email=EMAIL, passenger_phone=PHONE)
    assert_problem(other_api.get(f"/transfers/{transfer.id}"), 404)
    assert_problem(other_api.patch(f"/transfers/{transfer.id}/status", {"status": "CANCELLED", "note": NAME},
                                   format="json"), 404)
    assert_no_personal_data(every_log_record)


@pytest.mark.django_db
@pytest.mark.integration
def test_a_server_error_is_logged_without_the_data_its_message_quotes(every_log_record, monkeypatch, integrator_api,
                                                                       body):
    def fails(**kwargs):
        # What MySQL says about a unique index on the value: the value itself.
        raise IntegrityError(1062, f"Duplicate entry '{kwargs['passenger_email']}' for key 'passenger'")

    monkeypatch.setattr("bookings.api.views.book_transfer", fails)
    response = integrator_api.post("/transfers", body, format="json", HTTP_X_REQUEST_ID="crash-7")
    assert_problem(response, 500, "server_error")
    assert_no_personal_data(every_log_record)
    assert "crash-7" in every_log_record.text
    assert "django.db.utils.IntegrityError [1062]: (message withheld)" in every_log_record.text
    assert "in fails" in every_log_record.text  # the stack is still there


@pytest.mark.unit
def test_withheld_traceback_keeps_types_and_causes():
    try:
        try:
            raise KeyError(EMAIL)
        except KeyError as exc:
            raise ValueError(NAME) from exc
    except ValueError as exc:
        text = withheld_traceback(exc)
    assert "builtins.KeyError: (message withheld)" in text and "builtins.ValueError: (message withheld)" in text
    assert text.index("KeyError") < text.index("ValueError") and "The above exception led to" in text
    assert NAME not in text and EMAIL not in text


@pytest.mark.unit
def test_the_filter_withholds_messages_of_any_logger():
    try:
        raise RuntimeError(PHONE)
    except RuntimeError:
        record = logging.getLogger("third.party").makeRecord(
            "third.party", logging.ERROR, __file__, 1, "failed", (), exc_info=__import__("sys").exc_info()
        )
    assert WithholdExceptionMessages().filter(record)
    formatted = logging.Formatter().format(record)
    assert PHONE not in formatted and "builtins.RuntimeError: (message withheld)" in formatted
