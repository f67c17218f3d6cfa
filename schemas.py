"""Marshmallow schemas of the Users API, and their errors shaped as pydantic v2 writes them.

Every field raises `ValidationError({"type", "msg", "ctx"?})`; `load_or_collect()` turns the
messages into FastAPI's `{"detail": [{type, loc, msg, input, ctx?}]}` items, in
field order, with the offending input echoed back.
"""

import json
import re
import uuid

import regex
from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing, post_load

from .errors import RequestValidationError, UnreadableBody

NAME_PATTERN = (
    r"^[\p{L}\p{Nl}\p{Pattern_Syntax}\p{Pattern_White_Space}]+"
    r"[\p{ID_Start}\p{Mn}\p{Mc}\p{Nd}\p{Pc}\p{Pattern_Syntax}\p{Pattern_White_Space}]*$"
)
# A project's canonical name, wherever one is given: a user's project, a new project (projects/), an import's.
PROJECT_PATTERN = r"^[a-zA-Z][a-zA-Z0-9_]*$"


def error_item(error_type, loc, msg, value, ctx=None):
    """One item of a 422's detail, keys in pydantic's order."""
    item = {"type": error_type, "loc": loc, "msg": msg, "input": value}
    if ctx is not None:
        item["ctx"] = ctx
    return item


def raise_if(errors):
    if errors:
        raise RequestValidationError(errors)


MISSING = {"type": "missing", "msg": "Field required"}


def field_error(error_type, msg, ctx=None):
    message = {"type": error_type, "msg": msg}
    if ctx is not None:
        message["ctx"] = ctx
    return ValidationError(message)


class StrictString(fields.Field):
    """A string, never coerced, checked for length and then pattern (pydantic's order).

    Patterns are matched against the whole string, as pydantic-core's Rust regex
    does with `^…$`; the `regex` module gives the `\\p{…}` Unicode properties.
    """

    def __init__(self, *, min_length=None, max_length=None, pattern=None, **kwargs):
        string_type = {"type": "string_type", "msg": "Input should be a valid string"}
        super().__init__(error_messages={"null": string_type, "invalid": string_type, "required": MISSING}, **kwargs)
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern
        self.matcher = regex.compile(pattern) if pattern else None

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not str:
            raise self.make_error("invalid")
        if self.min_length is not None and len(value) < self.min_length:
            raise field_error(
                "string_too_short",
                f"String should have at least {self.min_length} character{plural(self.min_length)}",
                {"min_length": self.min_length},
            )
        if self.max_length is not None and len(value) > self.max_length:
            raise field_error(
                "string_too_long",
                f"String should have at most {self.max_length} character{plural(self.max_length)}",
                {"max_length": self.max_length},
            )
        if self.matcher is not None and not self.matcher.fullmatch(value):
            raise field_error(
                "string_pattern_mismatch",
                f"String should match pattern '{self.pattern}'",
                {"pattern": self.pattern},
            )
        return value


def plural(count):
    return "" if count == 1 else "s"


class JSONObject(fields.Field):
    """A JSON object (a dict as json.loads gives it), kept as it is."""

    def __init__(self, **kwargs):
        dict_type = {"type": "dict_type", "msg": "Input should be a valid dictionary"}
        super().__init__(error_messages={"null": dict_type, "invalid": dict_type}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not dict:
            raise self.make_error("invalid")
        return value


# What Rust's str::trim() removes (Unicode White_Space), which is not quite what str.strip() removes.
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
INTEGER_TEXT = re.compile(r"([+-]?[0-9]+(?:_[0-9]+)*)(?:\.0+)?")


def within_bounds(value, minimum, maximum):
    """`value`, unless it is outside `minimum`..`maximum` (None: unbounded), which is pydantic's ge/le error."""
    if minimum is not None and value < minimum:
        raise field_error("greater_than_equal", f"Input should be greater than or equal to {minimum}", {"ge": minimum})
    if maximum is not None and value > maximum:
        raise field_error("less_than_equal", f"Input should be less than or equal to {maximum}", {"le": maximum})
    return value


class PydanticInt(fields.Field):
    """An integer from query text, parsed as pydantic-core parses a str in lax mode, within its bounds if any."""

    def __init__(self, *, minimum=None, maximum=None, **kwargs):
        super().__init__(**kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def _deserialize(self, value, attr, data, **kwargs):
        match = INTEGER_TEXT.fullmatch(value.strip(WHITE_SPACE))
        if match is None:
            raise field_error("int_parsing", "Input should be a valid integer, unable to parse string as an integer")
        try:
            number = int(match[1])
        except ValueError:  # past int()'s 4300 digits, where pydantic-core stops too
            raise field_error(
                "int_parsing_size", "Unable to parse input string as an integer, exceeded maximum size"
            ) from None
        return within_bounds(number, self.minimum, self.maximum)


class PydanticLiteral(fields.Field):
    """One of a few strings, as `typing.Literal[...]` validates it."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        quoted = [f"'{choice}'" for choice in choices]
        self.expected = f"{', '.join(quoted[:-1])} or {quoted[-1]}"

    def _deserialize(self, value, attr, data, **kwargs):
        if value not in self.choices:
            raise field_error("literal_error", f"Input should be {self.expected}", {"expected": self.expected})
        return value


HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
SIMPLE_UUID = re.compile(r"[0-9a-fA-F]{32}")
HYPHENATED_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
GROUP_STARTS = (0, 9, 14, 19, 24)
GROUP_LENGTHS = (8, 4, 4, 4, 12)


class PydanticUUID(fields.Field):
    """A UUID in every form pydantic-core accepts, with its error words when it is not one.

    pydantic-core parses with Rust's `uuid` crate: a 32-digit simple form, or the
    hyphenated form bare, in braces or after `urn:uuid:`. The error detail below
    follows that crate's `InvalidUuid::into_err` step by step.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if len(value) == 32:
            body = value if SIMPLE_UUID.fullmatch(value) else None
        elif len(value) == 36:
            body = value
        elif len(value) == 38 and value[0] == "{" and value[-1] == "}":
            body = value[1:-1]
        elif len(value) == 45 and value.startswith("urn:uuid:"):
            body = value[9:]
        else:
            body = None
        if body is not None and (len(body) == 32 or HYPHENATED_UUID.fullmatch(body)):
            return uuid.UUID(body)
        error = uuid_error(value)
        raise field_error("uuid_parsing", f"Input should be a valid UUID, {error}", {"error": error})


def uuid_error(text):
    if len(text) >= 2 and text[0] == "{" and text[-1] == "}":
        body, offset, simple = text[1:-1], 1, False
    elif text.startswith("urn:uuid:"):
        body, offset, simple = text[9:], 9, False
    else:
        body, offset, simple = text, 0, True
    hyphens = []
    for index, character in enumerate(body):
        if character == "-":
            hyphens.append(index)
        elif character not in HEX_DIGITS:
            return (
                "invalid character: expected an optional prefix of `urn:uuid:` followed by "
                f"[0-9a-fA-F-], found `{character}` at {index + offset + 1}"
            )
    if not hyphens and simple:
        return f"invalid length: expected length 32 for simple format, found {len(text)}"
    if len(hyphens) != 4:
        return f"invalid group count: expected 5, found {len(hyphens) + 1}"
    for group in range(4):
        if hyphens[group] != GROUP_STARTS[group + 1] - 1:
            found = hyphens[group] - GROUP_STARTS[group]
            return f"invalid group length in group {group}: expected {GROUP_LENGTHS[group]}, found {found}"
    # The uuid crate measures the last group against the whole input, prefix and braces included.
    return f"invalid group length in group 4: expected 12, found {len(text) - GROUP_STARTS[4]}"


class PydanticSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    def load_or_collect(self, data, location, errors, under=()):
        """Load `data`; on failure append its error items (loc starting with `location`, then `under`) to `errors`.

        A message may carry its own `loc` (below the field) and `input`, and a field
        may raise a list of them; a missing field's input is the whole object, as
        pydantic reports it.
        """
        try:
            return self.load(data)
        except ValidationError as error:
            for name, messages in error.messages.items():
                for message in messages if isinstance(messages, list) else [messages]:
                    errors.append(
                        error_item(
                            message["type"],
                            [location, *under, name, *message.get("loc", ())],
                            message["msg"],
                            message["input"] if "input" in message else data.get(name, data),
                            message.get("ctx"),
                        )
                    )
            return None

    def load_by_fields(self, data):
        """What load(data) gives before its hooks, by the fields alone; ValidationError at the first they refuse."""
        return {name: field.deserialize(data.get(name, missing), name, data) for name, field in self.load_fields.items()}

    def load_body(self, value, errors):
        """Validate a request body against this schema, appending error items to `errors`."""
        if shape_errors := body_errors(value):
            errors.extend(shape_errors)
            return None
        return self.load_or_collect(value, "body", errors)


class PathIds(PydanticSchema):
    """The ids a path names; pipeline.validate reads a route's one by one, in its handler's order."""

    user_id = PydanticUUID()
    doc_id = PydanticUUID()


class UserBody(PydanticSchema):
    """CreateOrUpdateUserRequest, with the hosted service's defaults for what is omitted or null."""

    metadata = JSONObject(allow_none=True, load_default=None)
    name = StrictString(max_length=120, pattern=NAME_PATTERN, load_default="")
    about = StrictString(load_default="")
    project = StrictString(
        min_length=1, max_length=255, pattern=PROJECT_PATTERN, allow_none=True, load_default=None
    )

    @post_load
    def with_hosted_defaults(self, user, **kwargs):
        return {**user, "metadata": user["metadata"] or {}, "project": user["project"] or "default"}

    def load_body(self, value, errors):
        # A body every field takes (nearly every one) is loaded by the fields alone, at half the cost of
        # marshmallow's schema machinery; one that a field refuses is loaded again by the schema, for its errors.
        if type(value) is dict:
            try:
                return self.with_hosted_defaults(self.load_by_fields(value))
            except ValidationError:
                pass
        return super().load_body(value, errors)


class ListUsersQuery(PydanticSchema):
    limit = PydanticInt(load_default=100)
    offset = PydanticInt(load_default=0)
    sort_by = PydanticLiteral(("created_at", "updated_at"), load_default="created_at")
    direction = PydanticLiteral(("asc", "desc"), load_default="desc")


PATH_IDS = PathIds()
USER_BODY = UserBody()
LIST_USERS_QUERY = ListUsersQuery()


# Responses, rendered by hand for speed (users.user_json); these schemas describe them in /openapi.json.


class User(UserBody):
    id = fields.UUID(dump_only=True, required=True)
    created_at = fields.DateTime(dump_only=True, required=True)
    updated_at = fields.DateTime(dump_only=True, required=True)


class ListResponse_User_(PydanticSchema):  # noqa: N801 - FastAPI's name for ListResponse[User]
    items = fields.List(fields.Nested(User), required=True)


class ResourceDeletedResponse(PydanticSchema):
    id = fields.UUID(required=True)
    deleted_at = fields.DateTime(required=True)
    jobs = fields.List(fields.UUID())


class ValidationError_(PydanticSchema):  # noqa: N801 - "ValidationError" in the document
    loc = fields.List(
        fields.Raw(metadata={"anyOf": [{"type": "string"}, {"type": "integer"}]}),
        required=True,
        metadata={"title": "Location"},
    )
    msg = fields.String(required=True, metadata={"title": "Message"})
    type = fields.String(required=True, metadata={"title": "Error Type"})


class HTTPValidationError(PydanticSchema):
    detail = fields.List(fields.Nested(ValidationError_))


class HTTPError(PydanticSchema):
    detail = fields.String(required=True)


# The hosted format's bodies (AGENTS_API_ERROR_FORMAT=hosted), as envelope.py writes them.


class HostedErrorDetail(PydanticSchema):
    type = fields.String(required=True)
    msg = fields.String(required=True)
    loc = fields.String(required=True, metadata={"description": "e.g. path.user_id, name, items[0].name"})
    fix = fields.String()
    example = fields.String()
    received = fields.String(required=True, metadata={"description": "Python's str() of the input"})


class HostedValidationErrorBody(PydanticSchema):
    message = PydanticLiteral(("Validation error",), required=True)
    details = fields.List(fields.Nested(HostedErrorDetail), required=True)
    code = PydanticLiteral(("validation_error",), required=True)


class HostedValidationError(PydanticSchema):
    error = fields.Nested(HostedValidationErrorBody, required=True)


class HostedHTTPErrorBody(PydanticSchema):
    message = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "http_<status>"})
    type = PydanticLiteral(("http_error",), required=True)


class HostedHTTPError(PydanticSchema):
    error = fields.Nested(HostedHTTPErrorBody, required=True)


class HostedMiddlewareErrorBody(PydanticSchema):
    message = fields.String(required=True)
    code = fields.String(required=True)


class HostedMiddlewareError(PydanticSchema):
    error = fields.Nested(HostedMiddlewareErrorBody, required=True)


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def finite_float(text):
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"{text} overflows a double")
    return number


# json.loads with these hooks would build a decoder per call.
STRICT_JSON = json.JSONDecoder(parse_constant=reject_constant, parse_float=finite_float)

# How deep a request body's objects and lists may nest. The hosted service stops where Python's recursion limit
# does (about 960 levels, depending on its stack); a fixed limit well inside it keeps every stored user readable
# everywhere: in a list of users, in the export and its import, in the journal, and by a Python client.
MAX_JSON_DEPTH = 512
# A list of users nested that deep (GET /users, the export, and so the import): two levels more.
LIST_JSON_DEPTH = MAX_JSON_DEPTH + 2


def json_value(text, max_depth=MAX_JSON_DEPTH):
    """Strict JSON text as a value; ValueError for what is not JSON or nests deeper than `max_depth`."""
    value = STRICT_JSON.decode(text)
    # No value can nest deeper than its count of brackets: only then is it walked.
    if text.count("[") + text.count("{") > max_depth and nests_deeper(value, max_depth):
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    return value


def nests_deeper(value, max_depth):
    """Whether objects and lists nest more than `max_depth` levels in `value`: walked level by level, not recursively."""
    level = [value] if type(value) in CONTAINERS else []
    for _ in range(max_depth):
        below = []
        for item in level:
            below += [child for child in (item.values() if type(item) is dict else item) if type(child) in CONTAINERS]
        level = below
    return bool(level)


CONTAINERS = (dict, list)


def body_value(data, content_type, max_depth=MAX_JSON_DEPTH):
    """The request body as FastAPI hands it to pydantic: parsed JSON, the bytes themselves, or None when empty.

    Raises RequestValidationError for malformed JSON and UnreadableBody where
    FastAPI answers 400 (or, for NaN, infinities and nesting past its recursion
    limit, fails with a 500 that a test double should not copy).
    """
    if not data:
        return None
    if not content_type or is_json_media_type(content_type):
        try:
            # What json.loads does with bytes before decoding.
            return json_value(data.decode(json.detect_encoding(data), "surrogatepass"), max_depth)
        except json.JSONDecodeError as error:
            raise RequestValidationError(
                [error_item("json_invalid", ["body", error.pos], "JSON decode error", {}, {"error": error.msg})]
            ) from error
        except (ValueError, RecursionError) as error:
            raise UnreadableBody() from error
    return data


def is_json_media_type(content_type):
    """As FastAPI decides through `email.message`: application/json or application/*+json."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type.count("/") != 1:
        return False
    main_type, subtype = media_type.split("/")
    return main_type == "application" and (subtype == "json" or subtype.endswith("+json"))


def missing_error(loc, value):
    return error_item("missing", loc, "Field required", value)


def object_error(value, loc):
    """The error for a value that should be a JSON object, or None when it is one."""
    if type(value) is dict:
        return None
    return error_item("model_attributes_type", loc, "Input should be a valid dictionary or object to extract fields from", value)


def body_errors(value):
    """The errors of a body that is not a JSON object (missing, or another value); none when it is one."""
    if value is None:
        return [missing_error(["body"], None)]
    error = object_error(value, ["body"])
    return [error] if error else []
