"""An API request's way through the double, step by step, and the one object that carries its state.

    before_request   start        note the time
                     read_body    the whole body, before anything takes the database: a stalled body holds
                                  no connection (400 if it breaks off, 413 over the limit)
                     named        the developer the request names (multi-tenant), not yet checked
                     read_state   read that developer's frozen clock and whether a fault is armed for them
                     play_fault   the oldest matching fault delays or answers (before the key, as a proxy would)
                     refuse_head  HEAD is a 405, as on FastAPI's routes
                     check key    403 unless the API key is sent
                     developer    the developer the request acts for: the key's or X-Developer-Id's (multi-tenant)
    the view         validate     path, query and body together: one 422 with every error, path first
                     act, answer  the route's own work; None means "not found", the route's 404 in the hosted words
    after_request    record       the journal entry

Unknown paths outside /_double and /api/_double (a client's typo is worth seeing) are started, faulted and recorded too,
but answered by the router (404, 405, the trailing-slash redirect) without a key check, as Starlette does.
The steps are this module's, but play_fault and record: controls/recorder.py's, which keeps the faults and the journal.
An error raised on the way is answered by web/handlers.py. guide/trace.md follows two requests through all of it.
"""

import dataclasses
import functools
import time

import flask
from flask import g
from werkzeug.exceptions import BadRequest, ClientDisconnected, HTTPException, MethodNotAllowed

from ..controls import db as double_db
from ..controls import recorder
from ..errors import BodyTooLarge
from ..hosted.fastapi_wire import load_body
from ..hosted.pydantic import HYPHENATED_UUID
from ..schemas import PATH_IDS
from . import auth
from .reading import parsed_body, raise_if
from .responses import json_response


@dataclasses.dataclass(slots=True)
class ApiCall:
    """The state of one API request, filled in step by step: current_call() gives it to whoever needs it."""

    # The request and the app, each looked up once: an attribute read through one of Flask's proxies costs some 5,000
    # instructions (on Python 3.11 an AttributeError is raised and formatted before the proxy's __getattr__ runs).
    request: flask.Request
    app: flask.Flask
    started_ns: int = 0  # perf_counter_ns, for the duration
    started_at: int = 0  # real time in microseconds, even under a frozen clock
    named_developer: str | None = None  # whose faults and clock (multi-tenant mode), read before the key is checked
    frozen_now: int | None = None  # the frozen clock in microseconds, read once per request
    faults_armed: bool = False
    developer_id: str | None = None  # None until the key and the developer have been checked
    body_bytes: bytes | None = None  # the body as read: None until it is
    user_id: str | None = None  # the path's ids, validated
    doc_id: str | None = None
    query: dict | None = None
    body: dict | None = None  # validated, with the hosted defaults
    raw: object = None  # the body as sent, parsed


def is_api_request(request, app):
    if request.blueprint is not None:
        # The API's routes, at / and under /api: the views declared by `operation`.
        return hasattr(app.view_functions[request.endpoint], "operation")
    return request.url_rule is None and not request.path.startswith("/_double")


def current_call():
    """The ApiCall of the API request being answered; None for a control's request (/_double), or outside a request.

    The one way out of the pipeline's state: the clock reads the frozen time in it and the error handlers the format
    to answer in (an API request's in the app's ERROR_FORMAT, a control's in the detail format).
    """
    return g._get_current_object().get("call")


def before_request():
    # An app context can serve several requests (a test's `with app.app_context()`): nothing of one may serve the next.
    request = flask.request._get_current_object()
    app = flask.current_app._get_current_object()
    call = g._get_current_object().call = ApiCall(request, app) if is_api_request(request, app) else None
    if call is None:
        return None
    start(call)
    read_body(call)
    call.named_developer = auth.named_developer(request, app.config)
    read_state(call)
    answer = recorder.play_fault(call)
    if answer is not None or request.blueprint is None:
        return answer
    refuse_head(request)
    call.developer_id = auth.developer_id(auth.check_api_key(request, app.config), request, app.config)
    return None


def after_request(response):
    call = current_call()
    if call is not None:
        recorder.record(call, response)
    return response


def start(call):
    call.started_ns = time.perf_counter_ns()
    call.started_at = time.time_ns() // 1000


def read_state(call):
    """The named developer's frozen clock and whether any fault is armed: the one look at the double's state."""
    call.frozen_now, call.faults_armed = double_db.request_state(call.named_developer)


def refuse_head(request):
    # Werkzeug answers HEAD wherever GET is routed; FastAPI's API routes do not.
    if request.method == "HEAD":
        raise MethodNotAllowed()


@dataclasses.dataclass(frozen=True)
class Operation:
    """A route as declared once: what it validates, what it answers, and what /openapi.json says of it."""

    status: int
    response: type  # the schema class of a success; /openapi.json names its component after the class
    body: object = None  # what validates the body: .load_body(value, errors), a pydantic.PydanticSchema or SmartUnion (fastapi_wire.load_body)
    query: object = None  # a pydantic.PydanticSchema instance
    not_found: type | None = None  # the errors.ApiError a None answer raises, when what the path names may not exist
    path: tuple = ("user_id",)  # the path's ids in the hosted handler's order, which is the order of their errors
    refusals: tuple = ()  # the other errors.ApiError classes the route may answer, for the document


def operation(route, rule, status, response, **declared):
    """Register a view that takes the ApiCall and returns its answer's JSON text (None: not found)."""
    described = Operation(status, response, **declared)

    def register(view):
        @functools.wraps(view)
        def answer(**path):
            call = current_call()
            validate(call, described, path)
            text = view(call)
            if text is None:
                raise described.not_found()
            return json_response(described.status, text)

        answer.operation = described
        return route(rule)(answer)

    return register


def validate(call, described, path):
    """The path's ids, the query and the body, all errors together in FastAPI's order: path, query, body."""
    errors = []
    request = call.request
    for name in described.path:
        setattr(call, name, read_uuid(name, path[name], errors))
    if described.query is not None:
        # Starlette keeps the last of repeated query parameters.
        given = {name: request.args.getlist(name)[-1] for name in described.query.fields if name in request.args}
        call.query = described.query.load_or_collect(given, "query", errors)
    if described.body is not None:
        call.raw = parsed_body(call.body_bytes, request.headers.get("Content-Type"))
        call.body = load_body(described.body, call.raw, errors)
    raise_if(errors)


def read_uuid(name, text, errors):
    # The path schema takes a canonical UUID as it is and gives it back lowercased: no need to run it then.
    if HYPHENATED_UUID.fullmatch(text):
        return text.lower()
    ids = PATH_IDS.load_or_collect({name: text}, "path", errors)
    return ids and str(ids[name])


def read_body(call):
    """The body's bytes; one that breaks off is a 400 and one over the limit a 413, never a write.

    Werkzeug's own server checks this itself. Under another server, Werkzeug hands on a
    body cut short of its Content-Length, cuts a chunked body at the limit without
    a word, and lets the server's error for a malformed chunk through as a 500.
    """
    request = call.request
    length = request.content_length
    limit = call.app.config["MAX_CONTENT_LENGTH"]
    try:
        if length is not None and (limit is None or length <= limit):
            # Straight from the server's stream, which ends at Content-Length: Werkzeug's wrappers cost 20 µs.
            data = call.body_bytes = request.environ["wsgi.input"].read(length)
        else:
            data = call.body_bytes = request.get_data()
            # A chunked body is cut at the limit: a byte more behind it means it was too large.
            if length is None and len(data) == limit and request.environ["wsgi.input"].read(1):
                raise BodyTooLarge()
    except (HTTPException, BodyTooLarge):
        raise
    except Exception as error:  # the server could not read the body: servers' errors have no common base
        raise BadRequest() from error
    if length is not None and len(data) < length:
        raise ClientDisconnected()
    return data
