"""A double as a test sees it: the official SDK pointed at it, and its controls (/_double) as methods.

`JulepDouble` talks HTTP through any httpx client: an in-process one (the transports below: no socket) or one to
a running server. The pytest fixtures (pytest_plugin.py) build it; other test runners can too, and
`InProcessDoubles` hands out in-process ones as the `julep_double` fixture does.
"""

import asyncio
import concurrent.futures
import contextlib
import datetime
import functools
import os
import queue
import threading

import httpx

from .. import PACKAGE_PREFIX
from ..app import renewable_app

IN_PROCESS_URL = "http://julep-double.test"
# The clients' timeout, in-process as over a socket: the longest delay fault (60 s) outlasts it.
TIMEOUT = 30
# A client of a running server that keeps no connection open: a kept one would belong to the event loop of the
# test that opened it (pytest-asyncio gives each test a loop of its own), and nothing is left to close at teardown.
NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)
# Entries a page of GET /_double/requests holds at most.
JOURNAL_PAGE = 1000


class ControlRefused(httpx.HTTPStatusError):
    """A control the double refused, with its answer in the message: the double's own words (a 422's `msg`)."""

    def __init__(self, response):
        request = response.request
        message = f"{request.method} {request.url.path} answered {response.status_code}: {response.text}"
        super().__init__(message, request=request, response=response)


class JulepDouble:
    """A double's SDK client, HTTP client and controls.

    Given a `developer_id` (a multi-tenant double), all of them act as that developer, through the key of the
    developer's own (`<api key>:<developer_id>`), which `env` hands to the code under test too.
    """

    def __init__(self, http, api_key, developer_id=None, async_transport=None):
        self.http = http
        self.async_transport = async_transport  # the AsyncClient's: None for a running server
        self.developer_id = developer_id
        self.api_key = api_key if developer_id is None else f"{api_key}:{developer_id}"
        self.url = str(http.base_url).rstrip("/")
        self.headers = {"Authorization": f"Bearer {self.api_key}"}
        self._client = None
        self.armed = False  # whether add_fault armed a fault: the plugin then reports those that never played
        self._async_client = None

    @property
    def env(self):
        """What both official SDKs read: hand it to the code under test."""
        return {"JULEP_BASE_URL": self.url, "JULEP_API_KEY": self.api_key}

    @property
    def client(self):
        """A `julep.Julep` client of the double, whose retries do not sleep."""
        if self._client is None:
            self._client = impatient("Julep")(api_key=self.api_key, base_url=self.url, http_client=self.http)
        return self._client

    @property
    def async_client(self):
        """A `julep.AsyncJulep` client of the double (asyncio), whose retries do not sleep."""
        if self._async_client is None:
            transport = self.async_transport or httpx.AsyncHTTPTransport(limits=NO_KEEPALIVE)
            http = httpx.AsyncClient(transport=transport, base_url=self.url, timeout=self.http.timeout)
            self._async_client = impatient("AsyncJulep")(api_key=self.api_key, base_url=self.url, http_client=http)
        return self._async_client

    def reset(self):
        """Users, docs, journal entries, armed faults and the frozen clock gone (in multi-tenant mode: the developer's)."""
        self.control("POST", "/reset")

    def add_fault(self, method=None, path="*", status=None, body=None, headers=None, delay_ms=0, times=1):
        """Make the next `times` matching API requests wait `delay_ms`, then answer `status` (see guide/controls.md); in
        multi-tenant mode the developer's requests only. The fault as armed; ControlRefused if the double refuses it."""
        fault = {"method": method, "path": path, "status": status, "delay_ms": delay_ms, "times": times}
        if body is not None:
            fault["body"] = body
        if headers is not None:
            fault["headers"] = headers
        armed = self.control("POST", "/faults", json=fault)
        self.armed = True
        return armed

    def faults(self):
        """The armed faults (in multi-tenant mode: the developer's), oldest first, with what `remaining` of each."""
        return self.control("GET", "/faults")["items"]

    def clear_faults(self):
        self.control("DELETE", "/faults")

    def freeze_clock(self, now):
        """Stop the clock at `now` (an ISO 8601 string or an aware datetime); the frozen time as the double says it."""
        if isinstance(now, datetime.datetime):
            now = now.isoformat()
        return self.control("POST", "/clock", json={"now": now})["now"]

    def advance_clock(self, seconds):
        return self.control("POST", "/clock", json={"advance_seconds": seconds})["now"]

    def unfreeze_clock(self):
        self.control("DELETE", "/clock")

    def mark(self):
        """A point in the journal, now: `requests(since=…)` and `wait_for_request(since=…)` see only what comes after."""
        return self.control("GET", "/requests/cursor")["cursor"]

    def requests(self, method=None, path=None, since=0):
        """Every entry the journal keeps (its last JOURNAL_SIZE) after the point `since` (a `mark()`; 0: from
        the start), oldest first, page after page; `path` is a glob over the path without /api."""
        entries, cursor = [], since
        while True:
            params = {**journal_filters(method, path), "cursor": cursor, "limit": JOURNAL_PAGE}
            page = self.control("GET", "/requests", params=params)
            entries += page["items"]
            if len(page["items"]) < JOURNAL_PAGE:
                return entries
            cursor = page["next_cursor"]

    def wait_for_request(self, method=None, path=None, count=1, timeout=5.0, since=None):
        """Wait until `count` matching requests are journaled after the point `since` (a `mark()`; default: this
        call, so requests made before it do not count), then return every such entry; AssertionError after
        `timeout` seconds."""
        since = self.mark() if since is None else since
        params = {**journal_filters(method, path), "cursor": since, "limit": 1, "wait_ms": round(timeout * 1000), "min_count": count}
        self.control("GET", "/requests", params=params, timeout=timeout + 5)
        entries = self.requests(method, path, since)
        if len(entries) < count:
            raise AssertionError(f"{len(entries)} of {count} requests {method or ''} {path or ''} within {timeout}s: {entries}")
        return entries

    def clear_requests(self):
        self.control("DELETE", "/requests")

    def seed(self, users=(), docs=()):
        """Import users and docs (dicts as `users()` and `docs()` give them; `id` and a doc's `user_id` required,
        its user imported too or already there), all or nothing; the number of users."""
        return self.control("POST", "/users", json={"items": list(users), "docs": list(docs)})["imported"]

    def users(self):
        """Every stored user (in multi-tenant mode: the developer's) with its developer_id, as an export."""
        return self.control("GET", "/users")["items"]

    def docs(self):
        """Every stored doc (in multi-tenant mode: the developer's) as an export: its developer_id, user_id, the
        Doc's fields, and one embedding (or None) a chunk."""
        return self.control("GET", "/users")["docs"]

    def set_embeddings(self, doc_id, embeddings):
        """Embed a doc's chunks, as the hosted vectorizer would: one list of 1,024 numbers (or None) a chunk."""
        return self.control("PUT", f"/docs/{doc_id}/embeddings", json={"embeddings": embeddings})["embeddings"]

    def control(self, method, path, **kwargs):
        """A request to the controls (/_double…): its JSON answer; ControlRefused with the double's words if refused."""
        response = self.http.request(method, f"/_double{path}", headers=self.headers, **kwargs)
        if response.is_error:
            raise ControlRefused(response)
        return response.json() if response.content else None


def journal_filters(method, path):
    return {name: value for name, value in (("method", method), ("path", path)) if value is not None}


@functools.cache
def impatient(name):
    """The SDK's client class `name` (Julep or AsyncJulep), retrying at once instead of after its back-off.

    The SDK has no public setting for its back-off: this overrides its `_calculate_retry_timeout`
    (tests/test_fixtures.py fails if the SDK stops calling it).
    """
    try:
        import julep
    except ImportError:
        raise ImportError("the julep SDK is needed: pip install 'julep-users-double[pytest]'") from None

    class Impatient(getattr(julep, name)):
        def _calculate_retry_timeout(self, remaining_retries, options, response_headers=None):
            return 0

    Impatient.__name__ = Impatient.__qualname__ = f"Impatient{name}"
    return Impatient


class InProcessDoubles:
    """In-process doubles, each a JulepDouble of an app on an in-memory database, as fresh for each test as a new
    one: one app is made per settings (and AGENTS_API_*/JULEP_DOUBLE_* environment), then renewed for each test that
    asks for the same (renewable_app). An app whose requests still run at the end of a test (a delay fault that
    outlasted its client) is not handed out again: they would write into the next test's double."""

    def __init__(self, api_key):
        self.api_key = api_key
        self.idle = []  # (settings, environment, app, renew) of the apps no test is using

    @contextlib.contextmanager
    def double(self, settings):
        settings = {"API_KEY": self.api_key, **settings}
        environment = {name: value for name, value in os.environ.items() if name.startswith(("AGENTS_API_", f"{PACKAGE_PREFIX}_"))}
        found = next((idle for idle in self.idle if idle[:2] == (settings, environment)), None)
        if found is None:
            app, renew = renewable_app(settings, PACKAGE_PREFIX)
        else:
            self.idle.remove(found)
            *_, app, renew = found
            renew()
        threads = AppThreads(app)
        try:
            with httpx.Client(transport=InProcessTransport(threads), base_url=IN_PROCESS_URL, timeout=TIMEOUT) as http:
                yield JulepDouble(http, self.api_key, async_transport=AsyncInProcessTransport(threads))
        finally:
            threads.close()
            if not threads.busy():
                self.idle.append((settings, environment, app, renew))


class AppThreads:
    """A WSGI app answering each request on a thread of its own, as a server does: a request that waits (a delay
    fault, a journal read with wait_ms) holds up no other, and runs on after its client gave up waiting.

    httpx.WSGITransport answers in the caller's thread, so a client's timeout cannot apply, and cannot serve an
    AsyncClient at all. Its threads are daemons: one still waiting out a delay does not hold up the process's exit
    (concurrent.futures' and anyio's worker threads would).
    """

    def __init__(self, app):
        self.wsgi = httpx.WSGITransport(app=app)
        self.started = []  # the futures of requests not yet seen done
        self.closed = False

    def close(self):
        """Take no more requests: a client kept past its test must not reach the app another test has now."""
        self.closed = True

    def start(self, request):
        """The request's answer to come: a concurrent.futures.Future of an httpx.Response read whole."""
        if self.closed:
            raise RuntimeError("this in-process double's test is over")
        self.started = [future for future in self.started if not future.done()]
        future = run_on_worker(functools.partial(self.answer, request))
        self.started.append(future)
        return future

    def answer(self, request):
        response = self.wsgi.handle_request(request)
        # Read (and closed, which ends the request's app context) here: an AsyncClient needs a stream it can await.
        return httpx.Response(response.status_code, headers=response.headers, stream=httpx.ByteStream(response.read()))

    def busy(self):
        return not all(future.done() for future in self.started)


class InProcessTransport(httpx.BaseTransport):
    """httpx.Client's way to AppThreads, the request's read timeout applied (httpx.ReadTimeout after it)."""

    def __init__(self, threads):
        self.threads = threads

    def handle_request(self, request):
        request.read()
        future = self.threads.start(request)
        done, _ = concurrent.futures.wait([future], timeout=read_timeout(request))
        if not done:
            raise httpx.ReadTimeout("no answer within the read timeout", request=request)
        return future.result()


class AsyncInProcessTransport(httpx.AsyncBaseTransport):
    """httpx.AsyncClient's way to AppThreads (under asyncio), the request's read timeout applied."""

    def __init__(self, threads):
        self.threads = threads

    async def handle_async_request(self, request):
        await request.aread()
        answer = asyncio.wrap_future(self.threads.start(request))
        try:
            # On timeout wait_for cancels `answer`: the thread's later result then wakes no loop, closed or not.
            return await asyncio.wait_for(answer, read_timeout(request))
        except TimeoutError:
            raise httpx.ReadTimeout("no answer within the read timeout", request=request) from None


def read_timeout(request):
    return request.extensions.get("timeout", {}).get("read")


# Worker threads waiting for their next job, each by the queue it takes jobs from.
IDLE_WORKERS = queue.SimpleQueue()


def run_on_worker(job):
    """job() on an idle daemon worker thread, or a new one when none is idle (one waiting out a delay holds up
    nothing): its concurrent.futures.Future."""
    future = concurrent.futures.Future()
    try:
        jobs = IDLE_WORKERS.get_nowait()
    except queue.Empty:
        jobs = queue.SimpleQueue()
        threading.Thread(target=work, args=(jobs,), name="julep-double", daemon=True).start()
    jobs.put((job, future))
    return future


def work(jobs):
    while True:
        job, future = jobs.get()
        if not future.set_running_or_notify_cancel():  # given up before it started (an asyncio timeout)
            IDLE_WORKERS.put(jobs)
            continue
        try:
            result = job()
        except Exception as error:
            IDLE_WORKERS.put(jobs)
            future.set_exception(error)
        else:
            # Idle again before the caller wakes: its next request finds this thread instead of starting one.
            IDLE_WORKERS.put(jobs)
            future.set_result(result)
