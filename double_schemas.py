"""Marshmallow schemas of the control API's input, with the Users API's pydantic-style 422 errors."""

import datetime
import re
import uuid

from marshmallow import ValidationError, fields
from werkzeug.http import HTTP_STATUS_CODES

from . import vectors
from .auth import DEFAULT_DEVELOPER_ID
from .docs_schemas import Content
from .schemas import (
    JSONObject,
    PydanticLiteral,
    PydanticSchema,
    PydanticUUID,
    StrictString,
    UserBody,
    body_errors,
    error_item,
    field_error,
    missing_error,
    object_error,
    raise_if,
)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
MICROSECOND = datetime.timedelta(microseconds=1)


def value_error(message, value, loc=("body",)):
    return error_item("value_error", list(loc), f"Value error, {message}", value, {"error": {}})


class Number(fields.Field):
    """An int (or, unless `integer`, a float), never a bool or a string, within its bounds."""

    def __init__(self, *, integer, minimum=None, maximum=None, **kwargs):
        if integer:
            wrong_type = {"type": "int_type", "msg": "Input should be a valid integer"}
        else:
            wrong_type = {"type": "float_type", "msg": "Input should be a valid number"}
        super().__init__(error_messages={"null": wrong_type, "invalid": wrong_type}, **kwargs)
        self.types = (int,) if integer else (int, float)
        self.minimum = minimum
        self.maximum = maximum

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) not in self.types:
            raise self.make_error("invalid")
        if self.minimum is not None and value < self.minimum:
            raise field_error(
                "greater_than_equal", f"Input should be greater than or equal to {self.minimum}", {"ge": self.minimum}
            )
        if self.maximum is not None and value > self.maximum:
            raise field_error(
                "less_than_equal", f"Input should be less than or equal to {self.maximum}", {"le": self.maximum}
            )
        return value


class Headers(JSONObject):
    """A JSON object of HTTP header names to values that can be sent as they are."""

    def _deserialize(self, value, attr, data, **kwargs):
        headers = super()._deserialize(value, attr, data, **kwargs)
        for name, text in headers.items():
            if type(text) is not str:
                raise ValidationError(error_item("string_type", [name], "Input should be a valid string", text))
            if not HEADER_NAME.fullmatch(name) or not HEADER_VALUE.fullmatch(text):
                raise ValidationError(value_error("not a valid HTTP header", text, [name]))
        return headers


class Timestamp(fields.Field):
    """An ISO 8601 date-time (UTC unless it says otherwise), loaded as microseconds since the epoch."""

    def __init__(self, **kwargs):
        datetime_type = {"type": "datetime_type", "msg": "Input should be a valid datetime"}
        super().__init__(error_messages={"null": datetime_type, "invalid": datetime_type}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not str:
            raise self.make_error("invalid")
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            reason = "input is not an ISO 8601 date-time"
            raise field_error("datetime_parsing", f"Input should be a valid datetime, {reason}", {"error": reason}) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        return (moment - EPOCH) // MICROSECOND


class JSONUUID(PydanticUUID):
    """A UUID in a JSON body, where it may not even be a string."""

    def __init__(self, **kwargs):
        uuid_type = {"type": "uuid_type", "msg": "UUID input should be a string, bytes or UUID object"}
        missing = {"type": "missing", "msg": "Field required"}
        super().__init__(error_messages={"null": uuid_type, "invalid": uuid_type, "required": missing}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not str:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictSchema(PydanticSchema):
    """Unknown keys are an error: a typo in a control request must not pass silently."""

    def load_strictly(self, data, errors):
        loaded = self.load_or_collect(data, "body", errors)
        for key, value in data.items():
            if key not in self.fields:
                errors.append(error_item("extra_forbidden", ["body", key], "Extra inputs are not permitted", value))
        return loaded


class FaultDefinition(StrictSchema):
    method = PydanticLiteral(METHODS, allow_none=True, load_default=None)
    path = StrictString(min_length=1, load_default="*")
    status = Number(integer=True, minimum=200, maximum=599, allow_none=True, load_default=None)
    body = fields.Raw(allow_none=True, load_default=None)
    headers = Headers(load_default=dict)
    delay_ms = Number(integer=True, minimum=0, maximum=60_000, load_default=0)
    times = Number(integer=True, minimum=1, maximum=1_000_000_000, load_default=1)


class ClockChange(StrictSchema):
    now = Timestamp(load_default=None)
    advance_seconds = Number(integer=False, minimum=0, maximum=1_000_000_000, load_default=None)


class ImportedUser(UserBody):
    """A user as GET /_double/users exports it: the API's fields, its developer, its id and timestamps."""

    developer_id = JSONUUID(load_default=uuid.UUID(DEFAULT_DEVELOPER_ID))
    id = JSONUUID(required=True)
    created_at = Timestamp(load_default=None)
    updated_at = Timestamp(load_default=None)


class Embeddings(fields.Field):
    """One entry a chunk, in index order: null (not embedded) or 1,024 JSON numbers, as pgvector stores them."""

    default_error_messages = {"null": {"type": "list_type", "msg": "Input should be a valid list"}}

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not list:
            raise field_error("list_type", "Input should be a valid list")
        stored, errors = [], []
        for index, vector in enumerate(value):
            try:
                stored.append(None if vector is None else embedding(vector))
            except ValueError as error:
                errors.append({**value_error(str(error), vector), "loc": [index]})
        if errors:
            raise ValidationError(errors)
        return stored


def embedding(vector):
    if type(vector) is not list or not all(type(number) in (int, float) for number in vector):
        raise ValueError("an embedding is a list of numbers")
    stored = vectors.float4_values(vector)
    if not vectors.norm(stored):
        raise ValueError("a zero vector has no direction to search by")
    return stored


class EmbeddingsChange(StrictSchema):
    embeddings = Embeddings(required=True, error_messages={"required": {"type": "missing", "msg": "Field required"}})


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


EMBEDDINGS_CHANGE = EmbeddingsChange()
IMPORTED_DOC = ImportedDoc()
FAULT_DEFINITION = FaultDefinition()
CLOCK_CHANGE = ClockChange()
IMPORTED_USER = ImportedUser()
RESET_QUERY = ResetQuery()


def require_object(body):
    raise_if(body_errors(body))
    return body


def load_fault(body):
    """A fault definition with its defaults; a fault with a status but no body answers its status's detail."""
    data = require_object(body)
    errors = []
    fault = FAULT_DEFINITION.load_strictly(data, errors)
    raise_if(errors)
    if fault["path"].startswith("/api/"):
        errors.append(value_error("path is matched without the /api prefix", fault["path"], ["body", "path"]))
    if fault["status"] is None and not fault["delay_ms"]:
        errors.append(value_error("a fault needs a status or a delay_ms", data))
    raise_if(errors)
    if fault["status"] is not None and fault["body"] is None:
        fault["body"] = {"detail": HTTP_STATUS_CODES.get(fault["status"], "Unknown Error")}
    return fault


def load_clock_change(body):
    data = require_object(body)
    errors = []
    change = CLOCK_CHANGE.load_strictly(data, errors)
    raise_if(errors)
    if (change["now"] is None) == (change["advance_seconds"] is None):
        raise_if([value_error("give exactly one of now and advance_seconds", data)])
    return change


def load_users(body):
    """The users and docs of an import, each validated like the API's; all their errors together."""
    data = require_object(body)
    if "items" not in data:
        raise_if([missing_error(["body", "items"], data)])
    errors = []
    users = load_list(data, "items", IMPORTED_USER, errors)
    docs = load_list(data, "docs", IMPORTED_DOC, errors) if "docs" in data else []
    for index, doc in enumerate(docs):
        if not doc["content"]:
            errors.append(value_error("a doc needs content", [], ["body", "docs", index, "content"]))
        elif doc["embeddings"] is not None and len(doc["embeddings"]) != len(doc["content"]):
            errors.append(value_error("one embedding (or null) a chunk", doc["embeddings"], ["body", "docs", index, "embeddings"]))
    raise_if(errors)
    return users, docs


def load_list(data, key, schema, errors):
    if type(data[key]) is not list:
        raise_if([error_item("list_type", ["body", key], "Input should be a valid list", data[key])])
    loaded = []
    for index, item in enumerate(data[key]):
        loc = ["body", key, index]
        error = object_error(item, loc)
        if error:
            errors.append(error)
            continue
        item_errors = []
        loaded.append(schema.load_or_collect(item, "body", item_errors))
        errors.extend({**error, "loc": [*loc, *error["loc"][1:]]} for error in item_errors)
    return loaded


def load_embeddings(body):
    data = require_object(body)
    errors = []
    change = EMBEDDINGS_CHANGE.load_strictly(data, errors)
    raise_if(errors)
    return change["embeddings"]


def load_reset_query(args):
    errors = []
    query = RESET_QUERY.load_or_collect(args, "query", errors)
    raise_if(errors)
    return query
