"""The performance benchmark: `python bench/run.py [--quick]` from the repository root.

Starts each server on a free loopback port, warms it, loads it with wrk at 16 connections
(quietly, with slow clients held open, and beside a process that keeps a core busy) and prints
one table: throughput and latency, in-process cost (app.wsgi_app), one test's cost with the julep_double
fixture beside respx stubs, the docs' speeds, start-up time and memory, each beside the figure it is judged
against. Needs `wrk` (Debian: `apt-get install wrk`) and bench/requirements.txt.
"""

import argparse
import http.client
import json
import os
import random
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
API_KEY = "bench-key"
CONNECTIONS = 16
IDLE, STALLED = 256, 64
BODY = b'{"name":"Ada Lovelace","about":"First programmer","metadata":{"born":1815}}'
HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
BIN = Path(sys.executable).parent
GUNICORN = [str(BIN / "gunicorn"), "-c", "bench/gunicorn.conf.py"]
FLASK = str(BIN / "flask")

# Server commands, run from the repository root; {port} is filled in.
PRODUCTION = [sys.executable, "-c", "from julep_users_double.server import serve; serve(port={port})"]
FLOOR = [
    sys.executable, "-c",
    "import os; from bench.floor import create_app; from julep_users_double.server import supervise; "
    "supervise(create_app, '127.0.0.1', {port}, os.cpu_count())",
]
FASTAPI = [
    str(BIN / "uvicorn"), "--app-dir", "bench", "--port", "{port}", "--workers", "2", "--loop", "uvloop",
    "--http", "httptools", "--no-access-log", "fastapi_app:app",
]
FLASK_RUN = [FLASK, "run", "--port", "{port}"]
FLASK_RUN_FLOOR = [FLASK, "--app", "bench/floor.py", "run", "--port", "{port}"]

# name: (command, the conditions it is loaded under: see CONDITIONS)
QUIET, HELD_OPEN, BUSY_CORE = "quiet", f"{IDLE} idle + {STALLED} stalled held open", "a core kept busy"
LOADED = {
    "upsert: production (granian, server.py)": (PRODUCTION, (QUIET, HELD_OPEN, BUSY_CORE)),
    "upsert: gunicorn (bench/gunicorn.conf.py)": (GUNICORN, (QUIET, HELD_OPEN, BUSY_CORE)),
    "floor: Flask hello, production server": (FLOOR, (QUIET,)),
    "floor: Flask hello, gunicorn": ([*GUNICORN, "bench.floor:create_app()"], (QUIET,)),
    "FastAPI: async, uvicorn uvloop + httptools, 2 workers": (FASTAPI, (QUIET, HELD_OPEN, BUSY_CORE)),
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One server process (with its workers) on a free port and its own database file."""

    def __init__(self, command, workdir):
        self.port = free_port()
        self.command = [part.format(port=self.port) for part in command]
        database = os.path.join(workdir, f"users-{self.port}.sqlite3")
        self.env = {
            **os.environ,
            "AGENTS_API_KEY": API_KEY,
            "FLASK_DATABASE": database,  # flask run's and gunicorn's (the app of a checkout)
            "JULEP_DOUBLE_DATABASE": database,  # the production server's: the installed package reads no FLASK_*
            "BENCH_DATABASE": database,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "PYTHONPATH": str(ROOT / "tests"),  # the FastAPI app's request model is the tests' reference
        }
        self.process = None

    def start(self, timeout=30):
        """Start the process; return the seconds from start to the first 201."""
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, start_new_session=True,
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
        """The server's process and all its descendants (a supervisor's servers, their workers)."""
        pids = [self.process.pid]
        for pid in pids:  # grows as it goes: each process's children join the walk
            for task in Path(f"/proc/{pid}/task").iterdir():
                pids.extend(map(int, (task / "children").read_text().split()))
        return pids

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


def health_status(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/_double/health")
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


def idle_connection(port):
    return socket.create_connection(("127.0.0.1", port))


def stalled_connection(port):
    """A write whose body stops 80 bytes short of its Content-Length."""
    sock = socket.create_connection(("127.0.0.1", port))
    head = f"PUT /users/{uuid.uuid4()} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {API_KEY}\r\nContent-Length: 100\r\n\r\n"
    sock.sendall(head.encode() + b'{"name": "Stalled"')
    return sock


@contextmanager
def quiet(port, probes):
    yield


@contextmanager
def held_open(port, probes):
    """IDLE silent connections and STALLED stalled writes, each replaced as soon as the server drops it; and
    every 100 ms a health check and an upsert, each on a new connection, their times (ms) going to `probes`."""
    sockets = {idle_connection(port): idle_connection for _ in range(IDLE)}
    sockets.update({stalled_connection(port): stalled_connection for _ in range(STALLED)})
    done = threading.Event()

    def keep_open():
        while not done.is_set():
            readable, _, _ = select.select(list(sockets), [], [], 0.05)
            for sock in readable:
                kind = sockets.pop(sock)
                sock.close()
                sockets[kind(port)] = kind

    def probe():
        while not done.wait(0.1):
            for name, request in (("health", health_status), ("upsert", upsert_status)):
                started = time.perf_counter()
                try:
                    request(port)
                    probes.setdefault(name, []).append((time.perf_counter() - started) * 1000)
                except OSError:
                    probes.setdefault(name, []).append(float("inf"))

    threads = [threading.Thread(target=keep_open), threading.Thread(target=probe)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        done.set()
        for thread in threads:
            thread.join()
        for sock in sockets:
            sock.close()


@contextmanager
def busy_core(port, probes):
    """A process that keeps one core busy, as another job on a shared machine would."""
    process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        process.kill()
        process.wait()


CONDITIONS = {QUIET: quiet, HELD_OPEN: held_open, BUSY_CORE: busy_core}


def load(command, condition, workdir, seconds, warm_seconds):
    """Start, warm and load one server; wrk's figures, the server's CPU µs per request, the slowest probes."""
    server = Server(command, workdir)
    server.start()
    try:
        wrk(server.port, warm_seconds)
        probes = {}
        with CONDITIONS[condition](server.port, probes):
            cpu_before = server.cpu_seconds()
            figures = wrk(server.port, seconds)
            cpu_seconds = server.cpu_seconds() - cpu_before
            figures["cpu_us"] = cpu_seconds / figures["requests"] * 1e6 if figures["requests"] else float("nan")
        figures.update({f"{name}_max_ms": max(times) for name, times in probes.items()})
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


def upsert_environ(path):
    """The WSGI environ of POST `path` with the benchmark's body, as a server would hand it to the app."""
    from werkzeug.test import EnvironBuilder

    return EnvironBuilder(path=path, method="POST", headers=HEADERS, data=BODY).get_environ()


def in_process_micros(apps, count, batches=5):
    """µs per POST /users/{new id} straight through each app's app.wsgi_app, its answer read and closed (no test
    client, no server): batches taken in turn, the best of each. The environs are built before the clock starts."""
    best = [float("inf")] * len(apps)
    for batch in range(batches + 1):
        for index, app in enumerate(apps):
            environs = [upsert_environ(f"/users/{uuid.uuid4()}") for _ in range(count)]
            started = time.perf_counter_ns()
            for environ in environs:
                answer = app.wsgi_app(environ, ignore_start_response)
                b"".join(answer)
                answer.close()
            if batch:  # the first batch only warms up
                best[index] = min(best[index], (time.perf_counter_ns() - started) / count / 1000)
    return best


def ignore_start_response(status, headers, exc_info=None):
    if not status.startswith("201"):
        raise RuntimeError(f"the upsert answered {status}")


def start_up_seconds(commands, workdir, repeats):
    """Median seconds to the first 201 of each command, the commands started in turn."""
    times = [[] for _ in commands]
    for _ in range(repeats):
        for index, command in enumerate(commands):
            server = Server(command, workdir)
            times[index].append(server.start())
            server.stop()
    return [statistics.median(each) for each in times]


def verdict(ok):
    return "ok" if ok else "MISSED"


def median_figures(runs):
    median = {key: statistics.median(run[key] for run in runs) for key in ("rate", "p50_ms", "p99_ms", "cpu_us")}
    median["errors"] = sum(run["errors"] for run in runs)
    for key in ("health_max_ms", "upsert_max_ms"):
        if key in runs[0]:
            median[key] = max(run[key] for run in runs)
    return median


def report_load(workdir, rounds, seconds, warm_seconds):
    print(f"\n## 1-3. Load: wrk -t2 -c{CONNECTIONS}, POST /users/{{random UUID}}, {seconds} s after {warm_seconds} s "
          f"warm-up; median of {rounds} rounds, every server and condition taken in turn in each round")
    loads = [(name, condition) for name, (_, conditions) in LOADED.items() for condition in conditions]
    runs = {key: [] for key in loads}
    for _ in range(rounds):
        for name, condition in loads:
            runs[name, condition].append(load(LOADED[name][0], condition, workdir, seconds, warm_seconds))
    print(f"{'server':56} {'condition':30} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'CPU µs/req':>10}"
          f"  slowest probe: health, upsert (ms; inf: no answer in 5 s)")
    medians = {}
    for (name, condition), figures in runs.items():
        median = medians[name, condition] = median_figures(figures)
        probes = f"  {median['health_max_ms']:.0f}, {median['upsert_max_ms']:.0f}" if "health_max_ms" in median else ""
        print(f"{name:56} {condition:30} {median['rate']:7.0f} {median['p50_ms']:7.2f} {median['p99_ms']:7.2f} "
              f"{median['errors']:6d} {median['cpu_us']:10.0f}{probes}")
    production, gunicorn, floor, _, fastapi = [medians[name, QUIET] for name in LOADED]
    held = medians[next(iter(LOADED)), HELD_OPEN]
    print(f"upsert / FastAPI: {production['rate'] / fastapi['rate']:.2f} req/s, "
          f"{fastapi['cpu_us'] / production['cpu_us']:.2f} by CPU  (target >= 1.2: "
          f"{verdict(production['rate'] >= 1.2 * fastapi['rate'])})")
    print(f"upsert / floor, both on the production server: {production['rate'] / floor['rate']:.2f} req/s, "
          f"{floor['cpu_us'] / production['cpu_us']:.2f} by CPU  (target >= 0.5: "
          f"{verdict(production['rate'] >= 0.5 * floor['rate'])})")
    print(f"upsert / gunicorn's: {production['rate'] / gunicorn['rate']:.2f} req/s")
    print(f"upsert p99 {production['p99_ms']:.2f} ms, {production['errors']} errors  "
          f"(target <= 20 ms, 0: {verdict(production['p99_ms'] <= 20 and production['errors'] == 0)})")
    print(f"{HELD_OPEN}: {held['rate'] / production['rate']:.2f}x the req/s, {held['p99_ms'] / production['p99_ms']:.2f}x "
          f"the p99 (targets >= 0.9, <= 2: {verdict(held['rate'] >= 0.9 * production['rate'])}, "
          f"{verdict(held['p99_ms'] <= 2 * production['p99_ms'])}); slowest health {held['health_max_ms']:.0f} ms, "
          f"upsert {held['upsert_max_ms']:.0f} ms (target <= 100: "
          f"{verdict(max(held['health_max_ms'], held['upsert_max_ms']) <= 100)})")


def report_in_process(workdir, count):
    from bench.floor import create_app as create_floor_app
    from julep_users_double.app import create_app

    print(f"\n## 4. In-process: app.wsgi_app, best of 5 batches of {count}, the apps taken in turn")
    apps = {
        "upsert, database file": create_app(
            {"DATABASE": os.path.join(workdir, "in-process.sqlite3"), "API_KEY": API_KEY}
        ),
        "upsert, in memory (the README's in-process recipe)": create_app({"DATABASE": ":memory:", "API_KEY": API_KEY}),
    }
    *ours, hello = in_process_micros([*apps.values(), create_floor_app()], count)
    for label, micros in zip(apps, ours):
        target = f"  (target <= 2: {verdict(micros <= 2 * hello)})" if label == "upsert, database file" else ""
        print(f"{label}: {micros:.0f} µs, floor hello {hello:.0f} µs, ratio {micros / hello:.2f}{target}")


# What one test costs with the julep_double fixture, beside the same test on respx stubs (two canned answers, the
# SDK client made once per module): report_fixture_cost writes these modules and runs them in one pytest session.
FIXTURE_COST_TESTS = {
    "test_stub.py": """
import pytest
import respx
from julep import Julep

from user import USER

client = Julep(api_key="stub-key", base_url="http://julep.test")


@pytest.mark.parametrize("number", range({tests}))
def test_a_user_created_and_read_back(number):
    with respx.mock(base_url="http://julep.test") as stub:
        stub.post("/users").respond(201, json=USER)
        stub.get(f"/users/{{USER['id']}}").respond(200, json=USER)
        user = client.users.create(name="Ada")
        assert client.users.get(user.id).name == "Ada"
""",
    "test_double.py": """
import pytest


@pytest.mark.parametrize("number", range({tests}))
def test_a_user_created_and_read_back(julep_double, number):
    client = julep_double.client
    user = client.users.create(name="Ada")
    assert client.users.get(user.id).name == "Ada"
""",
    "test_stub_async.py": """
import asyncio

import pytest
import respx
from julep import AsyncJulep

from user import USER

client = AsyncJulep(api_key="stub-key", base_url="http://julep.test")


@pytest.mark.parametrize("number", range({tests}))
def test_a_user_created_and_read_back(number):
    async def scenario():
        with respx.mock(base_url="http://julep.test") as stub:
            stub.post("/users").respond(201, json=USER)
            stub.get(f"/users/{{USER['id']}}").respond(200, json=USER)
            user = await client.users.create(name="Ada")
            assert (await client.users.get(user.id)).name == "Ada"

    asyncio.run(scenario())
""",
    "test_double_async.py": """
import asyncio

import pytest


@pytest.mark.parametrize("number", range({tests}))
def test_a_user_created_and_read_back(julep_double, number):
    async def scenario():
        client = julep_double.async_client
        user = await client.users.create(name="Ada")
        assert (await client.users.get(user.id)).name == "Ada"

    asyncio.run(scenario())
""",
    "user.py": """
USER = {{
    "id": "0190e6a2-7b6f-7b5e-9c1a-1234567890ab", "metadata": {{}}, "created_at": "2026-11-27T13:50:07.511795Z",
    "updated_at": "2026-11-27T13:50:07.511795Z", "name": "Ada", "about": "", "project": "default",
}}
""",
    # The modules' tests taken in turn, and pytest's time for each (setup + call + teardown) written to times.json.
    "conftest.py": """
import itertools
import json
from collections import defaultdict

TIMES = defaultdict(float)


def pytest_collection_modifyitems(items):
    modules = defaultdict(list)
    for item in items:
        modules[item.module.__name__].append(item)
    items[:] = [item for turn in itertools.zip_longest(*modules.values()) for item in turn if item is not None]


def pytest_runtest_logreport(report):
    TIMES[report.nodeid] += report.duration


def pytest_sessionfinish(session):
    with open("times.json", "w") as times:
        json.dump(TIMES, times)
""",
}


def report_fixture_cost(workdir, tests):
    print(f"\n## 5. One test's cost (pytest's setup + call + teardown): create a user and read it back through the "
          f"SDK; mean of {tests - 1} tests (the first left out), the four modules' tests taken in turn in one run")
    suite = Path(workdir, "fixture_cost")
    suite.mkdir()
    for name, text in FIXTURE_COST_TESTS.items():
        suite.joinpath(name).write_text(text.format(tests=tests))
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(suite)],
        cwd=suite, check=True, stdout=subprocess.DEVNULL, timeout=600,
    )
    times = json.loads(suite.joinpath("times.json").read_text())
    mean_ms = {}
    for module in ("test_stub", "test_double", "test_stub_async", "test_double_async"):
        each = [seconds for nodeid, seconds in times.items() if nodeid.startswith(f"{module}.py::")]
        mean_ms[module] = statistics.mean(each[1:]) * 1000
    for label, stub, double in (("sync: Julep", "test_stub", "test_double"),
                                ("async: AsyncJulep", "test_stub_async", "test_double_async")):
        ratio = mean_ms[double] / mean_ms[stub]
        print(f"{label:18} respx stubs {mean_ms[stub]:.2f} ms, julep_double {mean_ms[double]:.2f} ms: {ratio:.2f}x  "
              f"(target <= 2: {verdict(ratio <= 2)})")


def report_docs(chunks):
    from bench.docs import measure

    print(f"\n## 6. Docs, in-process (bench/docs.py: app.test_client(), a database file, {chunks:,} chunks of one user)")
    results, matched = measure(chunks)
    print(f"{'':40} {'ms':>10} {'CPU ms':>10}")
    for what, (median, cpu) in results.items():
        print(f"{what:40} {median:10.2f} {cpu:10.2f}")
    print("chunks each query matched:", matched)


def report_start_up(workdir, repeats):
    print(f"\n## 7. Start-up: process start to first 201, median of {repeats}, the double and its floor in turn")
    for label, command, floor_command in (
        ("flask run        ", FLASK_RUN, FLASK_RUN_FLOOR),
        ("production server", PRODUCTION, FLOOR),
    ):
        ours, floor = start_up_seconds([command, floor_command], workdir, repeats)
        print(f"{label}  upsert {ours * 1000:.0f} ms, floor {floor * 1000:.0f} ms, ratio {ours / floor:.2f}  "
              f"(target <= 1.5: {verdict(ours <= 1.5 * floor)})")


def report_memory(workdir, first, total):
    print("\n## 8. Memory of the production server (main process + workers, summed) under upserts")
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
          f"{growth:+.1%}  (target within 5%: {verdict(abs(growth) <= 0.05)}); peak {peak:.1f} MiB")


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
        report_fixture_cost(workdir, 300 // scale + 1)
        report_docs(10_000 // scale)
        report_start_up(workdir, 1 if args.quick else 5)
        report_memory(workdir, 10_000 // scale, 100_000 // scale)


if __name__ == "__main__":
    main()
