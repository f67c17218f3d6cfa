"""A double as a test sees it: the official SDK pointed at it, and its controls (/_double) as methods.

`JulepDouble` talks HTTP through any httpx client: an in-process one (httpx.WSGITransport, no socket)
or one to a running server. The pytest fixtures (pytest_plugin.py) build it; other test runners can too.
"""

import datetime

import httpx

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

    def __init__(self, http, api_key, developer_id=None):
        self.http = http
        self.developer_id = developer_id
        self.api_key = api_key if developer_id is None else f"{api_key}:{developer_id}"
        self.url = str(http.base_url).rstrip("/")
        self.headers = {"Authorization": f"Bearer {self.api_key}"}
        self._client = None
        self.armed = False  # whether add_fault armed a fault: the plugin then reports those that never played

    @property
    def env(self):
        """What both official SDKs read: hand it to the code under test."""
        return {"JULEP_BASE_URL": self.url, "JULEP_API_KEY": self.api_key}

    @property
    def client(self):
        """A `julep.Julep` client of the double, whose retries do not sleep."""
        if self._client is None:
            self._client = sdk_client(self.http, self.api_key, self.url)
        return self._client

    def reset(self):
        """Users, docs, journal entries, armed faults and the frozen clock gone (in multi-tenant mode: the developer's)."""
        self.control("POST", "/reset")

    def add_fault(self, method=None, path="*", status=None, body=None, headers=None, delay_ms=0, times=1):
        """Make the next `times` matching API requests wait `delay_ms`, then answer `status` (see the README); in
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
        """Every entry the journal keeps (its last FLASK_JOURNAL_SIZE) after the point `since` (a `mark()`; 0: from
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


def sdk_client(http, api_key, base_url):
    """A julep.Julep of the double on `http`'s transport, retrying at once instead of after the SDK's back-off."""
    try:
        from julep import Julep
    except ImportError:
        raise ImportError("the julep SDK is needed: pip install 'julep-users-double[pytest]'") from None

    class ImpatientJulep(Julep):
        def _calculate_retry_timeout(self, remaining_retries, options, response_headers=None):
            return 0

    return ImpatientJulep(api_key=api_key, base_url=base_url, http_client=http)
