"""The production server: granian serving the app's WSGI interface, one worker process per core, supervised."""

# Werkzeug encodes every request's host name with the idna codec. Looked up for the first time by several
# threads at once, the codec can fail to load, and CPython then remembers it as unknown: every request after
# is a 500. So it is loaded here, before any request.
import concurrent.futures
import contextlib
import encodings.idna  # noqa: F401
import errno
import functools
import gc
import http.client
import io
import logging
import multiprocessing
import multiprocessing.connection
import os
import secrets
import signal
import socket
import sqlite3
import threading
import time
import uuid

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server import Server

from . import PACKAGE_PREFIX
from .app import create_app
from .controls import journal_batches
from .db import refuse_memory_for_workers
from .web.pause import TURN_GIVEN_UP

log = logging.getLogger(__name__)

# The figures behind each setting are in guide/performance.md.
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
# A worker that dies is replaced at once if it lived this long; if not (a crash loop), after a back-off that
# doubles from RESPAWN_FIRST_S with each such death in a row, up to RESPAWN_MAX_S: a worker that cannot start
# does not keep a core busy, and one that is killed over and over (an OOM killer, a chaos test) keeps coming back.
STEADY_S = 5
RESPAWN_FIRST_S = 0.5
RESPAWN_MAX_S = 8
# How often the supervisor looks at the time when no worker has died: the back-offs' resolution.
SUPERVISOR_TICK_S = 0.1


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


class CannotStart(Exception):
    """A reason the server cannot start, said in one line (the command prints it as `Error: …`)."""


def serve(host="127.0.0.1", port=8000, workers=os.cpu_count(), env=None, on_ready=None):
    """Serve the double until SIGTERM or SIGINT.

    `env`: settings (JULEP_DOUBLE_* and AGENTS_API_*, README Settings) over os.environ. Port 0 takes a free
    port; `on_ready(url)` is called once the double's health answers there.
    """
    os.environ.update(env or {})
    try:
        refuse_memory_for_workers(os.environ.get(f"{PACKAGE_PREFIX}_DATABASE"), workers)
    except ValueError as error:
        raise CannotStart(error) from None
    reservation = reserve(host, port)
    port = reservation.getsockname()[1]
    # One start for every worker, a replacement of a crashed one too: the seed file is imported once.
    os.environ[f"{PACKAGE_PREFIX}_SERVER_START"] = str(uuid.uuid4())
    if not os.environ.get("AGENTS_API_KEY"):  # made here, once: every worker must accept the same key
        os.environ["AGENTS_API_KEY"] = secrets.token_urlsafe(24)
        log.warning("AGENTS_API_KEY is not set; this run's API key is %s", os.environ["AGENTS_API_KEY"])
    prepare_database()
    if on_ready is not None:
        url = f"http://{host}:{port}"
        threading.Thread(target=call_when_healthy, args=(url, on_ready), daemon=True).start()
    with reservation:
        supervise(load_double, host, port, workers)


def reserve(host, port):
    """The address, held for this server until it stops; CannotStart if anything else has it.

    granian's workers each bind the address with SO_REUSEPORT, which lets them share it with any socket of
    the same user that has it too (another double's): they would split the requests. So first a bind without
    SO_REUSEPORT, which fails if anything listens there (SO_REUSEADDR: not for connections of an earlier run
    waiting out TIME_WAIT); then, in its place, a socket bound with SO_REUSEPORT alone and never listening:
    the workers share the address with it, and another server's first bind fails on it while this one starts.
    """
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            port = probe.getsockname()[1]
        reservation = socket.socket(family)
        reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        reservation.bind((host, port))
    except OSError as error:
        reason = "in use" if error.errno == errno.EADDRINUSE else error.strerror or error
        raise CannotStart(f"cannot listen on {host}:{port}: {reason}") from None
    return reservation


def prepare_database():
    """Build the app once before the workers start, in a process of its own.

    So a new database file gets its schema (and WAL mode) once, not from every worker at once; a bad
    setting stops the server here, with its reason; and no SQLite connection is carried into the workers.
    """
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context()) as setup:
        try:
            setup.submit(build_app_once).result()
        except ValueError as error:  # a setting's value
            raise CannotStart(error) from None
        except (OSError, sqlite3.Error) as error:
            raise CannotStart(f"the database {os.environ[f'{PACKAGE_PREFIX}_DATABASE']}: {error}") from None


def build_app_once():
    create_app(env_prefix=PACKAGE_PREFIX)


def load_double():
    app = create_app(env_prefix=PACKAGE_PREFIX)
    journal_batches.start(app)
    # granian starts every request's environ from a copy of os.environ (granian/wsgi.py), where a variable such
    # as HTTP_PROXY would read as a header the client sent: the app has read its settings, so drop them.
    for name in [name for name in os.environ if name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH")]:
        del os.environ[name]
    return app


def supervise(load_app, host, port, workers):
    """Run `workers` worker processes on host:port until SIGTERM or SIGINT, each replaced when it dies.

    Each worker is a granian server of one worker process of its own, which stops when its worker dies: granian
    has no public way to keep respawning a worker that dies again soon (it stops the whole server, every worker,
    when one it replaced dies within 5.5 s). A replacement starts at once, unless the worker it replaces lived
    less than STEADY_S: then after a back-off, RESPAWN_FIRST_S doubled for each such death in a row, at most
    RESPAWN_MAX_S. The workers die with this process, however it dies (die_with_parent).
    """
    context = multiprocessing.get_context()
    stopping = threading.Event()
    wake, waker = socket.socketpair()  # a signal ends the wait below at once, not after SUPERVISOR_TICK_S

    def stop(*_):
        stopping.set()
        waker.send(b"\0")

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)

    def start(index):
        process = context.Process(target=run_worker, args=(load_app, host, port), name=f"julep-users-double-worker-{index + 1}")
        process.start()
        return process

    running = {index: start(index) for index in range(workers)}
    started = dict.fromkeys(running, time.monotonic())
    backoff = dict.fromkeys(running, 0.0)
    due = {}  # index: when its replacement starts
    while not stopping.is_set():
        now = time.monotonic()
        for index, process in list(running.items()):
            if process.exitcode is not None:
                del running[index]
                quick = now - started[index] < STEADY_S
                backoff[index] = min(RESPAWN_MAX_S, max(RESPAWN_FIRST_S, 2 * backoff[index])) if quick else 0.0
                due[index] = now + backoff[index]
                log.error("worker %s (PID %s) exited with status %s; replaced in %.1f s", index + 1, process.pid, process.exitcode, backoff[index])
        for index, when in list(due.items()):
            if when <= now:
                del due[index]
                running[index], started[index] = start(index), now
        multiprocessing.connection.wait([wake, *(process.sentinel for process in running.values())], timeout=SUPERVISOR_TICK_S)
    for process in running.values():
        process.terminate()
    deadline = time.monotonic() + KILL_TIMEOUT_S + 0.5  # granian's own stop: its worker's KILL_TIMEOUT_S, then its exit
    for process in running.values():
        process.join(max(0, deadline - time.monotonic()))
        if process.exitcode is None:
            process.kill()
            process.join()


def run_worker(load_app, host, port):
    """One worker: a granian server of one worker process, which runs `load_app()`'s WSGI app."""
    die_with_parent()
    granian = Server(
        "",  # the app comes from load_app, not from an import path
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=1,
        blocking_threads=THREADS,
        backpressure=CONNECTIONS,
        http=HTTPModes.http1,
        websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT_MS),
        workers_kill_timeout=KILL_TIMEOUT_S,
        log_dictconfig=GRANIAN_LOGGING,
    )
    granian.serve(target_loader=functools.partial(worker_app, load_app))


def die_with_parent():
    """End this process as soon as its parent process ends, even by SIGKILL, which no handler sees.

    multiprocessing gives each child a sentinel of its parent, which becomes ready when the parent is gone.
    """
    parent = multiprocessing.parent_process()

    def watch():
        parent.join()
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def worker_app(load_app, _target):
    """What each granian worker process serves (a function of the module: Python 3.14 starts workers by spawn, which pickles it).

    Workers are not pinned to cores: pinned, the upsert gained a quarter in req/s, but a worker could not move
    off a core that another process kept busy, and its p99 was two to three times as long (guide/performance.md).
    """
    die_with_parent()
    app = load_app()
    # What the app was built of lives as long as the worker: the garbage collector's passes leave it out from now on.
    gc.freeze()
    return one_at_a_time(app)


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
