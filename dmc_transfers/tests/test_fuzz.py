"""Fuzzing the live API from its own OpenAPI schema (schemathesis).

A live gunicorn (DEBUG=false) serves the test database; schemathesis reads
``/openapi.json`` from it and, for every operation, as a coordinator and as
an integrator (keys from ``create_api_client``), sends generated requests
that fit the schema (positive) and that do not (negative). Every response
must be no 5xx, carry a status code the schema documents for that
operation, the documented content type, and a body and headers that match
the documented schema. Examples per operation and mode are bounded
(``FUZZ_EXAMPLES``, default 50) and derandomized, so a run is repeatable.
"""
import datetime as dt
import os

import hypothesis
import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.utils import timezone
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bookings.clients import create_api_client
from bookings.tests.factories import TransferFactory
from dmc_transfers.tests.live_service import Gunicorn, database_url, production_env
from fleet.tests.factories import VehicleFactory

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# An operation with nothing that can be invalid (no body, only free-text headers).
UNSATISFIABLE = "nothing to generate"
NOTHING_INVALID = {"GET /healthz"}

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]


class Realistic:
    """Half of the valid cases point at real rows and bookable times, so success paths are fuzzed too.

    Purely random valid data is nearly always a 400 or 404 here (unknown
    vehicle, pickup in the past); these keep the rest of each case random.
    """

    def __init__(self, *, vehicle_id, transfer_id):
        self.vehicle_id, self.transfer_id = vehicle_id, transfer_id
        self.pickup = timezone.now() + dt.timedelta(days=30)

    def __call__(self, case):
        if "id" in case.path_parameters:
            case.path_parameters["id"] = self.vehicle_id if case.path.startswith("/vehicles") else self.transfer_id
        if isinstance(case.body, dict) and "vehicle_id" in case.body:
            case.body.update(vehicle_id=self.vehicle_id, pickup_time=self.pickup.isoformat(), flight_number=None)
        if isinstance(case.query, dict) and "date" in case.query:
            case.query.update(date=f"{timezone.localtime(self.pickup):%Y-%m-%d}", pickup_time="10:00")
        return case


def fuzz(operation, mode, *, base, headers, realistic):
    """Run one operation's generated cases; return the failure report, ``UNSATISFIABLE`` or ``None``."""
    cases = operation.as_strategy(generation_mode=mode)
    if mode.is_positive:
        cases = st.one_of(cases, cases.map(realistic))

    @hypothesis.settings(
        max_examples=FUZZ_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # report the first failure as found: no shrinking time
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=cases)
    def run(case):
        case.call_and_validate(base_url=base, headers=headers, checks=CHECKS, timeout=30)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        return UNSATISFIABLE
    except Exception as exc:  # schemathesis' failure report, with a curl line to reproduce
        return f"{operation.label} ({mode.value}): {exc}"
    return None


def test_fuzz_every_operation_as_each_role(static_root):
    vehicle = VehicleFactory(capacity=99)  # any generated pax_count fits
    roles, realistic = {}, {}
    for role in ("coordinator", "integrator"):
        key = create_api_client(name=f"fuzz-{role}", role=role)
        roles[role] = {"Authorization": f"Token {key}"}
        transfer = TransferFactory(vehicle=vehicle, created_by=get_user_model().objects.get(username=f"fuzz-{role}"))
        realistic[role] = Realistic(vehicle_id=vehicle.pk, transfer_id=transfer.pk)

    with Gunicorn(production_env(static_root, database_url()), workers=2, threads=4) as server:
        schema = schemathesis.openapi.from_url(server.base + "/openapi.json")
        failures, unsatisfiable = [], set()
        for role, headers in roles.items():
            for result in schema.get_all_operations():
                operation = result.ok()
                for mode in schemathesis.GenerationMode:
                    failure = fuzz(operation, mode, base=server.base, headers=headers, realistic=realistic[role])
                    if failure == UNSATISFIABLE:
                        unsatisfiable.add(operation.label)
                    elif failure:
                        failures.append(f"as {role}: {failure}")
        log = server.log()

    print(f"fuzz: {log.count('method=')} requests")
    assert failures == [], "\n\n".join(failures)
    assert "Traceback" not in log, log[-5000:]
    # Nothing was left out silently: only operations without invalid inputs have no negative cases.
    assert unsatisfiable == NOTHING_INVALID
