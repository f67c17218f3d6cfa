"""The benchmark's own machinery, on the servers its tests' packages hold: a change to server.py must not leave
bench/run.py starting nothing or measuring no process."""

import importlib.util
import os
import sqlite3
from pathlib import Path

import pytest

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


@pytest.mark.parametrize("command", [bench.PRODUCTION, bench.FLOOR], ids=["production", "floor"])
def test_a_server_of_the_benchmark_starts_and_its_every_process_is_measured(tmp_path, command):
    server = bench.Server(command, tmp_path)
    server.start()
    try:
        cpu_before = server.cpu_seconds()
        for _ in range(300):
            assert bench.upsert_status(server.port) == 201
        # The supervisor, and for each worker (one a core) a granian server and its worker process.
        assert len(server.pids()) == 1 + 2 * os.cpu_count()
        assert server.cpu_seconds() > cpu_before
        assert server.memory_mib("VmRSS") > 0
    finally:
        server.stop()


def test_the_production_server_of_the_benchmark_writes_a_database_of_its_own(tmp_path):
    server = bench.Server(bench.PRODUCTION, tmp_path)
    server.start()  # until its first 201
    server.stop()
    (database,) = tmp_path.glob("users-*.sqlite3")
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM users").fetchone() == (1,)
