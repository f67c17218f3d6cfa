"""Marshmallow schemas of a user's docs (autogen/Docs.py), with pydantic v2's error items, and their responses.

The hosted models take JSON numbers and strings as pydantic's lax mode does ("5" is an int, "0.5" a float, true a
number); the search body is the smart union TextOnly | Vector | Hybrid.
"""

import re

from marshmallow import ValidationError, fields

from ..schemas import (
    MISSING,
    WHITE_SPACE,
    JSONObject,
    PydanticInt,
    PydanticLiteral,
    PydanticSchema,
    ResourceDeletedResponse,
    StrictString,
    error_item,
    field_error,
    missing_error,
    plural,
)

# Rust's f64 grammar, which pydantic-core parses a string with (after trimming it, or else without its underscores).
FLOAT_TEXT = re.compile(r"[+-]?(?:inf|infinity|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)", re.IGNORECASE)
INT64_LIMIT = 2.0**63


def bound_text(bound):
    """A bound as pydantic's messages print it: 1.0 as 1."""
    return str(int(bound)) if isinstance(bound, float) and bound.is_integer() else str(bound)


def check_bounds(value, ge=None, le=None, lt=None):
    # pydantic-core's order: le, lt, ge (NaN fails the first that is set).
    if le is not None and not value <= le:
        raise field_error("less_than_equal", f"Input should be less than or equal to {bound_text(le)}", {"le": le})
    if lt is not None and not value < lt:
        raise field_error("less_than", f"Input should be less than {bound_text(lt)}", {"lt": lt})
    if ge is not None and not value >= ge:
        raise field_error("greater_than_equal", f"Input should be greater than or equal to {bound_text(ge)}", {"ge": ge})
    return value


def lax_float(value):
    """A JSON value as pydantic's lax float reads it; raises the field's ValidationError."""
    if type(value) is float:
        return value
    if type(value) in (int, bool):
        try:
            return float(value)
        except OverflowError:
            raise field_error("float_type", "Input should be a valid number") from None
    if type(value) is str:
        text = value.strip(WHITE_SPACE)
        if not FLOAT_TEXT.fullmatch(text):
            text = value if value[:1] != "_" and value[-1:] != "_" and "__" not in value else ""
            text = text.replace("_", "")
            if not FLOAT_TEXT.fullmatch(text):
                raise field_error("float_parsing", "Input should be a valid number, unable to parse string as a number")
        return float(text)
    raise field_error("float_type", "Input should be a valid number")


class LaxFloat(fields.Field):
    """`float` with pydantic's bounds; `is_lax` tells the smart union a coerced string or boolean."""

    default_error_messages = {"required": MISSING, "null": {"type": "float_type", "msg": "Input should be a valid number"}}

    def __init__(self, *, ge=None, le=None, lt=None, **kwargs):
        super().__init__(**kwargs)
        self.bounds = {"ge": ge, "le": le, "lt": lt}

    def _deserialize(self, value, attr, data, **kwargs):
        return check_bounds(lax_float(value), **self.bounds)

    def is_lax(self, value):
        return type(value) in (str, bool)


class LaxInt(fields.Field):
    """`int` with pydantic's bounds, from a JSON value: 5.0, "5" and true are ints too."""

    default_error_messages = {"required": MISSING, "null": {"type": "int_type", "msg": "Input should be a valid integer"}}

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
            raise field_error("int_type", "Input should be a valid integer")
        return check_bounds(number, **self.bounds)


def float_as_int(value):
    if value != value or value in (float("inf"), float("-inf")):
        raise field_error("finite_number", "Input should be a finite number")
    if not value.is_integer():
        raise field_error("int_from_float", "Input should be a valid integer, got a number with a fractional part")
    if abs(value) >= INT64_LIMIT:
        raise field_error("int_parsing_size", "Unable to parse input string as an integer, exceeded maximum size")
    return int(value)


class StrictBoolean(fields.Field):
    """pydantic's StrictBool: JSON true or false only."""

    default_error_messages = {"required": MISSING, "null": {"type": "bool_type", "msg": "Input should be a valid boolean"}}

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not bool:
            raise field_error("bool_type", "Input should be a valid boolean")
        return value


QUERY_BOOLEANS = {"1": True, "on": True, "t": True, "true": True, "y": True, "yes": True,
                  "0": False, "off": False, "f": False, "false": False, "n": False, "no": False}


class QueryBoolean(fields.Field):
    """A `bool` query parameter, read as pydantic reads a string (case does not matter, spaces do)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return QUERY_BOOLEANS[value.lower() if value.isascii() else value]
        except KeyError:
            raise field_error("bool_parsing", "Input should be a valid boolean, unable to interpret input") from None


class FloatList(fields.Field):
    """`list[float]`: one error per bad item, at its index."""

    default_error_messages = {"required": MISSING, "null": {"type": "list_type", "msg": "Input should be a valid list"}}

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not list:
            raise field_error("list_type", "Input should be a valid list")
        floats, errors = [], []
        for index, item in enumerate(value):
            try:
                floats.append(lax_float(item))
            except ValidationError as error:
                errors.append({**error.messages, "loc": [index], "input": item})
        if errors:
            raise ValidationError(errors)
        return floats

    def is_lax(self, value):
        return any(type(item) in (str, bool) for item in value)


CONTENT_LENGTH = 30_000


class Content(fields.Field):
    """`Content | list[Content]`, Content a string of at most 30,000 characters: always a list once loaded.

    pydantic's union reports both members' errors, each under its label (`Content`, `list[Content]`).
    """

    default_error_messages = {"required": MISSING}

    def deserialize(self, value, attr=None, data=None, **kwargs):
        # null is no string and no list either: both members' errors, where marshmallow would give one of its own.
        if value is None:
            return self._deserialize(value, attr, data, **kwargs)
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is str:
            error = content_error(value)
            if error is None:
                return [value]
            raise ValidationError([{**error, "loc": ["Content"], "input": value}, list_error(value)])
        errors = [{"type": "string_type", "msg": "Input should be a valid string", "loc": ["Content"], "input": value}]
        if type(value) is not list:
            raise ValidationError([*errors, list_error(value)])
        for index, item in enumerate(value):
            error = content_error(item)
            if error is not None:
                errors.append({**error, "loc": ["list[Content]", index], "input": item})
        if len(errors) > 1:
            raise ValidationError(errors)
        return value


def content_error(value):
    if type(value) is not str:
        return {"type": "string_type", "msg": "Input should be a valid string"}
    if len(value) > CONTENT_LENGTH:
        return {
            "type": "string_too_long",
            "msg": f"String should have at most {CONTENT_LENGTH} character{plural(CONTENT_LENGTH)}",
            "ctx": {"max_length": CONTENT_LENGTH},
        }
    return None


def list_error(value):
    return {"type": "list_type", "msg": "Input should be a valid list", "loc": ["list[Content]"], "input": value}


class CreateDocRequest(PydanticSchema):
    metadata = JSONObject(allow_none=True, load_default=None)
    title = StrictString(max_length=800, required=True)
    content = Content(required=True)
    embed_instruction = StrictString(allow_none=True, load_default=None)  # accepted, never used (as hosted)


class ListDocsQuery(PydanticSchema):
    limit = PydanticInt(load_default=100)
    offset = PydanticInt(load_default=0)
    sort_by = PydanticLiteral(("created_at", "updated_at"), load_default="created_at")
    direction = PydanticLiteral(("asc", "desc"), load_default="desc")
    include_embeddings = QueryBoolean(load_default=True)


class GetDocQuery(PydanticSchema):
    include_embeddings = QueryBoolean(load_default=True)


class BulkDeleteDocsRequest(PydanticSchema):
    metadata_filter = JSONObject(load_default=dict)
    delete_all = StrictBoolean(load_default=False)


class DocSearchRequest(PydanticSchema):
    """What every search body takes, first, as in each of the hosted models."""

    limit = LaxInt(ge=1, le=50, load_default=10)
    metadata_filter = JSONObject(load_default=dict)
    include_embeddings = StrictBoolean(load_default=True)


class TextOnlyDocSearchRequest(DocSearchRequest):
    text = StrictString(required=True)
    lang = StrictString(load_default="en-US")
    trigram_similarity_threshold = LaxFloat(ge=0.0, le=1.0, allow_none=True, load_default=None)  # ignored, as hosted


class VectorDocSearchRequest(DocSearchRequest):
    vector = FloatList(required=True)
    confidence = LaxFloat(ge=-1.0, le=1.0, load_default=0.5)
    mmr_strength = LaxFloat(ge=0.0, lt=1.0, load_default=0.5)


class HybridDocSearchRequest(VectorDocSearchRequest, TextOnlyDocSearchRequest):
    """The text fields, then the vector fields: marshmallow orders inherited fields from the farthest base in."""

    alpha = LaxFloat(ge=0.0, le=1.0, load_default=0.5)
    k_multiplier = LaxInt(ge=1, le=10, load_default=5)


class SmartUnion:
    """A body that is one of several models, chosen as pydantic's smart union chooses.

    Of the members that validate, the one with the most fields set wins; on a tie, one that needed no lax
    coercion beats one that did; then the first. When none validates, every member's errors, each under its
    class name.
    """

    def __init__(self, *members):
        self.members = [(type(schema).__name__, schema) for schema in members]

    def load_body(self, value, errors):
        """The chosen member's fields with `model` naming it, or None with the error items added to `errors`."""
        if value is None:
            errors.append(missing_error(["body"], None))
            return None
        if type(value) is not dict:
            errors.extend(
                error_item(
                    "model_attributes_type", ["body", name],
                    "Input should be a valid dictionary or object to extract fields from", value,
                )
                for name, _ in self.members
            )
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


CREATE_DOC_BODY = CreateDocRequest()
LIST_DOCS_QUERY = ListDocsQuery()
GET_DOC_QUERY = GetDocQuery()
BULK_DELETE_BODY = BulkDeleteDocsRequest()
SEARCH_BODY = SmartUnion(TextOnlyDocSearchRequest(), VectorDocSearchRequest(), HybridDocSearchRequest())


# Responses, rendered by hand (docs.py); these schemas describe them in /openapi.json.

NUMBERS = {"type": "array", "items": {"type": "number"}}


class Doc(PydanticSchema):
    id = fields.UUID(dump_only=True, required=True)
    metadata = JSONObject(allow_none=True)
    created_at = fields.DateTime(dump_only=True, required=True)
    title = StrictString(max_length=800, required=True)
    content = fields.Raw(required=True, metadata={"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]})
    embeddings = fields.Raw(
        dump_only=True, metadata={"anyOf": [NUMBERS, {"type": "array", "items": NUMBERS}, {"type": "null"}]}
    )
    modality = fields.String(dump_only=True, allow_none=True)
    language = fields.String(dump_only=True, allow_none=True)
    embedding_model = fields.String(dump_only=True, allow_none=True)
    embedding_dimensions = fields.Integer(dump_only=True, allow_none=True)


class ListResponse_Doc_(PydanticSchema):  # noqa: N801 - FastAPI's name for ListResponse[Doc]
    items = fields.List(fields.Nested(Doc), required=True)


class ListResponse_ResourceDeletedResponse_(PydanticSchema):  # noqa: N801
    items = fields.List(fields.Nested(ResourceDeletedResponse), required=True)


class DocOwner(PydanticSchema):
    id = fields.UUID(required=True)
    role = PydanticLiteral(("user", "agent"), required=True)


class Snippet(PydanticSchema):
    index = fields.Integer(required=True)
    content = fields.String(required=True)
    embedding = fields.Raw(metadata={"anyOf": [NUMBERS, {"type": "null"}]})


class DocReference(PydanticSchema):
    metadata = JSONObject(allow_none=True)
    owner = fields.Nested(DocOwner, required=True)
    id = fields.UUID(dump_only=True, required=True)
    title = fields.String(allow_none=True)
    snippet = fields.Nested(Snippet, required=True)
    distance = fields.Float(allow_none=True)


class DocSearchResponse(PydanticSchema):
    docs = fields.List(fields.Nested(DocReference), required=True)
    time = fields.Float(required=True, metadata={"exclusiveMinimum": 0.0})

