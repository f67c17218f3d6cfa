"""The performance benchmark: `python bench/run.py [--quick]` from the repository root.

Starts each server on a free loopback port, warms it, loads it with wrk at 16 connections
and prints one table: throughput and latency, in-process cost, start-up time and memory,
each beside the figure it is judged against. Needs `wrk` (Debian: `apt-get install wrk`)
and bench/requirements.txt.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
API_KEY = "bench-key"
CONNECTIONS = 16
BODY = b'{"name":"Ada Lovelace","about":"First programmer","metadata":{"born":1815}}'
HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
BIN = Path(sys.executable).parent
GUNICORN = str(BIN / "gunicorn")
FLASK = str(BIN / "flask")

# Server commands, run from the repository root (so gunicorn reads ./gunicorn.conf.py); {port} is filled in.
PRODUCTION = [GUNICORN]
FLOOR = [GUNICORN, "bench.floor:create_app()"]
FLASK_RUN = [FLASK, "run", "--port", "{port}"]
FLASK_RUN_FLOOR = [FLASK, "--app", "bench.floor", "run", "--port", "{port}"]


def fastapi(worker_class):
    """The FastAPI upsert as the hosted service is served. Run from bench/: no gunicorn.conf.py there."""
    return [
        GUNICORN, "--pythonpath", f"{ROOT},{ROOT / 'tests'}", "--bind", "127.0.0.1:{port}",
        "--workers", "2", "--worker-class", worker_class, "fastapi_app:app",
    ]


# name: (command, working directory)
LOADED = {
    "upsert: gunicorn.conf.py": (PRODUCTION, ROOT),
    "floor: Flask hello, same gunicorn.conf.py": (FLOOR, ROOT),
    "FastAPI, 2 Uvicorn workers (asyncio, h11)": (fastapi("fastapi_app.PlainUvicornWorker"), BENCH),
    "FastAPI, 2 Uvicorn workers (uvloop, httptools)": (fastapi("uvicorn.workers.UvicornWorker"), BENCH),
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One server process (with its workers) on a free port and its own database file."""

    def __init__(self, command, workdir, cwd=ROOT):
        self.port = free_port()
        self.command = [part.format(port=self.port) for part in command]
        database = os.path.join(workdir, f"users-{self.port}.sqlite3")
        self.env = {
            **os.environ,
            "AGENTS_API_KEY": API_KEY,
            "FLASK_DATABASE": database,
            "BENCH_DATABASE": database,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
        }
        self.cwd = cwd
        self.process = None

    def start(self, timeout=30):
        """Start the process; return the seconds from start to the first 201."""
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{' '.join(self.command)} exited with {self.process.returncode}")
            try:
                if upsert_status(self.port) == 201:
                    return time.perf_counter() - started
            except OSError:
                time.sleep(0.002)
        self.stop()
        raise RuntimeError(f"{' '.join(self.command)} gave no 201 within {timeout} s")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def pids(self):
        """The server's process and its children (gunicorn's workers)."""
        pid = self.process.pid
        return [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]

    def cpu_seconds(self):
        """User and system CPU time used so far by the server's processes."""
        ticks = 0
        for pid in self.pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def memory_mib(self, field):
        """A /proc status figure (VmRSS now, VmHWM peak) summed over the server's processes, in MiB."""
        kib = 0
        for pid in self.pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    kib += int(line.split()[1])
        return kib / 1024


def upsert_status(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("POST", f"/users/{uuid.uuid4()}", BODY, HEADERS)
        return connection.getresponse().status
    finally:
        connection.close()


def wrk(port, seconds):
    """Upserts from wrk for `seconds`: requests, seconds, errors, p50_ms, p99_ms and rate."""
    command = [
        "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(BENCH / "upsert.lua"),
        f"http://127.0.0.1:{port}", "--", API_KEY, str(random.randrange(2**31)),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    (line,) = [line for line in output.splitlines() if line.startswith("BENCH ")]
    figures = json.loads(line.removeprefix("BENCH "))
    figures["rate"] = figures["requests"] / figures["seconds"]
    return figures


def load(command, cwd, workdir, seconds, warm_seconds):
    """Start, warm and load one server; wrk's figures and the server's CPU µs per request."""
    server = Server(command, workdir, cwd)
    server.start()
    try:
        wrk(server.port, warm_seconds)
        cpu_before = server.cpu_seconds()
        figures = wrk(server.port, seconds)
        figures["cpu_us"] = (server.cpu_seconds() - cpu_before) / figures["requests"] * 1e6
        return figures
    finally:
        server.stop()


def upserts_until(server, count, done, timeout=600):
    """Load the server in 2-second runs until `count` upserts in all are answered; the new total."""
    started = time.perf_counter()
    while done < count:
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"fewer than {count} upserts in {timeout} s")
        figures = wrk(server.port, 2)
        if figures["errors"]:
            raise RuntimeError(f"{figures['errors']} errors under load")
        done += figures["requests"]
    return done


def in_process_micros(apps, count, batches=5):
    """µs per POST /users/{new id} through each app's test client: batches taken in turn, the best of each."""
    clients = [app.test_client() for app in apps]
    best = [float("inf")] * len(apps)
    for batch in range(batches + 1):
        for index, client in enumerate(clients):
            paths = [f"/users/{uuid.uuid4()}" for _ in range(count)]
            started = time.perf_counter_ns()
            for path in paths:
                client.post(path, data=BODY, headers=HEADERS)
            if batch:  # the first batch only warms up
                best[index] = min(best[index], (time.perf_counter_ns() - started) / count / 1000)
    return best


def start_up_seconds(command, workdir, repeats):
    times = []
    for _ in range(repeats):
        server = Server(command, workdir)
        times.append(server.start())
        server.stop()
    return statistics.median(times)


def verdict(ok):
    return "ok" if ok else "MISSED"


def report_load(workdir, rounds, seconds, warm_seconds):
    print(f"\n## 1-3. Load: wrk -t2 -c{CONNECTIONS}, POST /users/{{random UUID}}, {seconds} s after {warm_seconds} s "
          f"warm-up; median of {rounds} rounds, servers taken in turn")
    runs = {name: [] for name in LOADED}
    for _ in range(rounds):
        for name, (command, cwd) in LOADED.items():
            runs[name].append(load(command, cwd, workdir, seconds, warm_seconds))
    print(f"{'server':48} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'CPU µs/req':>10}")
    medians = []
    for name, figures in runs.items():
        median = {key: statistics.median(run[key] for run in figures) for key in ("rate", "p50_ms", "p99_ms", "cpu_us")}
        median["errors"] = sum(run["errors"] for run in figures)
        medians.append(median)
        print(f"{name:48} {median['rate']:7.0f} {median['p50_ms']:7.2f} {median['p99_ms']:7.2f} "
              f"{median['errors']:6d} {median['cpu_us']:10.0f}")
    upsert, floor, hosted, standard = medians
    print(f"upsert / floor: {upsert['rate'] / floor['rate']:.2f} req/s, {floor['cpu_us'] / upsert['cpu_us']:.2f} "
          f"by CPU  (target >= 0.70: {verdict(upsert['rate'] >= 0.7 * floor['rate'])})")
    print(f"upsert / FastAPI (asyncio, h11): {upsert['rate'] / hosted['rate']:.2f} req/s, "
          f"{hosted['cpu_us'] / upsert['cpu_us']:.2f} by CPU  (target >= 1.5: "
          f"{verdict(upsert['rate'] >= 1.5 * hosted['rate'])}); (uvloop, httptools): "
          f"{upsert['rate'] / standard['rate']:.2f} req/s, {standard['cpu_us'] / upsert['cpu_us']:.2f} by CPU")
    print(f"upsert p99 {upsert['p99_ms']:.2f} ms, {upsert['errors']} errors  "
          f"(target <= 20 ms, 0: {verdict(upsert['p99_ms'] <= 20 and upsert['errors'] == 0)})")


def report_in_process(workdir, count):
    from app import create_app
    from bench.floor import create_app as create_floor_app

    print(f"\n## 4. In-process: app.test_client(), best of 5 batches of {count}, the apps taken in turn")
    apps = {
        "upsert, database file": create_app(
            {"DATABASE": os.path.join(workdir, "in-process.sqlite3"), "API_KEY": API_KEY}
        ),
        "upsert, in memory (the README's in-process recipe)": create_app({"DATABASE": ":memory:", "API_KEY": API_KEY}),
    }
    for app in apps.values():
        assert app.test_client().post(f"/users/{uuid.uuid4()}", data=BODY, headers=HEADERS).status_code == 201
    *ours, hello = in_process_micros([*apps.values(), create_floor_app()], count)
    for label, micros in zip(apps, ours):
        print(f"{label}: {micros:.0f} µs, floor hello {hello:.0f} µs, ratio {micros / hello:.2f}  "
              f"(target <= 2: {verdict(micros <= 2 * hello)})")


def report_start_up(workdir, repeats):
    print(f"\n## 5. Start-up: process start to first 201, median of {repeats}")
    for label, command, floor_command in (
        ("flask run", FLASK_RUN, FLASK_RUN_FLOOR),
        ("gunicorn ", PRODUCTION, FLOOR),
    ):
        ours = start_up_seconds(command, workdir, repeats)
        floor = start_up_seconds(floor_command, workdir, repeats)
        print(f"{label}  upsert {ours * 1000:.0f} ms, floor {floor * 1000:.0f} ms, ratio {ours / floor:.2f}  "
              f"(target <= 1.5: {verdict(ours <= 1.5 * floor)})")


def report_memory(workdir, first, total):
    print("\n## 6. Memory of the production server (master + workers, summed) under upserts")
    server = Server(PRODUCTION, workdir)
    server.start()
    try:
        first_done = upserts_until(server, first, 0)
        rss_first = server.memory_mib("VmRSS")
        done = upserts_until(server, total, first_done)
        rss_total, peak = server.memory_mib("VmRSS"), server.memory_mib("VmHWM")
    finally:
        server.stop()
    growth = rss_total / rss_first - 1
    print(f"RSS after {first_done:,} upserts {rss_first:.1f} MiB, after {done:,} {rss_total:.1f} MiB: "
          f"{growth:+.1%}  (target within 10%: {verdict(abs(growth) <= 0.10)}); peak {peak:.1f} MiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 round of 2 s, 10x fewer of everything")
    parser.add_argument("--rounds", type=int, default=5, help="load rounds, the servers taken in turn (default 5)")
    parser.add_argument("--seconds", type=int, default=5, help="load time per server and round (default 5)")
    args = parser.parse_args()
    rounds, seconds, warm_seconds, scale = (1, 2, 1, 10) if args.quick else (args.rounds, args.seconds, 2, 1)
    if shutil.which("wrk") is None:
        sys.exit("bench/run.py needs wrk: `apt-get install wrk` (Debian, Ubuntu) or `brew install wrk` (macOS)")
    sys.path.insert(0, str(ROOT))
    print(f"# {os.cpu_count()} cores. On a shared machine figures move from run to run: compare the ratios, "
          "each measured within this run.")
    with tempfile.TemporaryDirectory() as workdir:
        report_load(workdir, rounds, seconds, warm_seconds)
        report_in_process(workdir, 2000 // scale)
        report_start_up(workdir, 1 if args.quick else 5)
        report_memory(workdir, 10_000 // scale, 100_000 // scale)


if __name__ == "__main__":
    main()
