"""The server behind the julep_double_server fixture: one per test session, or one for all the workers of a
pytest-xdist run, started by the first worker that needs it and stopped by xdist's controller at the end."""

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from .. import PACKAGE_PREFIX
from ..cli import LISTENING

START_TIMEOUT = 30
# Workers of the fixture's server, unless JULEP_DOUBLE_WORKERS asks for more: a test suite's requests come one at a
# time, and each worker holds about 40 MB.
WORKERS = 1
STOP_TIMEOUT = 5


class ServeProcess:
    """`julep-users-double serve` on a free port, in a session of its own; its output in a log file."""

    def __init__(self, folder, multi_tenant):
        self.api_key = secrets.token_urlsafe(16)
        self.log_path = Path(folder) / "julep-users-double.log"
        command = [sys.executable, "-m", "julep_users_double", "serve", "--port", "0", "--key", self.api_key]
        if multi_tenant:
            command.append("--multi-tenant")
        env = {f"{PACKAGE_PREFIX}_WORKERS": str(WORKERS), **os.environ}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = self.wait_until_listening()

    def wait_until_listening(self):
        prefix = LISTENING.format(url="")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            for line in self.log_path.read_text(errors="replace").splitlines():
                if line.startswith(prefix):
                    return line.removeprefix(prefix)
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        stop(self.process.pid)
        raise RuntimeError(f"julep-users-double serve did not start:\n{self.log_path.read_text(errors='replace')}")


def stop(pid):
    """SIGTERM to the server's process group, SIGKILL if it is still there after STOP_TIMEOUT."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reaps it when it is this process's child
            os.killpg(pid, 0)  # raises ProcessLookupError once the group is gone
            time.sleep(0.02)
        os.killpg(pid, signal.SIGKILL)


def xdist_run(config):
    """The id of the pytest-xdist run whose worker this session is, from the worker's config; None outside one.

    Not from xdist's PYTEST_XDIST_* variables: a pytest that a worker's test starts (pytester, a subprocess) inherits
    them without being a worker.
    """
    return config.workerinput["testrunuid"] if hasattr(config, "workerinput") else None


def worker_developer(config):
    """Under pytest-xdist, a developer of this worker's own: workers sharing a server never meet. Otherwise None."""
    return str(uuid.uuid4()) if xdist_run(config) else None


@contextlib.contextmanager
def session_server(config):
    """(url, api_key, developer) of the session's server; it stops with the session (xdist: with the run)."""
    run = xdist_run(config)
    if run is None:
        folder = tempfile.mkdtemp(prefix="julep-users-double-")
        server = ServeProcess(folder, multi_tenant=False)
        try:
            yield server.url, server.api_key, None
        finally:
            stop(server.process.pid)
            shutil.rmtree(folder, ignore_errors=True)
    else:
        yield (*shared(run), worker_developer(config))


def run_folder(run):
    return Path(tempfile.gettempdir()) / f"julep-users-double-{run}"


def shared(run):
    """The url and key of the server the run's workers share, started by whichever asks first."""
    folder = run_folder(run)
    folder.mkdir(exist_ok=True)
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = folder / "server.json"
        if not state.exists():
            server = ServeProcess(folder, multi_tenant=True)
            state.write_text(json.dumps({"url": server.url, "api_key": server.api_key, "pid": server.process.pid}))
        found = json.loads(state.read_text())
    return found["url"], found["api_key"]


def stop_shared(run):
    """At the end of an xdist run: stop the server its workers shared, if one was started."""
    folder = run_folder(run)
    with contextlib.suppress(FileNotFoundError):
        stop(json.loads((folder / "server.json").read_text())["pid"])
    shutil.rmtree(folder, ignore_errors=True)
