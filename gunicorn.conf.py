"""The production server's defaults: `gunicorn` from the repository root reads this file."""

import multiprocessing
import os
import secrets

wsgi_app = "app:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One process per core; threads so that keep-alive connections and slow clients do not hold a whole worker.
workers = multiprocessing.cpu_count()
worker_class = "gthread"
threads = 8
keepalive = 5


def on_starting(server):
    """Every worker must accept the same key, so a missing one is made once, here in the master."""
    if not os.environ.get("AGENTS_API_KEY"):
        os.environ["AGENTS_API_KEY"] = secrets.token_urlsafe(24)
        server.log.warning("AGENTS_API_KEY is not set; this run's API key is %s", os.environ["AGENTS_API_KEY"])
