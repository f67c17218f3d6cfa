"""Live servers as subprocesses: `flask run` and the production server (`julep-users-double serve`), each on a free port."""

import http.client
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "flask": [sys.executable, "-m", "flask", "--app", "app", "run", "--port", "0"],
    # Two workers on any machine: several processes on one database file is what the production server is about.
    "production": [sys.executable, "-m", "julep_users_double", "serve", "--port", "0", "--workers", "2"],
}
# Both servers say on which port they answer: " * Running on http://…:P" and "listening on http://…:P".
LISTENING = re.compile(rb"(?:Running on|listening on) http://127\.0\.0\.1:(\d+)")
START_TIMEOUT = 30
# The settings' prefix: `flask run` in a checkout reads FLASK_*, the installed command JULEP_DOUBLE_* (README, Settings).
PREFIX = {"flask": "FLASK_", "production": "JULEP_DOUBLE_"}


class Server:
    """One server process (with its workers) on `database`; its output goes to `log_path`."""

    def __init__(self, kind, database, log_path, api_key, **settings):
        self.kind = kind
        self.log_path = Path(log_path)
        self.api_key = api_key
        self.database = str(database)
        self.env = {
            **os.environ,
            "AGENTS_API_KEY": api_key,
            f"{PREFIX[kind]}DATABASE": self.database,
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
        self.process = None
        self.port = None

    def start(self):
        with open(self.log_path, "ab") as log:
            offset = log.tell()
            # A session of its own, so that the whole group (the production server's workers too) can be killed at once.
            self.process = subprocess.Popen(
                COMMANDS[self.kind], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.port = self.wait_for_port(offset)
        self.wait_until_answering()
        return self

    def wait_for_port(self, offset):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited at start-up:\n{self.log()}")
            found = LISTENING.search(self.log_path.read_bytes()[offset:])
            if found:
                return int(found.group(1))
            time.sleep(0.02)
        raise RuntimeError(f"{self.kind} did not listen within {START_TIMEOUT}s:\n{self.log()}")

    def wait_until_answering(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                self.request("GET", "/users")
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def request(self, method, path, body=None, headers=None):
        """One request on a new connection: (status, parsed JSON body or None)."""
        client = Client(self, headers)
        try:
            status, text = client.request(method, path, body)
        finally:
            client.close()
        return status, json.loads(text) if text else None

    def send_raw(self, data, timeout=10):
        """Send raw bytes on a new connection; the server's answer: status line, headers and body.

        A request the server still waits on after a second (a body shorter than it says) is ended by shutting
        the sending side; not at once, as granian does not answer a complete request whose client did that.
        """
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as connection:
            connection.sendall(data)
            if not select.select([connection], [], [], 1)[0]:
                connection.shutdown(socket.SHUT_WR)
            response = http.client.HTTPResponse(connection)
            response.begin()
            version = {10: "1.0", 11: "1.1"}[response.version]
            fields = "".join(f"{name}: {value}\r\n" for name, value in response.msg.items())
            head = f"HTTP/{version} {response.status} {response.reason}\r\n{fields}\r\n"
            return head.encode("latin-1") + response.read()

    def kill(self):
        """SIGKILL every process of the server at once: a crash."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self):
        return self.log_path.read_text(errors="replace")

    def cpu_seconds(self):
        """User and system CPU time its processes (the production server's workers too) have used so far."""
        pid = self.process.pid
        ticks = 0
        for each in [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"


class Client:
    """A keep-alive HTTP client of one server, for one thread; it sends the key and `headers` every time."""

    def __init__(self, server, headers=None, timeout=30):
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
        self.headers = {"Authorization": f"Bearer {server.api_key}", "Content-Type": "application/json", **(headers or {})}

    def request(self, method, path, body=None):
        """(status, response text); a dict body is sent as JSON."""
        data = json.dumps(body) if isinstance(body, dict) else body
        self.connection.request(method, path, data, self.headers)
        response = self.connection.getresponse()
        return response.status, response.read().decode()

    def upsert(self, user_id, body):
        return self.request("POST", f"/users/{user_id}", body)

    def close(self):
        self.connection.close()
