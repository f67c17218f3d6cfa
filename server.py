"""The production server: granian serving the app's WSGI interface, one process per core."""

# Werkzeug encodes every request's host name with the idna codec. Looked up for the first time by several
# threads at once, the codec can fail to load, and CPython then remembers it as unknown: every request after
# is a 500. So it is loaded here, before any request.
import encodings.idna  # noqa: F401
import contextlib
import functools
import http.client
import io
import logging
import multiprocessing
import os
import secrets
import threading
import time
import uuid

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server import Server

from .app import create_app
from .db import refuse_memory_for_workers
from .pause import TURN_GIVEN_UP

log = logging.getLogger(__name__)

# The figures behind each setting are in the README's Performance section.
# Requests a worker runs at once; the others wait their turn. Against 2, in 7 A/B rounds of the benchmark's load,
# 4 made more req/s in 6 (median +8%) at the same median p99 (16.8 against 16.5 ms); 8, in 3 rounds, about as many as 4.
RUNNING = 4
# Python threads per worker, made as needed (granian's default for 512 connections). A request waiting for its
# body holds one: this many stalled uploads at once would freeze a worker.
THREADS = 256
# Connections a worker holds open. At granian's default (512 with two workers) 1,000 idle ones filled a worker,
# and new clients waited for the 5 s after which idle ones are closed; 6,000 idle ones cost the workers 18 MiB.
CONNECTIONS = 4096
# An idle keep-alive connection, or one that has not finished its headers, is closed after this long (as uvicorn).
HEADER_TIMEOUT_MS = 5000
# A worker still busy after SIGTERM (a held-open connection) is killed after this long: stopping takes under 2 s.
KILL_TIMEOUT_S = 1


# granian's own lines go to stderr (its default is stdout, where `serve` says only where it listens), without
# its warning that THREADS is many: a stalled upload holds a thread, and THREADS is what it takes to freeze a worker.
GRANIAN_LOGGING = {
    "filters": {"threads_intended": {"()": "julep_users_double.server.ThreadsIntended"}},
    "handlers": {
        "console": {"formatter": "generic", "class": "logging.StreamHandler", "stream": "ext://sys.stderr", "filters": ["threads_intended"]},
        "access": {"formatter": "access", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
    },
}


class ThreadsIntended(logging.Filter):
    def filter(self, record):
        return "Python threads, which seems quite high" not in record.getMessage()


def serve(host="127.0.0.1", port=8000, workers=os.cpu_count(), env=None, on_ready=None):
    """Serve the double until SIGTERM or SIGINT.

    `env`: settings (the README's environment variables) over os.environ. Port 0 takes a free port;
    `on_ready(url)` is called once the double's health answers there.
    """
    os.environ.update(env or {})
    try:
        refuse_memory_for_workers(os.environ.get("FLASK_DATABASE"), workers)
    except ValueError as error:
        raise SystemExit(f"Error: {error}") from None
    # One start for every worker, a replacement of a crashed one too: FLASK_SEED_FILE is imported once.
    os.environ["FLASK_SERVER_START"] = str(uuid.uuid4())
    if not os.environ.get("AGENTS_API_KEY"):  # made here, once: every worker must accept the same key
        os.environ["AGENTS_API_KEY"] = secrets.token_urlsafe(24)
        log.warning("AGENTS_API_KEY is not set; this run's API key is %s", os.environ["AGENTS_API_KEY"])
    prepare_database()

    def announce(port):
        if on_ready is not None:
            url = f"http://{host}:{port}"
            threading.Thread(target=call_when_healthy, args=(url, on_ready), daemon=True).start()

    run(load_double, host, port, workers, announce)


def prepare_database():
    """Build the app once before the workers start, in a process of its own.

    So a new database file gets its schema (and WAL mode) once, not from every worker at once; a bad
    setting stops the server here; and no SQLite connection is carried into the forked workers.
    """
    process = multiprocessing.Process(target=create_app, name="julep-users-double-setup")
    process.start()
    process.join()
    if process.exitcode:
        raise SystemExit("the double could not start: see the error above")


def load_double():
    app = create_app()
    # granian starts every request's environ from a copy of os.environ (granian/wsgi.py), where a variable such
    # as HTTP_PROXY would read as a header the client sent: the app has read its settings, so drop them.
    for name in [name for name in os.environ if name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH")]:
        del os.environ[name]
    return app


def run(load_app, host, port, workers, on_listening=None):
    """Run granian with the production settings on the WSGI app `load_app()` builds in each worker.

    `on_listening(port)` is called in this process once the port is bound, before the workers start.
    """
    server = Server(
        "",  # the app comes from load_app, not from an import path
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=THREADS,
        backpressure=CONNECTIONS,
        http=HTTPModes.http1,
        websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT_MS),
        respawn_failed_workers=True,
        workers_kill_timeout=KILL_TIMEOUT_S,
        log_dictconfig=GRANIAN_LOGGING,
    )
    if on_listening is not None:
        # The port granian bound, which it hands its workers: for port 0, the one the system chose.
        server.on_startup(lambda: on_listening(server._ssp.__getstate__()[1]))
    server.serve(target_loader=functools.partial(worker_app, load_app))


def worker_app(load_app, _target):
    """What each worker serves (a function of the module: Python 3.14 starts workers by spawn, which pickles it).

    Workers are not pinned to cores: pinned, the upsert gained a quarter in req/s, but a worker could not move
    off a core that another process kept busy, and its p99 was two to three times as long (README, Performance).
    """
    return one_at_a_time(load_app())


def one_at_a_time(app):
    """The app, run for at most RUNNING requests of a worker at once, each only once its body has arrived.

    A body within the app's limit is read first, outside the turn, so a client that stalls in its body
    holds a thread (of THREADS) but not a turn, nor any database connection. The answer is handed to granian
    as a list, which it sends in one piece; an iterator it would stream through a channel (6% more CPU).
    """
    turns = threading.BoundedSemaphore(RUNNING)
    limit = app.config["MAX_CONTENT_LENGTH"]

    @contextlib.contextmanager
    def turn_given_up():
        """While a request waits (pause.py), another may run: a delay fault or a long poll freezes no one."""
        turns.release()
        try:
            yield
        finally:
            turns.acquire()

    def app_in_turn(environ, start_response):
        length = environ.get("CONTENT_LENGTH", "")
        if length.isdigit() and (limit is None or int(length) <= limit):
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(int(length)))
        environ[TURN_GIVEN_UP] = turn_given_up
        with turns:
            body = app(environ, start_response)
            try:
                return list(body)
            finally:
                if hasattr(body, "close"):
                    body.close()

    return app_in_turn


def call_when_healthy(url, callback, timeout=30):
    """Call `callback(url)` once GET /_double/health answers 200 there."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection(host, int(port), timeout=1)
        try:
            connection.request("GET", "/_double/health")
            if connection.getresponse().status == 200:
                callback(url)
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.01)
    log.error("the double did not answer on %s within %s s", url, timeout)
