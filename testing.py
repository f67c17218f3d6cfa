"""A double as a test sees it: the official SDK pointed at it, and its controls (/_double) as methods.

`JulepDouble` talks HTTP through any httpx client: an in-process one (httpx.WSGITransport, no socket)
or one to a running server. The pytest fixtures (pytest_plugin.py) build it; other test runners can too.
"""

import datetime

import httpx


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
        """Users, journal entries, armed faults and the frozen clock gone (in multi-tenant mode: the developer's)."""
        self.control("POST", "/reset")

    def add_fault(self, method=None, path="*", status=None, body=None, headers=None, delay_ms=0, times=1):
        """Make the next `times` matching API requests wait `delay_ms`, then answer `status` (see the README)."""
        fault = {"method": method, "path": path, "status": status, "delay_ms": delay_ms, "times": times}
        if body is not None:
            fault["body"] = body
        if headers is not None:
            fault["headers"] = headers
        return self.control("POST", "/faults", json=fault)

    def faults(self):
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

    def requests(self, method=None, path=None):
        """The journal's entries, oldest first; `path` is a glob over the path without /api."""
        return self.control("GET", "/requests", params=journal_filters(method, path))["items"]

    def wait_for_request(self, method=None, path=None, count=1, timeout=5.0):
        """The journal's matching entries once there are `count` of them; AssertionError after `timeout` seconds."""
        params = {**journal_filters(method, path), "wait_ms": round(timeout * 1000), "min_count": count}
        entries = self.control("GET", "/requests", params=params, timeout=timeout + 5)["items"]
        if len(entries) < count:
            raise AssertionError(f"{len(entries)} of {count} requests {method or ''} {path or ''} within {timeout}s: {entries}")
        return entries

    def clear_requests(self):
        self.control("DELETE", "/requests")

    def seed(self, users):
        """Import users (dicts as `users()` gives them; `id` required); their number."""
        return self.control("POST", "/users", json={"items": list(users)})["imported"]

    def users(self):
        """Every stored user with its developer_id, as an export."""
        return self.control("GET", "/users")["items"]

    def control(self, method, path, **kwargs):
        response = self.http.request(method, f"/_double{path}", headers=self.headers, **kwargs)
        response.raise_for_status()
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
