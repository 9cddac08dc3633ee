"""A smoke run of the benchmark harness: tiny data, a second per row, results in a temporary folder."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import environ
import pytest
from django.conf import settings

from bench.scenarios import SCENARIOS
from dmc_transfers.tests.server_globals import global_value, server_globals_turn, set_global

pytestmark = pytest.mark.integration

ROOT = Path(settings.BASE_DIR)
COMMITTED = ROOT / "bench" / "results"


def smoke_database_url():
    """A small database of its own, next to the test database (dropped first: fresh each run)."""
    url = os.environ.get("TEST_DATABASE_URL", "mysql://root:@127.0.0.1:3306/transfers")
    name = environ.Env.db_url_config(url)["NAME"]
    return url.rsplit("/", 1)[0] + f"/{name}_bench_smoke"


def drop_database(url):
    import MySQLdb

    db = environ.Env.db_url_config(url)
    conn = MySQLdb.connect(host=db["HOST"] or "127.0.0.1", port=int(db["PORT"] or 3306), user=db["USER"],
                           password=db["PASSWORD"])
    conn.cursor().execute(f"DROP DATABASE IF EXISTS `{db['NAME']}`")
    conn.close()


def committed_state():
    return {p.name: p.stat().st_mtime_ns for p in COMMITTED.glob("latest.*")}


def harness(url, *options, state):
    """``python -m bench`` on a tiny data set in ``url``: the arguments and keywords of a subprocess call.

    ``state`` is its XDG_STATE_HOME (where a run notes the server settings it replaced).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_DATABASE"))}
    env.update(BENCH_DATABASE_URL=url, XDG_STATE_HOME=str(state))
    command = [sys.executable, "-m", "bench", "--vehicles", "20", "--transfers", "200", "--days", "30", *options]
    return command, {"cwd": ROOT, "env": env, "text": True}


def run_harness(*options, state):
    """The harness run to its end in a database of its own, dropped afterwards."""
    with server_globals_turn():  # the run sets the recommended server settings
        return finished_run(*options, state=state)


def finished_run(*options, state):
    """``run_harness`` for a test already holding its turn at the server's settings."""
    url = smoke_database_url()
    drop_database(url)
    command, keywords = harness(url, *options, state=state)
    try:
        run = subprocess.run(command, capture_output=True, timeout=300, **keywords)
    finally:
        drop_database(url)
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def test_harness_runs_every_scenario_without_errors(tmp_path, tmp_path_factory):
    before = committed_state()
    run_harness("--seconds", "1", "--concurrency", "1,8", "--floor-seconds", "1", "--out", str(tmp_path),
                state=tmp_path_factory.mktemp("state"))

    data = json.loads((tmp_path / "latest.json").read_text())
    rows = {(r["scenario"], r["concurrency"]): r for r in data["results"]}
    assert set(rows) == {(s.name, c) for s in SCENARIOS for c in (1, 8)}
    for key, row in rows.items():
        assert row["requests"] > 0, key
        assert row["errors"] == 0, (key, row["first_error"])
        assert row["sql_per_request"] >= 1, key
        assert row["worker_rss_mb"], key
        assert row["cpu_ms_per_request"]["database"] is not None, key  # the test database is local
    # A second of load costs the workers and the server some CPU; ticks are 10 ms, so summed.
    assert sum(r["cpu_ms_per_request"]["workers"] * r["requests"] for r in rows.values()) > 0
    assert sum(r["cpu_ms_per_request"]["database"] * r["requests"] for r in rows.values()) > 0
    assert set(data["plans"]) >= {"availability (app, pax 2)", "conflict check (one vehicle)",
                                  "vehicle lock with its conflict check",
                                  "day list (page of 100 with the total)"}
    # README's recommended server settings were on for the run, where the server has them (not MySQL's).
    server = data["database"]
    has_query_cache = "query_cache_type" in server["settings"]
    assert server["recommended"] == ({"query_cache_type": "DEMAND"} if has_query_cache else {})
    assert server["settings"].get("query_cache_type", "DEMAND") == "DEMAND"
    markdown = (tmp_path / "latest.md").read_text()
    assert "| GET /healthz (framework floor) | 1 |" in markdown and "| CPU ms/req: workers | database |" in markdown
    assert ("server settings at their defaults except query_cache_type=DEMAND" in markdown) == has_query_cache
    autoinc = server["settings"].get("innodb_autoinc_lock_mode", "2")
    assert (f"innodb_autoinc_lock_mode={autoinc} as the server started" in markdown) == (autoinc != "2")
    assert committed_state() == before  # never over the committed results


def test_in_process_costs_every_scenario_and_writes_nothing(tmp_path, tmp_path_factory):
    before = committed_state()
    run = run_harness("--in-process", "5", "--out", str(tmp_path), state=tmp_path_factory.mktemp("state"))
    rows = {line.split()[0]: line.split()[1:] for line in run.stdout.splitlines()[1:]}
    assert set(rows) == {s.name for s in SCENARIOS}
    for name, (app_ms, database_ms, total_ms, times_healthz) in rows.items():
        assert float(app_ms) > 0 and float(total_ms) >= float(app_ms), name
        assert database_ms != "-", name  # the test database is local
    assert float(rows["healthz"][3]) == 1.0
    assert list(tmp_path.iterdir()) == [] and committed_state() == before


@pytest.mark.django_db
def test_a_terminated_run_stops_and_puts_the_server_settings_back(tmp_path):
    with server_globals_turn():
        before = global_value("query_cache_type")  # None: no query cache (MySQL)
        returncode, rest = stopped_run(signal.SIGTERM, tmp_path)
        assert returncode == 128 + signal.SIGTERM, rest[-3000:]
        assert global_value("query_cache_type") == before
    assert not list(tmp_path.glob("bench-static-*"))  # its empty static folder is gone
    (kept,) = tmp_path.glob("bench-*")  # its work folder stays, and the run said where
    assert f"The run's work folder is kept, gunicorn's log in it: {kept}" in rest
    assert not list(tmp_path.glob("dmc-transfers-bench/*"))  # nothing left to put back


@pytest.mark.django_db
def test_the_run_after_a_killed_one_puts_the_server_settings_back_first(tmp_path):
    with server_globals_turn():
        before = global_value("query_cache_type")  # None: no query cache (MySQL), nothing replaced
        try:
            assert stopped_run(signal.SIGKILL, tmp_path)[0] == -signal.SIGKILL
            assert global_value("query_cache_type") == (None if before is None else "DEMAND")  # left on
            run = finished_run("--in-process", "1", "--only", "healthz", state=tmp_path)
        finally:
            if global_value("query_cache_type") != before:
                set_global("query_cache_type", before)  # else the next tests run with the wrong one
    put_back = f"  putting back query_cache_type = {before}, left replaced by a run that was killed"
    assert (put_back in run.stderr) is (before is not None)
    assert global_value("query_cache_type") == before
    assert not list(tmp_path.glob("dmc-transfers-bench/*"))


def stopped_run(signum, tmp_path):
    """A run sent ``signum`` once it has applied the server settings: its exit code and what it wrote after.
    Its temporary folders and its notes of the server's settings go under ``tmp_path``."""
    before = global_value("query_cache_type")
    url = smoke_database_url()
    drop_database(url)
    command, keywords = harness(url, "--in-process", "10000000", "--only", "detail", state=tmp_path)
    keywords["env"]["TMPDIR"] = str(tmp_path)  # a stopped run keeps its work folder, as a failed one does
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **keywords)
    try:
        for line in run.stderr:  # the settings are on from before the in-process rounds
            if line.startswith("CPU per request"):
                break
        assert global_value("query_cache_type") == (None if before is None else "DEMAND")
        run.send_signal(signum)
        _, rest = run.communicate(timeout=60)
    finally:
        run.kill()
        drop_database(url)
    return run.returncode, rest
