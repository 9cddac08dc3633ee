"""Examples and prose for the transfers part of the OpenAPI schema."""
from drf_spectacular.utils import OpenApiExample

from dmc_transfers.openapi import validation_example

HISTORY_CREATED = {"from_status": None, "to_status": "PENDING", "changed_at": "2026-11-20T10:02:11.532000+01:00",
                   "changed_by": "agency-x", "note": None}
TRANSFER = {
    "id": 17, "vehicle_id": 3, "pickup_time": "2026-12-01T14:30:00+01:00", "pax_count": 3,
    "passenger_name": "Ada Lovelace", "passenger_phone": "+34 600 000 000", "passenger_email": "ada@example.com",
    "flight_number": "IB3456", "pickup_location": "PMI Terminal A", "dropoff_location": "Hotel Sol, Palma",
    "client_reference": "AGENCY-991", "status": "PENDING", "driver_name": None, "estimated_duration_minutes": None,
    "notes": None, "created_at": "2026-11-20T10:02:11.530000+01:00", "updated_at": "2026-11-20T10:02:11.530000+01:00",
    "status_history": [HISTORY_CREATED],
}
TRANSFER_REQUEST = OpenApiExample(
    "Booking",
    request_only=True,
    value={
        "vehicle_id": 3, "pickup_time": "2026-12-01T14:30", "pax_count": 3, "passenger_name": "Ada Lovelace",
        "passenger_phone": "+34 600 000 000", "passenger_email": "ada@example.com", "flight_number": "IB 3456",
        "pickup_location": "PMI Terminal A", "dropoff_location": "Hotel Sol, Palma", "client_reference": "AGENCY-991",
    },
)
TRANSFER_CREATED = OpenApiExample("Booked", value=TRANSFER, response_only=True, status_codes=[201])
TRANSFER_RESPONSE = OpenApiExample("Transfer", value=TRANSFER, response_only=True, status_codes=[200])

NOT_FOUND = (404, "not_found", "No Transfer matches the given query.")
UNAVAILABLE = (
    409, "vehicle_unavailable",
    "Vehicle 3 is already booked within 120 minutes of 2026-12-01T14:30:00+01:00.",
)
LIST_ERRORS = [
    validation_example({"status": ["Select a valid choice. DONE is not one of the available choices."]}),
    (404, "not_found", "Invalid page."),
]
CREATE_DESCRIPTION = """Checked in this order, the first failure answers:

1. `Idempotency-Key` replay (201 with `Idempotent-Replayed: true`) or `409 idempotency_key_reused`;
2. body valid, else `400` (pickup in the future and within the horizon; an unknown `vehicle_id` is a 400 on it);
3. `pax_count <= vehicle.capacity`, else `400` on `pax_count`;
4. `client_reference` unused by you, else `409 duplicate_client_reference`;
5. vehicle active and not busy at `pickup_time`, else `409 vehicle_unavailable`.
"""
CREATE_ERRORS = [
    validation_example({"pickup_time": ["Pickup time must be in the future."]}),
    validation_example({"pax_count": ["Vehicle 3 seats 7; 9 passengers do not fit."]}),
    validation_example({"pickup_time": ["2026-03-29T02:30:00 does not exist in Europe/Madrid (DST change)."]}),
    (409, "duplicate_client_reference", "You already have a transfer with client_reference 'AGENCY-991'."),
    UNAVAILABLE,
    (409, "idempotency_key_reused", "Idempotency-Key 'b7c1' was already used with a different request body."),
]
STATUS_DESCRIPTION = """`PENDING -> CONFIRMED -> IN_PROGRESS -> COMPLETED`; `PENDING` and `CONFIRMED` may become `CANCELLED`.

Checked in this order: `401`; `404` (unknown, or not yours); `400` (`status` missing or unknown, `note` too long);
`403` (an integrator asking for anything but `CANCELLED`); `409 invalid_transition` (with `allowed`);
`400` on `driver_name` (required to start); `409 vehicle_unavailable` (confirming re-checks the vehicle).
"""
STATUS_REQUESTS = [
    OpenApiExample("Confirm", value={"status": "CONFIRMED", "driver_name": "Marta", "note": "Called the hotel"},
                   request_only=True),
    OpenApiExample("Start", value={"status": "IN_PROGRESS", "driver_name": "Marta"}, request_only=True),
    OpenApiExample("Cancel", value={"status": "CANCELLED", "note": "Flight cancelled"}, request_only=True),
    OpenApiExample("Confirmed", response_only=True, status_codes=[200], value={
        **TRANSFER, "status": "CONFIRMED", "driver_name": "Marta",
        "status_history": [HISTORY_CREATED, {**HISTORY_CREATED, "from_status": "PENDING", "to_status": "CONFIRMED",
                                             "changed_by": "coordinator", "note": "Called the hotel"}],
    }),
]
STATUS_ERRORS = [
    validation_example({"status": ['"DONE" is not a valid choice.']}),
    validation_example({"driver_name": ["A driver name is required to start a transfer."]}),
    (403, "permission_denied", "Integrators may only cancel their transfers (status CANCELLED)."),
    NOT_FOUND,
    (409, "invalid_transition", "A transfer in status COMPLETED cannot become CANCELLED.", {"allowed": []}),
    UNAVAILABLE,
]
AVAILABILITY_ERRORS = [
    validation_example({"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}),
    validation_example({"pickup_time": ["2026-10-25T02:30:00 is ambiguous in Europe/Madrid (DST change)."]}),
]
AVAILABILITY_RESPONSE = OpenApiExample(
    "Two vans free",
    response_only=True,
    status_codes=[200],
    value={
        "pickup_at": "2026-12-01T14:30:00+01:00", "pax_count": 4, "window_minutes": 120, "count": 1,
        "results": [{"id": 3, "plate": "1234-ABC", "vehicle_type": "VAN", "capacity": 7, "is_active": True,
                     "created_at": "2026-11-20T09:15:02.113000+01:00",
                     "updated_at": "2026-11-20T09:15:02.113000+01:00"}],
    },
)
