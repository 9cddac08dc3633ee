"""Driving load with wrk (Debian's package) and the replay script."""
import json
import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "lua" / "replay.lua"


def wrk_binary():
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    return path


def write_requests(path, lines):
    """One request per line: METHOD, PATH, Idempotency-Key or "-", JSON body or nothing."""
    with open(path, "w", encoding="utf-8") as out:
        for method, target, key, body in lines:
            out.write(f"{method}\t{target}\t{key or '-'}\t{body or ''}\n")


def run_wrk(*, base, requests_file, out_file, token, concurrency, seconds, cycle):
    """Run wrk for ``seconds`` at ``concurrency`` connections; its JSON summary."""
    threads = min(concurrency, 2)
    env = {
        **os.environ,
        "BENCH_REQUESTS": str(requests_file),
        "BENCH_OUT": str(out_file),
        "BENCH_TOKEN": token or "",
        "BENCH_THREADS": str(threads),
        "BENCH_CYCLE": "1" if cycle else "0",
    }
    command = [
        wrk_binary(), "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s", "--timeout", "10s",
        "-s", str(SCRIPT), base,
    ]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    result = json.loads(Path(out_file).read_text())
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    errors = result["socket_errors"]
    result["errors"] = result["non2xx"] + result["exhausted"] + sum(errors.values())
    return result
