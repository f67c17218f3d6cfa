"""The answers on the wire (their JSON: fastapi_wire.encode_compact): Uvicorn's status lines, timestamps as
pydantic writes them."""

import functools
import http
import time

from flask import Response

# Uvicorn's reason phrases ("201 Created"), where Werkzeug would send "201 CREATED".
STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in http.HTTPStatus}


def json_response(status, text, headers=None):
    """A JSON answer; text holding a lone surrogate raises UnicodeEncodeError, which web/handlers.py answers."""
    return Response(text.encode(), STATUS_LINES.get(status, status), headers, content_type="application/json")


def no_content():
    return Response(status=STATUS_LINES[204])


def redirect(location):
    """Starlette's RedirectResponse: 307, the location, an empty body (content-length: 0) and no content-type."""
    response = Response(b"", STATUS_LINES[307], {"Location": location})
    del response.headers["Content-Type"]
    return response


# The instants a timestamp can be written for (years of four digits) and a UUIDv7 can hold, in microseconds
# since the epoch: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z.
EARLIEST = 0
LATEST = 253_402_300_799_999_999


def format_timestamp(micros):
    """UTC, as pydantic writes a datetime: microseconds only when there are any."""
    seconds, fraction = divmod(micros, 1_000_000)
    text = format_second(seconds)
    return f"{text}.{fraction:06d}Z" if fraction else f"{text}Z"


def deleted_json(resource_id, deleted_at):
    """The ResourceDeletedResponse of a user or a doc deleted at `deleted_at` (microseconds): no jobs, ever."""
    return f'{{"id":"{resource_id}","deleted_at":"{format_timestamp(deleted_at)}","jobs":[]}}'


@functools.lru_cache(maxsize=64)
def format_second(seconds):
    # Every answer formats two timestamps, nearly always of the current second.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
