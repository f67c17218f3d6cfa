"""Live servers as subprocesses: `flask run` and the production command (gunicorn), each on a free port."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "flask": [sys.executable, "-m", "flask", "--app", "app", "run", "--port", "0"],
    "gunicorn": [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", "127.0.0.1:0"],
}
# Both servers log the port they were given: " * Running on http://…:P" and "Listening at: http://…:P".
LISTENING = re.compile(rb"(?:Running on|Listening at:) http://127\.0\.0\.1:(\d+)")
START_TIMEOUT = 30


class Server:
    """One server process (with its workers) on `database`; its output goes to `log_path`."""

    def __init__(self, kind, database, log_path, api_key, **settings):
        self.kind = kind
        self.log_path = Path(log_path)
        self.api_key = api_key
        self.env = {
            **os.environ,
            "AGENTS_API_KEY": api_key,
            "FLASK_DATABASE": str(database),
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
        self.process = None
        self.port = None

    def start(self):
        with open(self.log_path, "ab") as log:
            offset = log.tell()
            # A session of its own, so that the whole group (gunicorn's workers too) can be killed at once.
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
        """Send raw bytes on a new connection; everything the server answers until it closes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as connection:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        return answer

    def kill(self):
        """SIGKILL every process of the server at once: a crash."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        # SIGINT: both servers stop at once (gunicorn's SIGTERM would linger over kept-alive connections).
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self):
        return self.log_path.read_text(errors="replace")

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
