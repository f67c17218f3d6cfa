"""Every error the double answers, by name, and the one function that answers them all."""

import sqlite3

from flask import current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from .responses import STATUS_LINES, encode_compact, json_response


class ApiError(Exception):
    """An error answered as `{"detail": detail}` with `status` (and `headers`)."""

    status = 500
    detail = "Internal Server Error"

    def __init__(self, detail=None, headers=None):
        super().__init__(detail)
        if detail is not None:
            self.detail = detail
        self.headers = headers


class InvalidApiKey(ApiError):
    status, detail = 403, "Could not validate API KEY"


class InvalidDeveloperId(ApiError):
    status, detail = 400, "Invalid developer ID"


class UnreadableBody(ApiError):
    """A body FastAPI cannot read (bad UTF-8, nesting too deep), or one it would answer with a 500."""

    status, detail = 400, "There was an error parsing the body"


class BodyTooLarge(ApiError):
    status, detail = 413, "Request body too large"


class UserTooLarge(ApiError):
    """A write that would store a user (its metadata as JSON, name, about and project) over the body limit."""

    status, detail = 413, "User too large"


class LimitOutOfRange(ApiError):
    status, detail = 400, "Limit must be between 1 and 100"


class NegativeOffset(ApiError):
    status, detail = 400, "Offset must be non-negative"


class ClockNotFrozen(ApiError):
    status, detail = 409, "The clock is not frozen"


class UserNotFound(ApiError):
    """404 in the hosted words (common_db_exceptions): its get fetches one row and finds none (NoDataFoundError);
    its other queries count the rows they changed and find no one (AssertionError)."""

    status = 404

    def __init__(self, operation):
        super().__init__(f"User not found during {operation}" if operation == "get" else f"No user found during {operation}")


class RequestValidationError(ApiError):
    """A 422: `detail` is the list of pydantic-style error items (schemas.error_item)."""

    status = 422


class DatabaseBusy(ApiError):
    """The database stayed locked by other writers for db.BUSY_TIMEOUT seconds: nothing was done, try again."""

    status, detail = 503, "Database busy"

    def __init__(self):
        super().__init__(headers={"Retry-After": "1"})


class StorageFull(ApiError):
    """The disk is full: the write was not stored."""

    status, detail = 507, "Insufficient Storage"


class DatabaseGone(ApiError):
    """The database file the double opened was deleted or replaced while it ran."""

    status, detail = 503, "The database file was deleted or replaced: restart the double"


class Unhealthy(ApiError):
    """Health while a write cannot be stored; the detail says why."""

    status = 503


class HTTPError(ApiError):
    """What Werkzeug's routing and request handling refuse, worded as Starlette words it."""

    def __init__(self, status, headers=None):
        super().__init__(HTTP_STATUS_CODES[status], headers)
        self.status = status


def error_response(error):
    """The answer to an ApiError; one whose detail cannot be encoded (a lone surrogate echoed back) is unreadable."""
    try:
        return json_response(error.status, encode_compact({"detail": error.detail}), error.headers)
    except UnicodeEncodeError:
        return error_response(UnreadableBody())


def database_error(error):
    """The ApiError for what SQLite refused (busy, full), or None for a failure that is a bug."""
    code = error.sqlite_errorcode & 0xFF  # the primary code of an extended one (SQLITE_BUSY_SNAPSHOT, …)
    if code == sqlite3.SQLITE_BUSY:
        return DatabaseBusy()
    if code == sqlite3.SQLITE_FULL:
        return StorageFull()
    return None


def sqlite_error(error):
    known = database_error(error)
    if known is None:
        raise error  # Flask answers it with a 500 and logs the traceback
    return error_response(known)


def http_error(error):
    """Werkzeug's HTTP errors as Starlette answers them: a trailing slash redirected, the rest `{"detail": phrase}`."""
    if error.code == 404 and (location := slashless_url()):
        return current_app.response_class(status=STATUS_LINES[307], headers={"Location": location})
    if error.code == 413:
        return error_response(BodyTooLarge())
    allow = [(name, value) for name, value in error.get_headers() if name == "Allow"]
    return error_response(HTTPError(error.code, allow))


def slashless_url():
    """Where Starlette's redirect_slashes sends a path whose route exists without its trailing slashes."""
    path = request.path.rstrip("/")
    if not path or path == request.path:
        return None
    try:
        current_app.url_map.bind_to_environ(request.environ).match(path, method=request.method)
    except MethodNotAllowed:
        pass  # Starlette redirects on a path match whatever the method
    except HTTPException:
        return None
    query = request.query_string.decode("latin-1")
    return request.host_url + path[1:] + (f"?{query}" if query else "")


def register(app):
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(UnicodeEncodeError, lambda error: error_response(UnreadableBody()))
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(sqlite3.OperationalError, sqlite_error)
