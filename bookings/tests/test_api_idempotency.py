import json
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from bookings.locking import lock_vehicles
from bookings.api.transfer_reads import transfer_detail
from bookings.idempotency import request_digest
from bookings.models import IdempotencyRecord, Transfer
from bookings.tests.threads import run_together, wait_until_waiting, while_vehicle_is_held
from dmc_transfers.tests.api_fixtures import assert_problem
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.integration]


def post_raw(client, raw, key):
    return client.post("/transfers", raw, content_type="application/json", headers={"Idempotency-Key": key})


def post(client, body, key):
    return post_raw(client, json.dumps(body), key)


@pytest.mark.django_db
def test_same_key_same_body_replays_the_first_answer(integrator_api, body):
    first = post(integrator_api, body, "k-1")
    again = post(integrator_api, body, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Transfer.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db
def test_the_record_holds_the_answer_as_the_orm_reads_it(integrator_api, integrator, body):
    """The record is written by hand (RecordWrite): every column as the model defines it."""
    before = timezone.now()
    first = post(integrator_api, body, "k-1")
    record = IdempotencyRecord.objects.get()
    assert (record.user, record.key, record.response_status) == (integrator, "k-1", 201)
    assert record.transfer_id == first.json()["id"] and record.response_body == first.json()
    assert before <= record.created_at <= timezone.now()


@pytest.mark.django_db
def test_key_order_and_spacing_do_not_matter(integrator_api, body):
    first = post_raw(integrator_api, json.dumps(body), "k-2")
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=4)
    again = post_raw(integrator_api, reordered, "k-2")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


@pytest.mark.django_db
def test_replay_returns_the_original_even_after_a_change(integrator_api, body):
    first = post(integrator_api, body, "k-3").json()
    integrator_api.patch(f"/transfers/{first['id']}/status", {"status": "CANCELLED"}, format="json")
    again = post(integrator_api, body, "k-3").json()
    assert again == first and again["status"] == "PENDING"


@pytest.mark.django_db
def test_same_key_other_body_is_a_409(integrator_api, body):
    post(integrator_api, body, "k-4")
    assert_problem(post(integrator_api, {**body, "pax_count": 4}, "k-4"), 409, "idempotency_key_reused")
    assert Transfer.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_scoped_to_the_user(integrator_api, other_api, body, at):
    mine = post(integrator_api, body, "shared")
    theirs = post(other_api, {**body, "pickup_time": at(days=1).isoformat()}, "shared")
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert theirs.json()["id"] != mine.json()["id"]


@pytest.mark.django_db
def test_keys_are_compared_exactly(integrator_api, body, at):
    """Case and trailing spaces make other keys, to the database as to the lock that serialises a key."""
    answers = [
        post(integrator_api, {**body, "pickup_time": at(days=days).isoformat()}, key)
        for days, key in ((0, "case-key"), (1, "CASE-KEY"), (2, "case-key "))
    ]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["id"] for a in answers}) == 3 and IdempotencyRecord.objects.count() == 3


@pytest.mark.django_db
def test_a_failed_attempt_is_not_remembered(integrator_api, body, vehicle):
    assert_problem(post(integrator_api, {**body, "pax_count": 99}, "k-5"), 400)
    vehicle.is_active = False
    vehicle.save()
    assert_problem(post(integrator_api, body, "k-5"), 409, "vehicle_unavailable")
    vehicle.is_active = True
    vehicle.save()
    response = post(integrator_api, body, "k-5")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert IdempotencyRecord.objects.get().transfer_id == response.json()["id"]


@pytest.mark.django_db
def test_idempotency_is_checked_before_the_body(integrator_api, body, vehicle):
    first = post(integrator_api, body, "k-6")
    vehicle.is_active = False  # a fresh booking would now be a 409
    vehicle.save()
    assert post(integrator_api, body, "k-6").json() == first.json()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["x" * 256, "tab\there", "ключ"])
def test_a_malformed_key_is_a_400_naming_the_header(integrator_api, body, key):
    response = integrator_api.post("/transfers", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    data = assert_problem(response, 400, "validation_error")
    assert list(data["errors"]) == ["Idempotency-Key"]


@pytest.mark.django_db
def test_a_key_of_255_printable_characters_is_fine(integrator_api, body):
    assert post(integrator_api, body, "k" * 254 + "~").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_wait_and_get_the_same_answer(api, make_user, at):
    """Eight real threads, each on its own database connection, send the same request at once."""
    from bookings.roles import INTEGRATORS

    user = make_user("agency-z", role=INTEGRATORS)
    vehicle = VehicleFactory()
    body = {"vehicle_id": vehicle.id, "pickup_time": at().isoformat(), "pax_count": 2, "passenger_name": "Ada",
            "pickup_location": "PMI", "dropoff_location": "Palma"}
    clients = [api(user) for _ in range(8)]
    start = threading.Barrier(len(clients))
    answers = [None] * len(clients)

    def send(index):
        try:
            start.wait()
            response = post(clients[index], body, "burst")
            answers[index] = (response.status_code, response.json()["id"], response.get("Idempotent-Replayed"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Transfer.objects.count() == 1
    transfer_id = Transfer.objects.get().id
    assert sorted(answers, key=lambda a: a[2] or "") == [(201, transfer_id, None)] + [(201, transfer_id, "true")] * 7


def waiting_sessions(statement_like):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.processlist WHERE db = %s AND command = 'Query' AND info LIKE %s",
            [connection.settings_dict["NAME"], statement_like],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
@pytest.mark.parametrize("duplicates", [1, 3])
def test_duplicates_wait_for_the_first_and_are_processed_anew_when_it_fails(api, make_user, at, duplicates):
    """The first and its duplicates wait for the same vehicle; the first is refused once it has it,
    and the duplicates, processed anew, book once between them: one 201, the others its replay."""
    from bookings.roles import INTEGRATORS

    user = make_user("agency-w", role=INTEGRATORS)
    vehicle = VehicleFactory(capacity=4)
    body = {"vehicle_id": vehicle.id, "pickup_time": at().isoformat(), "pax_count": 2, "passenger_name": "Ada",
            "pickup_location": "PMI", "dropoff_location": "Palma"}
    holding, first_sent = threading.Event(), threading.Event()

    def hold_the_vehicle():
        with transaction.atomic():
            lock_vehicles([vehicle.id])
            holding.set()
            first_sent.wait(10)
            for _ in range(500):  # the first and every duplicate wait for the vehicle
                if waiting_sessions("%FOR UPDATE") >= 1 + duplicates:
                    return
                threading.Event().wait(0.02)
            raise AssertionError("the duplicates did not wait")

    def first():  # too many passengers: a 400, once it has the vehicle
        client = api(user)
        holding.wait(10)
        first_sent.set()
        return post(client, {**body, "pax_count": 9}, "in-flight").status_code

    def duplicate():
        client = api(user)
        first_sent.wait(10)
        wait_until_waiting("%FOR UPDATE")  # the first waits for the vehicle
        response = post(client, body, "in-flight")
        return response.status_code, response.get("Idempotent-Replayed")

    answers = run_together([hold_the_vehicle, first, *[duplicate] * duplicates])
    assert answers[:2] == [None, 400]
    assert sorted(answers[2:], key=str) == sorted([(201, None)] + [(201, "true")] * (duplicates - 1), key=str)
    assert Transfer.objects.count() == 1
    assert IdempotencyRecord.objects.get().transfer_id == Transfer.objects.get().id


def hold_an_answer(user, body, key, *, then, waiting_in, holding):
    """A job: store an answer to ``body`` under ``key`` in a transaction, set ``holding``, hold it until
    another session waits ``waiting_in`` (a statement LIKE), then ``then`` ("commit" or "rollback").
    The answer's transfer is on a vehicle of its own, whose row its insert holds."""
    vehicle = VehicleFactory()

    def hold():
        with transaction.atomic():
            first = Transfer.objects.create(
                vehicle=vehicle, pickup_time=body["pickup_time"], pax_count=body["pax_count"],
                passenger_name="First", pickup_location="PMI", dropoff_location="Palma", created_by=user,
            )
            IdempotencyRecord.objects.create(
                user=user, key=key, request_digest=request_digest(body), transfer=first, response_status=201,
                response_body=transfer_detail(first.id),
            )
            holding.set()
            wait_until_waiting(waiting_in)
            transaction.set_rollback(then == "rollback")

    return hold


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
@pytest.mark.parametrize("then", ["commit", "rollback"])
def test_a_duplicate_of_a_request_in_flight_waits_at_its_record(api, make_user, at, then):
    """The first holds no lock the duplicate needs but the key's: the duplicate books, then waits for
    the key's record until the first ends. Committed: its booking is undone and the first's answer
    replayed. Rolled back: its own booking stands."""
    from bookings.roles import INTEGRATORS

    user = make_user("agency-v", role=INTEGRATORS)
    vehicle = VehicleFactory()
    body = {"vehicle_id": vehicle.id, "pickup_time": at().isoformat(), "pax_count": 2,
            "passenger_name": "Ada", "pickup_location": "PMI", "dropoff_location": "Palma"}
    holding = threading.Event()
    hold = hold_an_answer(
        user, body, "in-flight", then=then, waiting_in="INSERT INTO `bookings_idempotencyrecord`%", holding=holding
    )
    duplicate_body = {**body, "pax_count": 3}

    def duplicate():
        client = api(user)
        holding.wait(10)
        response = post(client, duplicate_body, "in-flight")
        return response.status_code, response.json(), response.get("Idempotent-Replayed")

    _, (status, answer, replayed) = run_together([hold, duplicate])
    if then == "commit":  # the same key with another body
        assert status == 409 and answer["code"] == "idempotency_key_reused"
        assert list(Transfer.objects.values_list("passenger_name", flat=True)) == ["First"]
    else:
        assert (status, replayed) == (201, None) and answer["pax_count"] == 3
        assert IdempotencyRecord.objects.get().transfer_id == answer["id"] == Transfer.objects.get().id


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
@pytest.mark.parametrize("then", ["commit", "rollback"])
def test_a_refused_duplicate_of_a_request_in_flight_waits_for_its_answer(api, make_user, at, then):
    """Refused on its own (too many passengers), a duplicate still waits for the first: its
    answer, once committed, comes first (API.md checks the key before the body)."""
    from bookings.roles import INTEGRATORS

    user = make_user("agency-u", role=INTEGRATORS)
    vehicle = VehicleFactory(capacity=4)
    body = {"vehicle_id": vehicle.id, "pickup_time": at().isoformat(), "pax_count": 9, "passenger_name": "Ada",
            "pickup_location": "PMI", "dropoff_location": "Palma"}
    holding = threading.Event()
    hold = hold_an_answer(
        user, body, "in-flight", then=then, waiting_in="%`bookings_idempotencyrecord`%FOR UPDATE", holding=holding
    )

    def duplicate():
        client = api(user)
        holding.wait(10)
        response = post(client, body, "in-flight")
        return response.status_code, response.json(), response.get("Idempotent-Replayed")

    _, (status, answer, replayed) = run_together([hold, duplicate])
    if then == "commit":
        assert (status, replayed) == (201, "true") and answer["passenger_name"] == "First"
    else:
        assert status == 400 and list(answer["errors"]) == ["pax_count"]
        assert not Transfer.objects.exists() and not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_a_lock_held_past_the_wait_is_a_503_to_retry(integrator, api, body, vehicle, settings):
    """A vehicle held by another transaction for longer than DB_LOCK_WAIT_SECONDS: 503, Retry-After, nothing written."""
    configured, response = while_vehicle_is_held(vehicle.id, lambda: post(api(integrator), body, "held"))
    assert configured == settings.DB_LOCK_WAIT_SECONDS
    data = assert_problem(response, 503, "service_unavailable")
    assert "held by another" in data["detail"] and response["Retry-After"]
    assert not Transfer.objects.exists() and not IdempotencyRecord.objects.exists()
