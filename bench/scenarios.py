"""The scenarios: what each wrk run sends, built from the run's own data."""
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from dmc_transfers.localtime import to_local

CONFIRM_BODY = json.dumps({"status": "CONFIRMED"})


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    floor: str  # "db:<pax>" (the database floor) or "healthz" (the framework floor)
    consumes: str | None = None  # "slots" (create) or "pending" (confirm): lines used once


SCENARIOS = (
    Scenario("healthz", "GET /healthz (framework floor)", floor="healthz"),
    Scenario("availability_pax2", "GET /availability pax_count=2", floor="db:2"),
    Scenario("availability_pax12", "GET /availability pax_count=12", floor="db:12"),
    Scenario("detail", "GET /transfers/{id}", floor="healthz"),
    Scenario("list_day", "GET /transfers?date=…&page_size=100", floor="healthz"),
    Scenario("create", "POST /transfers (Idempotency-Key)", floor="healthz", consumes="slots"),
    Scenario("confirm", "PATCH /transfers/{id}/status CONFIRMED", floor="healthz", consumes="pending"),
)

# Targets at concurrency 8, as a share of the scenario's floor (issue 7).
TARGETS = {
    "availability_pax2": 0.50,
    "availability_pax12": 0.50,
    "detail": 0.50,
    "list_day": 0.25,
    "create": 0.30,
    "confirm": 0.25,
}


def availability_path(pickup, pax_count):
    local = to_local(pickup)
    query = {"date": local.date().isoformat(), "pickup_time": local.strftime("%H:%M"), "pax_count": pax_count}
    return "/availability?" + urlencode(query)


def read_lines(name, *, pickup, day, transfer_ids):
    """Request lines of a read scenario (cycled through by wrk)."""
    if name == "healthz":
        return [("GET", "/healthz", None, None)]
    if name.startswith("availability_pax"):
        return [("GET", availability_path(pickup, int(name.removeprefix("availability_pax"))), None, None)]
    if name == "detail":
        return [("GET", f"/transfers/{pk}", None, None) for pk in transfer_ids]
    if name == "list_day":
        return [("GET", f"/transfers?date={day.isoformat()}&page_size=100", None, None)]
    raise ValueError(name)


def create_lines(slots, run_id):
    """One booking per free slot, each with its own Idempotency-Key."""
    return [
        ("POST", "/transfers", f"bench-{run_id}-{i}", json.dumps({
            "vehicle_id": vehicle_id,
            "pickup_time": to_local(pickup).isoformat(),
            "pax_count": 1,
            "passenger_name": "Bench Guest",
            "pickup_location": "Palma Airport (PMI)",
            "dropoff_location": "Hotel Bench, Palma",
        }))
        for i, (vehicle_id, pickup) in enumerate(slots)
    ]


def confirm_lines(transfer_ids):
    return [("PATCH", f"/transfers/{pk}/status", None, CONFIRM_BODY) for pk in transfer_ids]
