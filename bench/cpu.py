"""Where a row's CPU went: gunicorn's workers and the database server, per request.

The ratios say how far a scenario is from its floor; these say which side
of the connection to look at. Read from ``/proc`` (user + system time of
every thread of a process), so only a database server on this machine is
counted; a remote one (or one this user cannot see) is left blank.
"""
import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
LOCAL_HOSTS = {"", "127.0.0.1", "localhost", "::1"}
LISTEN = "0A"  # a socket's state in /proc/net/tcp


def cpu_seconds(pid):
    """User + system time of process ``pid`` so far, or ``None`` once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def database_server_pid(host, port):
    """The process listening on ``port`` of this machine (the database server), or ``None``.

    By the port, not by name: a second server (a container's, say) must not
    be counted for this one. A forwarded port (docker-proxy) finds no server.
    """
    if host not in LOCAL_HOSTS:
        return None
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                sockets.add(f"socket:[{fields[9]}]")
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) in sockets for fd in fd_dir.iterdir()):
                return int(fd_dir.parent.name)
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return None


def snapshot(worker_pids, database_pid):
    """CPU seconds so far: each worker's, and the database server's (``None`` if not counted)."""
    workers = {pid: cpu_seconds(pid) for pid in worker_pids}
    return {
        "workers": {pid: s for pid, s in workers.items() if s is not None},
        "database": cpu_seconds(database_pid) if database_pid else None,
    }


def per_request_ms(before, after, requests):
    """CPU milliseconds per request between two snapshots: workers (those alive in both) and database."""
    if not requests:
        return {"workers": None, "database": None}
    common = before["workers"].keys() & after["workers"].keys()
    workers = sum(after["workers"][pid] - before["workers"][pid] for pid in common)
    database = None
    if before["database"] is not None and after["database"] is not None:
        database = (after["database"] - before["database"]) * 1000 / requests
    return {"workers": workers * 1000 / requests, "database": database}
