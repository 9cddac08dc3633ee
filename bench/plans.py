"""The plans of the queries that matter, as the server actually ran them."""
import json

from django.db import connection

from bench.floor import REFERENCE_QUERY
from bookings import selectors
from bookings.locking import lock_asking_busy_statement
from bookings.api.availability import availability_read
from bookings.api.transfer_reads import transfer_reads
from bookings.rules import window_bounds


def _queries(pickup_at, vehicle_id, day):
    window_start, window_end = window_bounds(pickup_at)
    return {
        "availability (app, pax 2)": availability_read().statement(pickup_at, 2),
        "availability (issue's reference, pax 2)": (REFERENCE_QUERY, (2, window_start, window_end)),
        "conflict check (one vehicle)": selectors.conflict_statement(vehicle_id=vehicle_id, at=pickup_at),
        # Booking and confirming ask the conflict check inside the vehicle's lock (autocommit here:
        # the lock ends with the statement).
        "vehicle lock with its conflict check": lock_asking_busy_statement(vehicle_id, pickup_at),
        "day list (page of 100 with the total)": transfer_reads().page_statement(
            selectors.transfers_on(day=day), 0, 100
        ),
    }


def _tables(node, found):
    """Each table access in a MariaDB ANALYZE FORMAT=JSON tree, in order."""
    if isinstance(node, dict):
        if "table_name" in node:
            found.append({k: node[k] for k in ("table_name", "access_type", "key", "used_key_parts", "rows",
                                               "r_rows", "r_loops", "filtered", "r_filtered", "r_table_time_ms",
                                               "attached_condition") if k in node})
        for value in node.values():
            _tables(value, found)
    elif isinstance(node, list):
        for value in node:
            _tables(value, found)
    return found


def analyze(pickup_at, vehicle_id, day):
    """``{name: {sql, plan, tables}}``: MariaDB's ANALYZE FORMAT=JSON, or MySQL's EXPLAIN ANALYZE."""
    queries = _queries(pickup_at, vehicle_id, day)
    mariadb = "mariadb" in connection.mysql_server_info.lower() if connection.vendor == "mysql" else False
    results = {}
    with connection.cursor() as cursor:
        for name, (sql, params) in queries.items():
            params = [connection.ops.adapt_datetimefield_value(p) if hasattr(p, "tzinfo") else p for p in params]
            if mariadb:
                cursor.execute("ANALYZE FORMAT=JSON " + sql, params)
                plan = json.loads(cursor.fetchone()[0])
                results[name] = {"sql": connection.ops.last_executed_query(cursor, sql, params).split(" ", 2)[2],
                                 "plan": plan, "tables": _tables(plan, [])}
            else:
                cursor.execute("EXPLAIN ANALYZE " + sql, params)
                results[name] = {"sql": sql, "plan": cursor.fetchone()[0], "tables": []}
    return results
