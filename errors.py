"""Every error the double answers, by name, and the one function that answers them all, in either format:

    detail  `{"detail": …}`, the published contract's shape (FastAPI's own handlers)
    hosted  `{"error": {…}}`, as the hosted v1 service's handlers answer (envelope.py)
"""

from flask import current_app, g
from werkzeug.http import HTTP_STATUS_CODES

from . import envelope
from .responses import encode_compact, json_response

ERROR_FORMATS = ("detail", "hosted")


class ApiError(Exception):
    """An error of the API's dependencies or endpoints, answered with `status` (and `headers`): `{"detail": detail}`,
    or in the hosted format as the hosted handler of FastAPI's HTTPException answers it."""

    status = 500
    detail = "Internal Server Error"
    # The schemas of the two bodies, by their names in /openapi.json.
    detail_schema = "HTTPError"
    hosted_schema = "HostedHTTPError"

    def __init__(self, detail=None, headers=None):
        super().__init__(detail)
        if detail is not None:
            self.detail = detail
        self.headers = headers

    def detail_body(self):
        return {"detail": self.detail}

    def hosted_body(self):
        return envelope.http_error(self.status, str(self.detail))


class StarletteError(ApiError):
    """What the hosted service answers below its handlers (its router, its body parser) and the double's own answers
    of that layer: `{"detail": detail}` in either format."""

    hosted_schema = "HTTPError"

    def hosted_body(self):
        return self.detail_body()


class InvalidApiKey(ApiError):
    status, detail = 403, "Could not validate API KEY"


class InvalidDeveloperId(ApiError):
    """Hosted: the answer of the middleware in front of the app, which has no type."""

    status, detail = 400, "Invalid developer ID"
    hosted_schema = "HostedMiddlewareError"

    def hosted_body(self):
        return envelope.middleware_error(self.detail, "invalid_developer_id")


class UnreadableBody(StarletteError):
    """A body FastAPI cannot read (bad UTF-8, nesting too deep), or one it would answer with a 500."""

    status, detail = 400, "There was an error parsing the body"


class BodyTooLarge(StarletteError):
    status, detail = 413, "Request body too large"


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
    detail_schema, hosted_schema = "HTTPValidationError", "HostedValidationError"

    def hosted_body(self):
        return envelope.validation_error(self.detail)


class HTTPError(StarletteError):
    """What Werkzeug's routing and request handling refuse, worded as Starlette words it."""

    def __init__(self, status, headers=None):
        super().__init__(HTTP_STATUS_CODES[status], headers)
        self.status = status


def error_response(error):
    """The answer to an ApiError: on an API request in the app's ERROR_FORMAT, on a control's in the detail format.

    One whose body cannot be encoded (a lone surrogate, or bytes that are not UTF-8, echoed back) is unreadable.
    """
    hosted = g.get("call") is not None and current_app.config["ERROR_FORMAT"] == "hosted"
    try:
        body = error.hosted_body() if hosted else error.detail_body()
        return json_response(error.status, encode_compact(body), error.headers)
    except UnicodeError:
        return error_response(UnreadableBody())


def register(app):
    if app.config["ERROR_FORMAT"] not in ERROR_FORMATS:
        raise ValueError(f"ERROR_FORMAT must be one of {', '.join(ERROR_FORMATS)}, not {app.config['ERROR_FORMAT']!r}")
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(UnicodeEncodeError, lambda error: error_response(UnreadableBody()))
