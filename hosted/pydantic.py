"""pydantic v2's field types as marshmallow fields, and ONE catalogue of pydantic's error words.

Every field raises `ValidationError({"type", "msg", "ctx"?})` (field_error); `PydanticSchema.load_or_collect()`
turns the messages into pydantic's error items `{type, loc, msg, input, ctx?}`, in field order, with the offending
input echoed back. How FastAPI reads a request and answers these items is fastapi_wire's.
"""

import re
import uuid

import regex
from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing

from . import INT64_MAX

# pydantic-core's message template of each error type used here, `{…}` filled from the error's ctx (or words).
ERROR_WORDS = {
    "missing": "Field required",
    "extra_forbidden": "Extra inputs are not permitted",
    "model_attributes_type": "Input should be a valid dictionary or object to extract fields from",
    "dict_type": "Input should be a valid dictionary",
    "list_type": "Input should be a valid list",
    "string_type": "Input should be a valid string",
    "string_too_short": "String should have at least {min_length} {characters}",
    "string_too_long": "String should have at most {max_length} {characters}",
    "string_pattern_mismatch": "String should match pattern '{pattern}'",
    "int_type": "Input should be a valid integer",
    "int_parsing": "Input should be a valid integer, unable to parse string as an integer",
    "int_parsing_size": "Unable to parse input string as an integer, exceeded maximum size",
    "int_from_float": "Input should be a valid integer, got a number with a fractional part",
    "float_type": "Input should be a valid number",
    "float_parsing": "Input should be a valid number, unable to parse string as a number",
    "finite_number": "Input should be a finite number",
    "bool_type": "Input should be a valid boolean",
    "bool_parsing": "Input should be a valid boolean, unable to interpret input",
    "literal_error": "Input should be {expected}",
    "uuid_type": "UUID input should be a string, bytes or UUID object",
    "uuid_parsing": "Input should be a valid UUID, {error}",
    "datetime_type": "Input should be a valid datetime",
    "datetime_parsing": "Input should be a valid datetime, {error}",
    "greater_than_equal": "Input should be greater than or equal to {ge}",
    "less_than_equal": "Input should be less than or equal to {le}",
    "less_than": "Input should be less than {lt}",
    "value_error": "Value error, {error}",
}


def error_message(error_type, ctx=None, **words):
    """pydantic's `{type, msg, ctx?}` of an error: its words filled from `ctx`, or from `words` where they print
    otherwise (a bound of 1.0 as 1, a value error's text where its ctx holds `{}`)."""
    message = {"type": error_type, "msg": ERROR_WORDS[error_type].format_map({**(ctx or {}), **words})}
    if ctx is not None:
        message["ctx"] = ctx
    return message


def field_error(error_type, ctx=None, **words):
    return ValidationError(error_message(error_type, ctx, **words))


def error_item(error_type, loc, value, ctx=None, **words):
    """One of pydantic's error items: the error's message (error_message) at `loc`, for the input `value`."""
    return message_item(error_message(error_type, ctx, **words), loc, value)


def message_item(message, loc, value):
    """A field's message as an error item, keys in pydantic's order."""
    item = {"type": message["type"], "loc": loc, "msg": message["msg"], "input": value}
    if "ctx" in message:
        item["ctx"] = message["ctx"]
    return item


def object_errors(value, locs):
    """A model's errors for a value that is not a JSON object: one a loc (a union's: one a member), else none."""
    return [] if type(value) is dict else [error_item("model_attributes_type", loc, value) for loc in locs]


MISSING = error_message("missing")


def characters(count):
    return "character" if count == 1 else "characters"


def bound_text(bound):
    """A bound as pydantic's messages print it: 1.0 as 1."""
    return str(int(bound)) if isinstance(bound, float) and bound.is_integer() else str(bound)


def check_bounds(value, ge=None, le=None, lt=None):
    """`value`, unless pydantic's ge, le or lt (None: unbounded) refuse it."""
    # pydantic-core's order: le, lt, ge (NaN fails the first that is set).
    if le is not None and not value <= le:
        raise field_error("less_than_equal", {"le": le}, le=bound_text(le))
    if lt is not None and not value < lt:
        raise field_error("less_than", {"lt": lt}, lt=bound_text(lt))
    if ge is not None and not value >= ge:
        raise field_error("greater_than_equal", {"ge": ge}, ge=bound_text(ge))
    return value


class StrictString(fields.Field):
    """A string, never coerced, checked for length and then pattern (pydantic's order).

    Patterns are matched against the whole string, as pydantic-core's Rust regex
    does with `^…$`; the `regex` module gives the `\\p{…}` Unicode properties.
    """

    def __init__(self, *, min_length=None, max_length=None, pattern=None, **kwargs):
        string_type = error_message("string_type")
        super().__init__(error_messages={"null": string_type, "invalid": string_type, "required": MISSING}, **kwargs)
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern
        self.matcher = regex.compile(pattern) if pattern else None

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not str:
            raise self.make_error("invalid")
        if (error := length_error(value, self.min_length, self.max_length)) is not None:
            raise ValidationError(error)
        if self.matcher is not None and not self.matcher.fullmatch(value):
            raise field_error("string_pattern_mismatch", {"pattern": self.pattern})
        return value


def length_error(text, min_length=None, max_length=None):
    """pydantic's message for a string shorter or longer than its bounds (None: unbounded), or None."""
    if min_length is not None and len(text) < min_length:
        return error_message("string_too_short", {"min_length": min_length}, characters=characters(min_length))
    if max_length is not None and len(text) > max_length:
        return error_message("string_too_long", {"max_length": max_length}, characters=characters(max_length))
    return None


class JSONObject(fields.Field):
    """A JSON object (a dict as json.loads gives it), kept as it is."""

    def __init__(self, **kwargs):
        dict_type = error_message("dict_type")
        super().__init__(error_messages={"null": dict_type, "invalid": dict_type}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not dict:
            raise self.make_error("invalid")
        return value


class StrictNumber(fields.Field):
    """StrictInt (or, unless `integer`, StrictFloat): a JSON number, never a bool or a string, within its bounds."""

    def __init__(self, *, integer, ge=None, le=None, **kwargs):
        wrong_type = error_message("int_type" if integer else "float_type")
        super().__init__(error_messages={"null": wrong_type, "invalid": wrong_type}, **kwargs)
        self.types = (int,) if integer else (int, float)
        self.bounds = {"ge": ge, "le": le}

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) not in self.types:
            raise self.make_error("invalid")
        return check_bounds(value, **self.bounds)


# What Rust's str::trim() removes (Unicode White_Space), which is not quite what str.strip() removes.
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
INTEGER_TEXT = re.compile(r"([+-]?[0-9]+(?:_[0-9]+)*)(?:\.0+)?")


class PydanticInt(fields.Field):
    """An integer from query text, parsed as pydantic-core parses a str in lax mode, within its bounds if any."""

    def __init__(self, *, ge=None, le=None, **kwargs):
        super().__init__(**kwargs)
        self.bounds = {"ge": ge, "le": le}

    def _deserialize(self, value, attr, data, **kwargs):
        match = INTEGER_TEXT.fullmatch(value.strip(WHITE_SPACE))
        if match is None:
            raise field_error("int_parsing")
        try:
            number = int(match[1])
        except ValueError:  # past int()'s 4300 digits, where pydantic-core stops too
            raise field_error("int_parsing_size") from None
        return check_bounds(number, **self.bounds)


class PydanticLiteral(fields.Field):
    """One of a few strings, as `typing.Literal[...]` validates it."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        quoted = [f"'{choice}'" for choice in choices]
        self.expected = f"{', '.join(quoted[:-1])} or {quoted[-1]}"

    def _deserialize(self, value, attr, data, **kwargs):
        if value not in self.choices:
            raise field_error("literal_error", {"expected": self.expected})
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
        raise field_error("uuid_parsing", {"error": uuid_error(value)})


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


class JSONUUID(PydanticUUID):
    """A UUID in a JSON body, where it may not even be a string."""

    def __init__(self, **kwargs):
        uuid_type = error_message("uuid_type")
        super().__init__(error_messages={"null": uuid_type, "invalid": uuid_type, "required": MISSING}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not str:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


# Rust's f64 grammar, which pydantic-core parses a string with (after trimming it, or else without its underscores).
FLOAT_TEXT = re.compile(r"[+-]?(?:inf|infinity|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)", re.IGNORECASE)


def lax_float(value):
    """A JSON value as pydantic's lax float reads it; raises the field's ValidationError."""
    if type(value) is float:
        return value
    if type(value) in (int, bool):
        try:
            return float(value)
        except OverflowError:
            raise field_error("float_type") from None
    if type(value) is str:
        text = value.strip(WHITE_SPACE)
        if not FLOAT_TEXT.fullmatch(text):
            text = value if value[:1] != "_" and value[-1:] != "_" and "__" not in value else ""
            text = text.replace("_", "")
            if not FLOAT_TEXT.fullmatch(text):
                raise field_error("float_parsing")
        return float(text)
    raise field_error("float_type")


class LaxFloat(fields.Field):
    """`float` with pydantic's bounds; `is_lax` tells the smart union a coerced string or boolean."""

    default_error_messages = {"required": MISSING, "null": error_message("float_type")}

    def __init__(self, *, ge=None, le=None, lt=None, **kwargs):
        super().__init__(**kwargs)
        self.bounds = {"ge": ge, "le": le, "lt": lt}

    def _deserialize(self, value, attr, data, **kwargs):
        return check_bounds(lax_float(value), **self.bounds)

    def is_lax(self, value):
        return type(value) in (str, bool)


class LaxInt(fields.Field):
    """`int` with pydantic's bounds, from a JSON value: 5.0, "5" and true are ints too."""

    default_error_messages = {"required": MISSING, "null": error_message("int_type")}

    def __init__(self, *, ge=None, le=None, **kwargs):
        super().__init__(**kwargs)
        self.bounds = {"ge": ge, "le": le}
        self.text = PydanticInt()

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) in (int, bool):
            number = int(value)
        elif type(value) is float:
            number = float_as_int(value)
        elif type(value) is str:
            number = self.text.deserialize(value)
        else:
            raise field_error("int_type")
        return check_bounds(number, **self.bounds)


def float_as_int(value):
    if value != value or value in (float("inf"), float("-inf")):
        raise field_error("finite_number")
    if not value.is_integer():
        raise field_error("int_from_float")
    if abs(value) > INT64_MAX:
        raise field_error("int_parsing_size")
    return int(value)


class StrictBoolean(fields.Field):
    """pydantic's StrictBool: JSON true or false only."""

    default_error_messages = {"required": MISSING, "null": error_message("bool_type")}

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not bool:
            raise field_error("bool_type")
        return value


QUERY_BOOLEANS = {"1": True, "on": True, "t": True, "true": True, "y": True, "yes": True,
                  "0": False, "off": False, "f": False, "false": False, "n": False, "no": False}


class QueryBoolean(fields.Field):
    """A `bool` query parameter, read as pydantic reads a string (case does not matter, spaces do)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return QUERY_BOOLEANS[value.lower() if value.isascii() else value]
        except KeyError:
            raise field_error("bool_parsing") from None


class PydanticList(fields.Field):
    """`list[...]`: a JSON list, each item read by `item` (a function raising ValueError or ValidationError);
    one error per bad item, at its index (a ValueError as pydantic's value_error)."""

    default_error_messages = {"required": MISSING, "null": error_message("list_type")}

    def __init__(self, item, **kwargs):
        super().__init__(**kwargs)
        self.item = item

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not list:
            raise field_error("list_type")
        loaded, errors = [], []
        for index, item in enumerate(value):
            try:
                loaded.append(self.item(item))
            except ValidationError as error:
                errors.append({**error.messages, "loc": [index], "input": item})
            except ValueError as error:
                message = error_message("value_error", {"error": {}}, error=str(error))
                errors.append({**message, "loc": [index], "input": item})
        if errors:
            raise ValidationError(errors)
        return loaded


class FloatList(PydanticList):
    """`list[float]`."""

    def __init__(self, **kwargs):
        super().__init__(lax_float, **kwargs)

    def is_lax(self, value):
        return any(type(item) in (str, bool) for item in value)


class PydanticSchema(Schema):
    """A pydantic model: unknown keys ignored, its errors as pydantic's items."""

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
                        message_item(
                            message,
                            [location, *under, name, *message.get("loc", ())],
                            message["input"] if "input" in message else data.get(name, data),
                        )
                    )
            return None

    def load_by_fields(self, data):
        """What load(data) gives before its hooks, by the fields alone; ValidationError at the first they refuse."""
        return {name: field.deserialize(data.get(name, missing), name, data) for name, field in self.load_fields.items()}

    def load_model(self, value, errors):
        """This model from a request body that is there, or None with its error items added to `errors`."""
        if shape_errors := object_errors(value, [["body"]]):
            errors.extend(shape_errors)
            return None
        return self.load_or_collect(value, "body", errors)


class ForbidExtra(PydanticSchema):
    """A model with `extra="forbid"`: unknown keys are an error (a control request's typo must not pass silently)."""

    def load_strictly(self, data, errors):
        loaded = self.load_or_collect(data, "body", errors)
        for key, value in data.items():
            if key not in self.fields:
                errors.append(error_item("extra_forbidden", ["body", key], value))
        return loaded


class SmartUnion:
    """A body that is one of several models, chosen as pydantic's smart union chooses.

    Of the members that validate, the one with the most fields set wins; on a tie, one that needed no lax
    coercion beats one that did; then the first. When none validates, every member's errors, each under its
    class name.
    """

    def __init__(self, *members):
        self.members = [(type(schema).__name__, schema) for schema in members]

    def load_model(self, value, errors):
        """The chosen member's fields with `model` naming it, or None with the error items added to `errors`."""
        if shape_errors := object_errors(value, [["body", name] for name, _ in self.members]):
            errors.extend(shape_errors)
            return None
        best, member_errors = None, []
        for name, schema in self.members:
            loaded = schema.load_or_collect(value, "body", member_errors, under=(name,))
            if loaded is None:
                continue
            given = [field_name for field_name in schema.fields if field_name in value]
            exact = not any(is_lax(schema.fields[field_name], value[field_name]) for field_name in given)
            rank = (len(given), exact)
            if best is None or rank[0] > best[0][0] or (rank[0] == best[0][0] and rank[1] > best[0][1]):
                best = (rank, {**loaded, "model": name})
        if best is None:
            errors.extend(member_errors)
            return None
        return best[1]


def is_lax(field, value):
    """Whether the field took the value only by lax coercion (only LaxFloat and FloatList ever tell)."""
    return hasattr(field, "is_lax") and field.is_lax(value)
