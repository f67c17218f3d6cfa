"""Marshmallow schemas of a user's docs (autogen/Docs.py), with pydantic v2's error items, and their responses.

The hosted models take JSON numbers and strings as pydantic's lax mode does ("5" is an int, "0.5" a float, true a
number); the search body is the smart union TextOnly | Vector | Hybrid.
"""

from marshmallow import ValidationError, fields

from ..hosted.pydantic import (
    MISSING,
    FloatList,
    JSONObject,
    LaxFloat,
    LaxInt,
    PydanticInt,
    PydanticLiteral,
    PydanticSchema,
    QueryBoolean,
    SmartUnion,
    StrictBoolean,
    StrictString,
    error_message,
    length_error,
)
from ..schemas import ResourceDeletedResponse

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
        errors = [{**error_message("string_type"), "loc": ["Content"], "input": value}]
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
        return error_message("string_type")
    return length_error(value, max_length=CONTENT_LENGTH)


def list_error(value):
    return {**error_message("list_type"), "loc": ["list[Content]"], "input": value}


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

