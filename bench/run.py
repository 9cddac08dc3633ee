"""One benchmark run, step by step: data, floors, plans, statement counts, load, report."""
import datetime as dt
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from bench import cpu, dataset, floor, inprocess, plans, report, server_settings
from bench.load import run_wrk, write_requests
from bench.scenarios import SCENARIOS, confirm_lines, create_lines, read_lines
from bench.server import Service
from bench.sqlcount import count_statements
from bookings.rules import window_bounds

WARMUP_SECONDS = 1
# Fresh lines prepared per consuming run: the framework floor's rate at that
# concurrency (an upper bound) times the duration, with a margin.
SUPPLY_MARGIN = 1.3


def log(message):
    print(message, file=sys.stderr, flush=True)


class Run:
    def __init__(self, args, database_url):
        self.args = args
        self.database_url = database_url
        self.levels = [int(c) for c in args.concurrency.split(",")]
        wanted = set(args.only.split(",")) if args.only else None
        self.scenarios = [s for s in SCENARIOS if wanted is None or s.name in wanted or s.name == "healthz"]
        self.run_id = time.strftime("%Y%m%d%H%M%S")
        self.work = Path(tempfile.mkdtemp(prefix="bench-"))
        self.results = []

    def execute(self):
        args = self.args
        call_command("migrate", verbosity=0, interactive=False)
        standard = dataset.Standard(args.vehicles, args.transfers, args.days, args.seed)
        seeded_now = dataset.ensure_dataset(standard, log)
        self.token = dataset.api_key()
        self.user = get_user_model().objects.get(username=dataset.CLIENT)
        self.grid = dataset.SlotGrid()
        try:
            with server_settings.recommended(log) as self.server_settings:
                self.measure(seeded_now)
        except BaseException:
            log(f"The run's work folder is kept, gunicorn's log in it: {self.work}")
            raise
        shutil.rmtree(self.work)

    def measure(self, seeded_now):
        args = self.args
        log("Choosing the availability moment and the busy day...")
        self.pickup, answer_counts = dataset.availability_params()
        self.day, self.day_ids = dataset.busy_day()
        log(f"  availability at {self.pickup.isoformat()}: {answer_counts}; busy day {self.day} "
            f"({len(self.day_ids)} transfers)")
        db = connection.settings_dict
        self.database_pid = cpu.database_server_pid(db["HOST"], int(db["PORT"] or 3306))
        if args.in_process is not None:
            self.cost_per_request(args.in_process)
            return

        log("Plans (ANALYZE)...")
        analysed = plans.analyze(self.pickup, self.grid.vehicle_ids[0], self.day)

        log("Database floor...")
        floors = self.measure_floors()

        log("SQL statements per request...")
        statements = self.count_statements()

        load_avg_before = os.getloadavg()
        with Service(self.database_url, self.work / "gunicorn.log") as service:
            self.service = service
            self.warm_up()
            for scenario in self.scenarios:
                for level in self.levels:
                    result = self.load(scenario, level)
                    result["sql_per_request"] = statements[scenario.name]
                    result["worker_rss_mb"] = service.worker_rss_mb()
                    self.results.append(result)
                    log(f"  {scenario.name:<20} c={level:<3} {result['rps']:8.1f} req/s  "
                        f"p50 {result['latency_us']['p50'] / 1000:6.1f} ms  p99 {result['latency_us']['p99'] / 1000:6.1f}"
                        f" ms  errors {result['errors']}")

        log("Database floor, again (the higher of the two counts)...")
        floors = best_floors(floors, self.measure_floors())

        data = {
            "run_id": self.run_id,
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(load_avg_before),
            "database": {**dataset.server_info(), "recommended": self.server_settings},
            "dataset": {
                "vehicles": args.vehicles, "transfers": args.transfers, "days": args.days, "seed": args.seed,
                "seeded_this_run": seeded_now,
                "fleet": dataset.fleet_summary(),
                "availability_moment": self.pickup.isoformat(),
                "availability_answers": {str(k): v for k, v in answer_counts.items()},
                "busy_day": self.day.isoformat(), "busy_day_transfers": len(self.day_ids),
            },
            "service": {**service.config, "seconds": args.seconds, "concurrency": self.levels,
                        "django": django.get_version(), "python": platform.python_version(),
                        "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"]},
            "floors": floors,
            "results": self.results,
            "plans": analysed,
        }
        report.ratios(data)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "latest.json").write_text(json.dumps(data, indent=1, default=str) + "\n")
        (args.out / "latest.md").write_text(report.markdown(data))

    # --- steps -----------------------------------------------------------------

    def cost_per_request(self, count):
        log(f"CPU per request, in-process ({count} requests x {inprocess.ROUNDS} rounds per scenario, medians)...")
        results = []
        for scenario in self.scenarios:
            results.append(inprocess.measure(self, scenario, count, self.database_pid))
            log(f"  {scenario.name}")
        print(inprocess.table(results))

    def measure_floors(self):
        start, end = window_bounds(self.pickup)
        db = connection.settings_dict
        floors = {}
        for pax in (2, 12):
            for clients in sorted({1, min(8, max(self.levels))}):
                result = floor.measure_floor(db, pax_count=pax, window_start=start, window_end=end,
                                             seconds=self.args.floor_seconds, clients=clients)
                floors[f"db:{pax}:{clients}"] = result
                log(f"  pax {pax:>2}, {clients} client(s): {result['qps']:.1f} queries/s ({result['rows']} rows)")
        return floors

    def lines(self, scenario, count):
        if scenario.consumes == "slots":
            return create_lines(self.grid.take(count), f"{self.run_id}-{time.monotonic_ns()}")
        if scenario.consumes == "pending":
            return confirm_lines(dataset.insert_pending(self.grid.take(count), self.user))
        return read_lines(scenario.name, pickup=self.pickup, day=self.day, transfer_ids=self.day_ids)

    def count_statements(self):
        return {s.name: count_statements(self.lines(s, 2), self.token) for s in self.scenarios}

    def warm_up(self):
        for scenario in self.scenarios:
            if scenario.consumes is None:
                self.wrk(scenario, 8, WARMUP_SECONDS, self.lines(scenario, 0))

    def load(self, scenario, level):
        healthz = next(s for s in SCENARIOS if s.name == "healthz")
        if scenario.consumes:
            best_floor = max(r["rps"] for r in self.results if r["scenario"] == "healthz")
            lines = self.lines(scenario, math.ceil(best_floor * self.args.seconds * SUPPLY_MARGIN) + 200)
        else:
            lines = self.lines(scenario, 0)
        paired = []
        if scenario.floor == "healthz" and scenario is not healthz:
            # The framework floor again, just before and just after this row: on a
            # shared machine the load of the moment moves both alike. The higher
            # of the two counts, so a burst of other load during one of them
            # cannot flatter the ratio.
            paired.append(self.paired_floor(healthz, level))
        before = self.cpu_snapshot()
        result = self.wrk(scenario, level, self.args.seconds, lines)
        result["cpu_ms_per_request"] = cpu.per_request_ms(before, self.cpu_snapshot(), result["requests"])
        if paired:
            paired.append(self.paired_floor(healthz, level))
        result.update(scenario=scenario.name, title=scenario.title, concurrency=level, prepared=len(lines),
                      paired_floor_runs=paired, paired_floor_rps=max(paired, default=None))
        return result

    def cpu_snapshot(self):
        return cpu.snapshot(self.service.worker_pids(), self.database_pid)

    def paired_floor(self, healthz, level):
        return self.wrk(healthz, level, max(1, self.args.seconds // 3), self.lines(healthz, 0))["rps"]

    def wrk(self, scenario, level, seconds, lines):
        requests_file = self.work / f"{scenario.name}-{level}.tsv"
        write_requests(requests_file, lines)
        return run_wrk(base=self.service.base, requests_file=requests_file, out_file=self.work / "wrk.json",
                       token=self.token, concurrency=level, seconds=seconds, cycle=scenario.consumes is None)


def best_floors(before, after):
    """Each database floor at the higher of its two measurements (before and after the load)."""
    best = {}
    for key, first in before.items():
        second = after[key]
        best[key] = {**max(first, second, key=lambda r: r["qps"]), "runs_qps": [first["qps"], second["qps"]]}
    return best


def machine(load_avg):
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "load_avg_at_start": [round(x, 2) for x in load_avg]}
