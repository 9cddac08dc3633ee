"""The database floor: the issue's reference availability query through mysqlclient, nothing else."""
import datetime as dt
import multiprocessing
import time

import MySQLdb

REFERENCE_QUERY = (
    "SELECT v.* FROM fleet_vehicle v WHERE v.is_active AND v.capacity >= %s AND NOT EXISTS ("
    "SELECT 1 FROM bookings_transfer t WHERE t.vehicle_id = v.id AND t.pickup_time > %s AND t.pickup_time < %s "
    "AND t.status IN ('CONFIRMED','IN_PROGRESS')) ORDER BY v.capacity, v.id"
)


def _connect(db):
    return MySQLdb.connect(
        host=db["HOST"] or "127.0.0.1", port=int(db["PORT"] or 3306), user=db["USER"], password=db["PASSWORD"],
        database=db["NAME"], charset="utf8mb4",
    )


def _loop(args):
    db, params, seconds, start_at = args
    conn = _connect(db)
    cursor = conn.cursor()
    done, rows = 0, 0
    time.sleep(max(0.0, start_at - time.time()))  # every process starts together
    deadline = time.time() + seconds
    while time.time() < deadline:
        cursor.execute(REFERENCE_QUERY, params)
        rows = len(cursor.fetchall())
        done += 1
    conn.close()
    return done, rows


def measure_floor(db, *, pax_count, window_start, window_end, seconds, clients):
    """Queries per second with ``clients`` processes (one connection each) for ``seconds``."""
    # The columns hold UTC without a zone, as Django writes them.
    params = (pax_count, *(moment.astimezone(dt.UTC).replace(tzinfo=None) for moment in (window_start, window_end)))
    _loop((db, params, 0.3, 0))  # warm the buffer pool
    start_at = time.time() + 1.5  # after the processes have started
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        results = pool.map(_loop, [(db, params, seconds, start_at)] * clients)
    # Each process runs its own ``seconds``, all at once: their rates add up.
    return {"clients": clients, "qps": sum(done for done, _ in results) / seconds, "rows": results[0][1]}
