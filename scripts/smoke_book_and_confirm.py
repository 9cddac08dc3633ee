# Run by scripts/smoke-sqlite inside `manage.py shell`: book, confirm and read back through the HTTP API
# (the hand-written statements of dmc_transfers/sql.py run on SQLite too).
import datetime as dt

from django.test import Client
from django.utils import timezone

from bookings.clients import rotate_api_key
from demo.seeding import DEMO_COORDINATOR, DEMO_INTEGRATOR
from fleet.models import Vehicle
from notifications.models import Notification


def expect(response, status):
    if response.status_code != status:
        raise SystemExit(f"SQLite smoke failed: {response.status_code} {response.content[:500]!r}")
    return response.json()


agency = Client(headers={"authorization": f"Token {rotate_api_key(name=DEMO_INTEGRATOR)}"})
ops = Client(headers={"authorization": f"Token {rotate_api_key(name=DEMO_COORDINATOR)}"})
pickup = (timezone.localtime() + dt.timedelta(days=400)).replace(hour=14, minute=30, second=0, microsecond=0)
free = expect(agency.get("/availability", {"date": pickup.date().isoformat(), "pickup_time": "14:30", "pax_count": 2}), 200)
vehicle_id = free["results"][0]["id"] if free["count"] else Vehicle.objects.filter(is_active=True).first().id
body = {
    "vehicle_id": vehicle_id, "pickup_time": pickup.isoformat(), "pax_count": 2, "passenger_name": "Smoke Test",
    "pickup_location": "PMI Terminal A", "dropoff_location": "Hotel Sol, Palma", "passenger_email": "smoke@example.com",
}
transfer = expect(agency.post("/transfers", body, content_type="application/json", headers={"idempotency-key": "smoke"}), 201)
confirmed = expect(
    ops.patch(f"/transfers/{transfer['id']}/status", {"status": "CONFIRMED"}, content_type="application/json"), 200
)
assert confirmed["status"] == "CONFIRMED" and len(confirmed["status_history"]) == 2, confirmed
assert Notification.objects.filter(transfer_id=transfer["id"]).count() == 1
assert expect(agency.get(f"/transfers/{transfer['id']}"), 200) == confirmed
listed = expect(ops.get("/transfers", {"date": pickup.date().isoformat(), "page_size": 1}), 200)
assert listed["count"] >= 1 and "status_history" not in listed["results"][0], listed
# An id past what a BIGINT holds is a 400 on SQLite too (it cannot even bind one).
expect(agency.post("/transfers", {**body, "vehicle_id": 2**63}, content_type="application/json"), 400)
