"""gunicorn as the production server was set up before granian: bench/run.py compares the two.

`gunicorn -c bench/gunicorn.conf.py` from the repository root.
"""

import json
import multiprocessing
import os
import secrets
import sys
import uuid

from gunicorn import util

from julep_users_double import db

wsgi_app = "julep_users_double.app:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One process per core; threads so that keep-alive connections and slow clients do not hold a whole worker.
workers = multiprocessing.cpu_count()
worker_class = "gthread"
threads = 8
keepalive = 5
# The most gunicorn allows short of no limit (its default is 4094): the hosted service takes longer URLs still.
limit_request_line = 8190
# Test suites start many doubles side by side: one shared ~/.gunicorn/gunicorn.ctl would be taken over by each.
control_socket_disable = True


def on_starting(server):
    """:memory: is refused for more than one worker; every worker must accept the same key, so a missing one is
    made once, here in the master; and all workers of this start, those replacing a crashed one too, import
    FLASK_SEED_FILE only once."""
    try:
        db.refuse_memory_for_workers(os.environ.get("FLASK_DATABASE"), server.cfg.workers)
    except ValueError as error:
        sys.exit(f"Error: {error}")  # the message alone, no traceback; exit status 1
    if not os.environ.get("AGENTS_API_KEY"):
        os.environ["AGENTS_API_KEY"] = secrets.token_urlsafe(24)
        server.log.warning("AGENTS_API_KEY is not set; this run's API key is %s", os.environ["AGENTS_API_KEY"])
    os.environ["FLASK_SERVER_START"] = str(uuid.uuid4())


def post_fork(server, worker):
    """Keep each worker on one core: its threads hand the GIL to each other at every blocking call, and between
    threads on two cores each hand-over is a cross-core wake-up (pinned, an upsert took 40% less CPU).
    Consecutive workers take consecutive cores from an offset of the server's own, so that doubles started side
    by side do not all crowd onto the first cores. Linux only: macOS has no CPU affinity."""
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cores[(server.pid + worker.age) % len(cores)]})


def write_json_error(sock, status, reason, message):
    """Gunicorn's own answers (bad request line, oversized headers, ...) as `{"detail": reason}`, like the app's."""
    body = json.dumps({"detail": reason}, separators=(",", ":")).encode()
    head = f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    util.write_nonblock(sock, head.encode("latin-1") + body)


# Gunicorn has no setting for these pages; its workers (forked from this process) call util.write_error.
util.write_error = write_json_error
