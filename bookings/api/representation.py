"""What a transfer looks like in API.md, as the fields of a row.

Building TransferSerializer's fields (and its nested history serializer) cost
about a millisecond per response, more than the queries (README,
Performance): responses are built from rows (``bookings/api/transfer_reads.py``).
``TransferSerializer`` stays the schema and the reference: the tests check
both give the same representation.
"""
from bookings.api.serializers import TRANSFER_FIELDS, StatusHistorySerializer

TRANSFER_COLUMNS = tuple(name for name in TRANSFER_FIELDS if name != "status_history")
TRANSFER_DATETIMES = ("pickup_time", "created_at", "updated_at")
HISTORY_COLUMNS = tuple(StatusHistorySerializer.Meta.fields)
