"""What the double does to every API request besides answering it: play armed faults, keep the journal."""

import json
import sqlite3
import time

from ..errors import ApiError
from ..hosted.fastapi_wire import encode_compact
from ..web.pause import pause
from ..web.responses import json_response
from . import db as double_db

REDACTED = "[REDACTED]"
# What the journal keeps of a body or a response: their first 64 KiB, beside their whole size.
KEPT_BYTES = 64 * 1024


def play_fault(call):
    """Spend the oldest fault armed for the request's developer (or everyone) that matches it: wait its delay, then
    its answer, if it has one, journaled as the named developer's."""
    if not call.faults_armed:
        return None
    fault = double_db.fire_fault(call.named_developer, call.request.method, call.request.path)
    if fault is None:
        return None
    if fault["delay_ms"]:
        pause(fault["delay_ms"] / 1000)
    if fault["status"] is None:
        return None
    call.developer_id = call.named_developer
    return json_response(fault["status"], fault["body"], json.loads(fault["headers"]))


def record(call, response):
    """Add the request and its answer to the journal, unless the journal keeps nothing.

    Journaling never fails the request it records: a write is answered as it was stored, journaled or not.
    """
    app = call.app
    config = app.config
    if not config["JOURNAL_SIZE"]:
        return
    request = call.request
    body = call.body_bytes or b""  # None: it could not be read (broken off, too large)
    answer = response.get_data()
    entry = (
        request.method,
        request.script_root + request.path,
        request.path,  # without /api (routing.UnderApi)
        request.query_string,
        redacted_headers(request.environ, config),
        body[:KEPT_BYTES],
        len(body),
        response.status_code,
        answer[:KEPT_BYTES],
        len(answer),
        call.started_at,
        (time.perf_counter_ns() - call.started_ns) // 1000,
        call.developer_id,
    )
    batches = app.extensions.get("journal_batches")
    if batches is None:
        write_entries(app, [entry])
    else:
        batches.add(entry)


def write_entries(app, entries):
    """Append entries (double_db.JOURNAL_COLUMNS) to the journal, in the app context's connection; logged, not
    raised, when they cannot be stored."""
    try:
        double_db.add_journal_entries(entries)
        app.extensions["journal_watcher"].written()
    except (sqlite3.Error, ApiError) as error:
        app.logger.warning("Journal entries not stored: %s", error)


def redacted_headers(environ, config):
    """The request's headers as JSON, WSGI-named, with the API key header and any header carrying the key redacted.

    Read straight from the environ: twice as fast as through request.headers.
    """
    key_header = "HTTP_" + config["API_KEY_HEADER_NAME"].upper().replace("-", "_")
    key = config["API_KEY"]
    return encode_compact(
        {
            name: REDACTED if name == key_header or key in value else value
            for name, value in environ.items()
            if name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH")
        }
    )
