"""Marshmallow schemas of the control API's input, with the Users API's pydantic-style 422 errors."""

import datetime
import re
import uuid

from marshmallow import ValidationError, fields
from werkzeug.http import HTTP_STATUS_CODES, is_hop_by_hop_header

from ..docs.schemas import Content
from ..errors import RequestValidationError
from ..hosted import INT64_MAX
from ..hosted import pgvector as vectors
from ..hosted.pydantic import (
    JSONUUID,
    ForbidExtra,
    JSONObject,
    PydanticInt,
    PydanticList,
    PydanticLiteral,
    PydanticSchema,
    PydanticUUID,
    StrictNumber,
    StrictString,
    error_item,
    error_message,
    field_error,
    object_errors,
)
from ..projects.schemas import CreateProjectRequest
from ..schemas import NAME_PATTERN, PROJECT_PATTERN, UserBody
from ..web.auth import DEFAULT_DEVELOPER_ID
from ..web.reading import object_body, raise_if
from ..web.responses import EARLIEST, LATEST, format_timestamp
from ..web.routing import API_PREFIX

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# The longest glob a fault or a journal filter may give. SQLite refuses patterns over SQLITE_MAX_LIKE_PATTERN_LENGTH
# (50,000 bytes by default: every request would then fail), and within that a glob costs up to its length times the
# path's in steps: `*[bbb…]*` of 50,000 bytes took 0.7 s against an 8 KB path, of 256 characters 19 ms.
GLOB_MAX_LENGTH = 256
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
MICROSECOND = datetime.timedelta(microseconds=1)


def value_error(message, value, loc=("body",)):
    return error_item("value_error", list(loc), value, {"error": {}}, error=message)


class Headers(JSONObject):
    """A JSON object of HTTP header names to values that can be sent as they are."""

    def _deserialize(self, value, attr, data, **kwargs):
        headers = super()._deserialize(value, attr, data, **kwargs)
        for name, text in headers.items():
            if type(text) is not str:
                raise ValidationError(error_item("string_type", [name], text))
            if not HEADER_NAME.fullmatch(name) or not HEADER_VALUE.fullmatch(text):
                raise ValidationError(value_error("not a valid HTTP header", text, [name]))
            if frames_the_connection(name):
                raise ValidationError(value_error(CONNECTION_HEADER, text, [name]))
        return headers


CONNECTION_HEADER = (
    "a fault may not set a header of the connection (Content-Length, Transfer-Encoding, Connection, "
    "Keep-Alive, Upgrade, TE, Trailer, Proxy-*): the server sets them, and two would break HTTP"
)


def frames_the_connection(name):
    """The headers that frame or route a connection rather than describe an answer."""
    lowered = name.lower()
    return is_hop_by_hop_header(lowered) or lowered == "content-length" or lowered.startswith("proxy-")


class Timestamp(fields.Field):
    """An ISO 8601 date-time (UTC unless it says otherwise) from EARLIEST to LATEST, as microseconds since the epoch."""

    def __init__(self, **kwargs):
        datetime_type = error_message("datetime_type")
        super().__init__(error_messages={"null": datetime_type, "invalid": datetime_type}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not str:
            raise self.make_error("invalid")
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise field_error("datetime_parsing", {"error": "input is not an ISO 8601 date-time"}) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        micros = (moment - EPOCH) // MICROSECOND
        if micros < EARLIEST:
            raise field_error("greater_than_equal", {"ge": format_timestamp(EARLIEST)})
        if micros > LATEST:
            raise field_error("less_than_equal", {"le": format_timestamp(LATEST)})
        return micros


class FaultDefinition(ForbidExtra):
    method = PydanticLiteral(METHODS, allow_none=True, load_default=None)
    path = StrictString(min_length=1, max_length=GLOB_MAX_LENGTH, load_default="*")
    status = StrictNumber(integer=True, ge=200, le=599, allow_none=True, load_default=None)
    body = fields.Raw(allow_none=True, load_default=None)
    headers = Headers(load_default=dict)
    delay_ms = StrictNumber(integer=True, ge=0, le=60_000, load_default=0)
    times = StrictNumber(integer=True, ge=1, le=1_000_000_000, load_default=1)


class ClockChange(ForbidExtra):
    now = Timestamp(load_default=None)
    advance_seconds = StrictNumber(integer=False, ge=0, le=1_000_000_000, load_default=None)


class StoredName(StrictString):
    """A name as the API stores it: one its pattern takes, or the hosted default, "" (which the pattern does not)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return value if value == "" else super()._deserialize(value, attr, data, **kwargs)


class ImportedUser(UserBody):
    """A user as GET /_double/users exports it: the API's fields, its developer, its id and timestamps."""

    name = StoredName(max_length=120, pattern=NAME_PATTERN, load_default="")
    developer_id = JSONUUID(load_default=uuid.UUID(DEFAULT_DEVELOPER_ID))
    id = JSONUUID(required=True)
    created_at = Timestamp(load_default=None)
    updated_at = Timestamp(load_default=None)


class ImportedProject(CreateProjectRequest):
    """A project as GET /_double/users exports it: the API's fields, its developer, its id and timestamps."""

    developer_id = JSONUUID(load_default=uuid.UUID(DEFAULT_DEVELOPER_ID))
    id = JSONUUID(required=True)
    canonical_name = StrictString(min_length=1, max_length=255, pattern=PROJECT_PATTERN, required=True)
    created_at = Timestamp(load_default=None)
    updated_at = Timestamp(load_default=None)


class Embeddings(PydanticList):
    """One entry a chunk, in index order: null (not embedded) or 1,024 JSON numbers, as pgvector stores them."""

    def __init__(self, **kwargs):
        super().__init__(lambda vector: None if vector is None else embedding(vector), **kwargs)


def embedding(vector):
    if type(vector) is not list or not all(type(number) in (int, float) for number in vector):
        raise ValueError("an embedding is a list of numbers")
    stored = vectors.float4_values(vector)
    if not vectors.norm(stored):
        raise ValueError("a zero vector has no direction to search by")
    return stored


class EmbeddingsChange(ForbidExtra):
    embeddings = Embeddings(required=True)


class ImportedDoc(PydanticSchema):
    """A doc as GET /_double/users exports it: the API's fields, its developer, user, id, time and embeddings."""

    developer_id = JSONUUID(load_default=uuid.UUID(DEFAULT_DEVELOPER_ID))
    user_id = JSONUUID(required=True)
    id = JSONUUID(required=True)
    metadata = JSONObject(allow_none=True, load_default=None)
    created_at = Timestamp(load_default=None)
    title = StrictString(max_length=800, required=True)
    content = Content(required=True)
    embeddings = Embeddings(load_default=None)


class ResetQuery(PydanticSchema):
    developer_id = PydanticUUID(load_default=None)


class JournalQuery(PydanticSchema):
    """GET /_double/requests: which entries (method, path glob, developer), which page of them, and how long to
    wait for `min_count` of them to be there (a test of asynchronous code waits for its call, not sleeps)."""

    method = StrictString(load_default=None)
    path = StrictString(max_length=GLOB_MAX_LENGTH, load_default=None)
    developer_id = PydanticUUID(load_default=None)
    limit = PydanticInt(ge=1, le=1000, load_default=100)
    cursor = PydanticInt(ge=0, le=INT64_MAX, load_default=0)
    wait_ms = PydanticInt(ge=0, le=30_000, load_default=0)
    min_count = PydanticInt(ge=1, le=1000, load_default=1)


EMBEDDINGS_CHANGE = EmbeddingsChange()
IMPORTED_DOC = ImportedDoc()
FAULT_DEFINITION = FaultDefinition()
CLOCK_CHANGE = ClockChange()
IMPORTED_USER = ImportedUser()
IMPORTED_PROJECT = ImportedProject()
RESET_QUERY = ResetQuery()
JOURNAL_QUERY = JournalQuery()


def load_fault(body):
    """A fault definition with its defaults; a fault with a status but no body answers its status's detail."""
    data = object_body(body)
    errors = []
    fault = FAULT_DEFINITION.load_strictly(data, errors)
    raise_if(errors)
    if fault["path"].startswith(f"{API_PREFIX}/"):
        errors.append(value_error("path is matched without the /api prefix", fault["path"], ["body", "path"]))
    if fault["status"] is None and not fault["delay_ms"]:
        errors.append(value_error("a fault needs a status or a delay_ms", data))
    raise_if(errors)
    if fault["status"] is not None and fault["body"] is None:
        fault["body"] = {"detail": HTTP_STATUS_CODES.get(fault["status"], "Unknown Error")}
    return fault


def load_clock_change(body):
    data = object_body(body)
    errors = []
    change = CLOCK_CHANGE.load_strictly(data, errors)
    raise_if(errors)
    if (change["now"] is None) == (change["advance_seconds"] is None):
        raise_if([value_error("give exactly one of now and advance_seconds", data)])
    return change


def clock_past_the_end(advance_seconds):
    """The 422 for an advance that would take the frozen clock past LATEST."""
    message = f"the clock would pass {format_timestamp(LATEST)}"
    return RequestValidationError([value_error(message, advance_seconds, ["body", "advance_seconds"])])


def load_users(body):
    """The users, projects and docs of an import, each validated like the API's; all their errors together."""
    data = object_body(body)
    if "items" not in data:
        raise_if([error_item("missing", ["body", "items"], data)])
    errors = []
    users = load_list(data, "items", IMPORTED_USER, errors)
    projects = load_list(data, "projects", IMPORTED_PROJECT, errors) if "projects" in data else []
    docs = load_list(data, "docs", IMPORTED_DOC, errors) if "docs" in data else []
    first_of_id = {}
    for index, doc in enumerate(docs):
        if doc is None:  # its errors are in `errors`
            continue
        loc = ["body", "docs", index]
        first = first_of_id.setdefault((doc["developer_id"], doc["id"]), index)
        if first != index:
            errors.append(value_error(f"docs {first} and {index} have one id", data["docs"][index]["id"], [*loc, "id"]))
        if not doc["content"]:
            errors.append(value_error("a doc needs content", [], [*loc, "content"]))
        elif doc["embeddings"] is not None and len(doc["embeddings"]) != len(doc["content"]):
            errors.append(value_error("one embedding (or null) a chunk", doc["embeddings"], [*loc, "embeddings"]))
    raise_if(errors)
    return users, projects, docs


def load_list(data, key, schema, errors):
    if type(data[key]) is not list:
        raise_if([error_item("list_type", ["body", key], data[key])])
    loaded = []
    for index, item in enumerate(data[key]):
        loc = ["body", key, index]
        if shape_errors := object_errors(item, [loc]):
            errors.extend(shape_errors)
            continue
        item_errors = []
        loaded.append(schema.load_or_collect(item, "body", item_errors))
        errors.extend({**error, "loc": [*loc, *error["loc"][1:]]} for error in item_errors)
    return loaded


def load_embeddings(body):
    data = object_body(body)
    errors = []
    change = EMBEDDINGS_CHANGE.load_strictly(data, errors)
    raise_if(errors)
    return change["embeddings"]


def load_query(schema, args):
    errors = []
    query = schema.load_or_collect(args, "query", errors)
    raise_if(errors)
    return query


def load_reset_query(args):
    return load_query(RESET_QUERY, args)


def load_journal_query(args):
    """The journal's filters (method, path, developer_id; None: any) and page (limit, cursor) of a query."""
    query = load_query(JOURNAL_QUERY, args)
    if query["developer_id"] is not None:
        query["developer_id"] = str(query["developer_id"])
    return query
