"""Every ApiError answered in one place, in the format the request calls for: an API request's in the app's
ERROR_FORMAT, a control's in the detail format (errors.py names the errors and their bodies)."""

import sqlite3

from flask import current_app

from ..errors import ERROR_FORMATS, ApiError, UnreadableBody, database_error
from ..hosted.fastapi_wire import encode_compact
from .pipeline import current_call
from .responses import json_response


def error_response(error):
    """The answer to an ApiError: on an API request in the app's ERROR_FORMAT, on a control's in the detail format.

    One whose body cannot be encoded (a lone surrogate, or bytes that are not UTF-8, echoed back) is unreadable.
    """
    hosted = current_call() is not None and current_app.config["ERROR_FORMAT"] == "hosted"
    try:
        body = error.hosted_body() if hosted else error.detail_body()
        return json_response(error.status, encode_compact(body), error.headers)
    except UnicodeError:
        return error_response(UnreadableBody())


def sqlite_error(error):
    known = database_error(error)
    if known is None:
        raise error  # Flask answers it with a 500 and logs the traceback
    return error_response(known)


def register(app):
    if app.config["ERROR_FORMAT"] not in ERROR_FORMATS:
        raise ValueError(f"ERROR_FORMAT must be one of {', '.join(ERROR_FORMATS)}, not {app.config['ERROR_FORMAT']!r}")
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(UnicodeEncodeError, lambda error: error_response(UnreadableBody()))
    app.register_error_handler(sqlite3.OperationalError, sqlite_error)
