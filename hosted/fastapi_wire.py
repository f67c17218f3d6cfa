"""FastAPI's wire rules: how it reads a request body and hands it to pydantic, and how it writes JSON.

Its 422 items are pydantic's (pydantic.error_item). Raising them as the double's answers (errors.py) is
web/reading.py's: errors.py encodes with encode_compact, so this module imports nothing of it.
"""

import json

from .pydantic import error_item, message_item, object_errors

# FastAPI's JSONResponse: compact, non-ASCII characters as they are; bytes (a body that was not JSON, echoed back
# in a 422) as FastAPI's jsonable_encoder gives them, decoded as UTF-8.
encode_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=bytes.decode).encode


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

    Raises json.JSONDecodeError for malformed JSON (FastAPI's 422: json_invalid_errors), and ValueError or
    RecursionError where FastAPI answers 400 (or, for NaN, infinities and nesting past its recursion limit, fails
    with a 500 that a test double should not copy).
    """
    if not data:
        return None
    if not content_type or is_json_media_type(content_type):
        # What json.loads does with bytes before decoding.
        return json_value(data.decode(json.detect_encoding(data), "surrogatepass"), max_depth)
    return data


def json_invalid_errors(error):
    """FastAPI's 422 items for a body that is not JSON (a json.JSONDecodeError), in FastAPI's words, not pydantic's."""
    message = {"type": "json_invalid", "msg": "JSON decode error", "ctx": {"error": error.msg}}
    return [message_item(message, ["body", error.pos], {})]


def is_json_media_type(content_type):
    """As FastAPI decides through `email.message`: application/json or application/*+json."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type.count("/") != 1:
        return False
    main_type, subtype = media_type.split("/")
    return main_type == "application" and (subtype == "json" or subtype.endswith("+json"))


def load_body(model, value, errors):
    """A required body parameter, as FastAPI reads it: Field required when there is none, else what the model
    (a pydantic.PydanticSchema or SmartUnion) makes of it; None with the error items added to `errors`."""
    if value is None:
        errors.extend(body_errors(value))
        return None
    return model.load_model(value, errors)


def body_errors(value):
    """The errors of a body that must be a JSON object (a `dict` parameter): none when it is one."""
    if value is None:
        return [error_item("missing", ["body"], None)]
    return object_errors(value, [["body"]])
