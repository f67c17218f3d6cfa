"""A request's body and parameters as FastAPI reads them (hosted/fastapi_wire.py), failing as errors.py names it."""

import json

from ..errors import RequestValidationError, UnreadableBody
from ..hosted.fastapi_wire import MAX_JSON_DEPTH, body_errors, body_value, json_invalid_errors


def raise_if(errors):
    """RequestValidationError for pydantic's error items, when there are any."""
    if errors:
        raise RequestValidationError(errors)


def parsed_body(data, content_type, max_depth=MAX_JSON_DEPTH):
    """fastapi_wire.body_value, or the 422 (malformed JSON) or 400 (UnreadableBody) FastAPI answers instead."""
    try:
        return body_value(data, content_type, max_depth)
    except json.JSONDecodeError as error:
        raise RequestValidationError(json_invalid_errors(error)) from error
    except (ValueError, RecursionError) as error:
        raise UnreadableBody() from error


def object_body(value):
    """A body that must be a JSON object: the value, or the RequestValidationError of what it is instead."""
    raise_if(body_errors(value))
    return value
