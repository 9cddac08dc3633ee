"""Database faults under a live service: the API answers 503 (never 500) and heals by itself.

A live gunicorn reaches the test database through a loopback TCP proxy
(``tcp_proxy.TcpProxy``), never the database the test runner uses, so the
path can be cut, even halfway through a request's transaction, without
stopping MariaDB. Another test kills the service's sessions (a database user
of its own) with ``KILL`` while clients keep writing. Afterwards no transfer
lacks its history (``find_violations()`` is clean) and, with the path back,
the same processes answer again within seconds: no restart.
"""
import datetime as dt
import json
import threading
import time
import uuid
from collections import Counter

import environ
import pytest
from django.db import connection
from django.utils import timezone

from bookings.clients import create_api_client
from bookings.models import Transfer
from dmc_transfers.integrity import find_violations
from notifications.delivery import sweep_missing_notifications
from dmc_transfers.problems import PROBLEM_CONTENT_TYPE
from dmc_transfers.tests.live_service import Gunicorn, call, database_url, production_env
from dmc_transfers.tests.tcp_proxy import TcpProxy
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

CONNECT_TIMEOUT = 2  # seconds: a dead path answers fast instead of hanging a worker thread
RECOVERY_SECONDS = 15


def database_address():
    db = connection.settings_dict
    return db["HOST"] or "127.0.0.1", int(db["PORT"] or 3306)


def assert_unavailable(answer):
    status, headers, body = answer
    assert status == 503, (status, body[:300])
    assert headers["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert json.loads(body)["code"] == "service_unavailable"
    assert headers["Retry-After"].isdigit()


def wait_until_healthy(base):
    """Poll /healthz until 200 (bounded); the service must heal on its own."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        status, _, body = call(base, "/healthz")
        if status == 200:
            return
        assert status == 503, body
        assert time.monotonic() < deadline, "the service did not recover"
        time.sleep(0.2)


def booking(vehicle_id, name):
    return {
        "vehicle_id": vehicle_id,
        "pickup_time": (timezone.now() + dt.timedelta(days=10)).replace(microsecond=0).isoformat(),
        "pax_count": 2,
        "passenger_name": name,
        "pickup_location": "PMI Terminal A",
        "dropoff_location": "Hotel Sol, Palma",
        "client_reference": name,
    }


@pytest.fixture
def setup(db):
    vehicle = VehicleFactory(capacity=7)
    integrator = {"Authorization": "Token " + create_api_client(name="fault-agency", role="integrator")}
    coordinator = {"Authorization": "Token " + create_api_client(name="fault-coordinator", role="coordinator")}
    return vehicle, integrator, coordinator


@pytest.fixture
def proxy():
    proxy = TcpProxy(database_address())
    yield proxy
    proxy.close()


def test_cut_path_answers_503_even_mid_transaction_and_heals_without_restart(static_root, setup, proxy):
    vehicle, integrator, coordinator = setup
    url = database_url(port=proxy.port, connect_timeout=CONNECT_TIMEOUT)
    # django-environ hands the option to mysqlclient as an int.
    assert environ.Env.db_url_config(url)["OPTIONS"] == {"connect_timeout": CONNECT_TIMEOUT}
    with Gunicorn(production_env(static_root, url), workers=1, threads=4) as server:
        base = server.base
        status, _, body = call(base, "/transfers", "POST", booking(vehicle.id, "before"), integrator)
        assert status == 201, body
        pending = json.loads(body)["id"]

        # A booking caught after its vehicle lock, before its INSERT reaches the database.
        key = {"Idempotency-Key": f"fault-{uuid.uuid4()}"}
        body_in_flight = booking(vehicle.id, "in-flight")
        answers = []
        proxy.pause(when=b"INSERT INTO `bookings_transfer`")
        request = threading.Thread(
            target=lambda: answers.append(call(base, "/transfers", "POST", body_in_flight, {**integrator, **key}))
        )
        request.start()
        assert proxy.holding.wait(10), "the booking never reached the database"
        proxy.cut()
        request.join(30)
        assert_unavailable(answers[0])

        # While the path is down, every kind of request is a 503 problem, quickly.
        assert_unavailable(call(base, "/healthz"))
        assert_unavailable(call(base, "/vehicles", headers=coordinator))
        assert_unavailable(call(base, "/transfers", "POST", booking(vehicle.id, "while-down"), integrator))
        assert_unavailable(call(base, f"/transfers/{pending}/status", "PATCH", {"status": "CONFIRMED"}, coordinator))

        proxy.restore()
        wait_until_healthy(base)
        # The retry of the interrupted booking is processed anew: one transfer, not two.
        status, _, body = call(base, "/transfers", "POST", body_in_flight, {**integrator, **key})
        assert status == 201, body
        assert Transfer.objects.filter(client_reference="in-flight").count() == 1

        # A confirmation caught between its status UPDATE and its history INSERT: rolled back.
        proxy.pause(when=b"INSERT INTO `bookings_transferstatushistory`")
        request = threading.Thread(
            target=lambda: answers.append(
                call(base, f"/transfers/{pending}/status", "PATCH", {"status": "CONFIRMED"}, coordinator)
            )
        )
        request.start()
        assert proxy.holding.wait(10), "the confirmation never reached the database"
        proxy.cut()
        request.join(30)
        assert_unavailable(answers[1])
        assert Transfer.objects.get(pk=pending).status == "PENDING"

        proxy.restore()
        wait_until_healthy(base)
        status, _, body = call(base, f"/transfers/{pending}/status", "PATCH", {"status": "CONFIRMED"}, coordinator)
        assert (status, json.loads(body)["status"]) == (200, "CONFIRMED")
        assert call(base, "/vehicles", headers=coordinator)[0] == 200
        assert server.process.poll() is None
        log = server.log()

    assert find_violations() == []
    assert "Traceback" not in log, log[-5000:]


@pytest.fixture
def service_user():
    """A database user of the service's own, so its sessions can be found and killed."""
    name, password = f"svc_{connection.settings_dict['NAME']}"[:32], uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute("DROP USER IF EXISTS %s@'%%'", [name])
        cursor.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", [name, password])
        cursor.execute(f"GRANT ALL PRIVILEGES ON `{connection.settings_dict['NAME']}`.* TO %s@'%%'", [name])
    yield name, password
    with connection.cursor() as cursor:
        cursor.execute("DROP USER IF EXISTS %s@'%%'", [name])


def kill_sessions_of(user, stop, kills):
    """Kill every session of ``user`` ten times a second until ``stop``."""
    try:
        with connection.cursor() as cursor:
            while not stop.is_set():
                cursor.execute("SELECT id FROM information_schema.processlist WHERE user = %s", [user])
                for (session,) in cursor.fetchall():
                    try:
                        cursor.execute(f"KILL {int(session)}")
                        kills.append(session)
                    except Exception:  # it ended on its own meanwhile
                        pass
                stop.wait(0.1)
    finally:
        connection.close()


def test_killed_sessions_answer_503_or_succeed_never_500(static_root, setup, service_user):
    vehicle, integrator, coordinator = setup
    user, password = service_user
    url = database_url(user=user, password=password, connect_timeout=CONNECT_TIMEOUT)
    outcomes, kills, stop = [], [], threading.Event()

    def client(n, base):
        for i in range(40):
            name = f"kill-{n}-{i}"
            answer = call(base, "/transfers", "POST", booking(vehicle.id, name),
                          {**integrator, "Idempotency-Key": name} if i % 2 else integrator)
            outcomes.append(("book", answer))
            if answer[0] == 201:
                transfer = json.loads(answer[2])["id"]
                if i % 3 == 0:  # confirmations too: their notice is written on commit, or by the sweep
                    outcomes.append(("confirm", call(base, f"/transfers/{transfer}/status", "PATCH",
                                                     {"status": "CONFIRMED"}, coordinator)))
                outcomes.append(("cancel", call(base, f"/transfers/{transfer}/status", "PATCH",
                                                {"status": "CANCELLED"}, integrator)))
            outcomes.append(("health", call(base, "/healthz")))

    with Gunicorn(production_env(static_root, url), workers=2, threads=4) as server:
        assert call(server.base, "/healthz")[0] == 200
        killer = threading.Thread(target=kill_sessions_of, args=(user, stop, kills))
        clients = [threading.Thread(target=client, args=(n, server.base)) for n in range(4)]
        killer.start()
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(60)
        stop.set()
        killer.join(30)

        wait_until_healthy(server.base)
        # Another day: a confirmation whose cancel met a killed session may still hold the vehicle.
        later = {**booking(vehicle.id, "after"), "pickup_time": (timezone.now() + dt.timedelta(days=20)).isoformat()}
        status, _, body = call(server.base, "/transfers", "POST", later, integrator)
        assert status == 201, body
        log = server.log()

    assert kills, "no session was killed"
    statuses = Counter(answer[0] for _, answer in outcomes)
    print(f"kills: {len(kills)} sessions killed; answers {dict(statuses)}")  # shown with -s
    # 409: a confirmation while another confirmed booking of the vehicle is not cancelled yet.
    assert set(statuses) <= {200, 201, 409, 503}, [(what, a[0], a[2][:200]) for what, a in outcomes if a[0] >= 300]
    assert all(json.loads(a[2])["code"] == "vehicle_unavailable" for _, a in outcomes if a[0] == 409)
    for _, answer in outcomes:
        if answer[0] == 503:
            assert_unavailable(answer)
    assert "Traceback" not in log, log[-5000:]
    # A session killed between a confirmation's commit and its on-commit hook
    # leaves the notice to the delivery sweep, as in production.
    sweep_missing_notifications()
    assert find_violations() == []
