"""The hosted v1 service's error bodies, `{"error": {...}}`, as its handlers in agents_api/web.py write them.

Served with AGENTS_API_ERROR_FORMAT=hosted. Only the keys the handlers really produce are written: their
suggestion chain also tests pydantic-v1 error types and keys that pydantic v2 errors never carry.
"""

MISSING_SUGGESTIONS = {"fix": "Add this required field to your request", "example": '{ "field_name": "value" }'}
# _get_error_suggestions' rows that pydantic v2 error types reach, in the order it tries them.
FIXES = (
    ("json", "Provide valid JSON format"),
    ("uuid", "Provide a valid UUID (e.g., 123e4567-e89b-12d3-a456-426614174000)"),
    ("datetime", "Provide a valid ISO 8601 datetime (e.g., 2023-01-01T12:00:00Z)"),
    ("url", "Provide a valid URL (e.g., https://example.com)"),
)


def http_error(status, message):
    """http_exception_handler's body for FastAPI's HTTPException."""
    return {"error": {"message": message, "code": f"http_{status}", "type": "http_error"}}


def middleware_error(message, code):
    """usage_check_middleware's own answers, which have no type."""
    return {"error": {"message": message, "code": code}}


def validation_error(items):
    """make_exception_handler(422)'s body for RequestValidationError, from pydantic-style items (pydantic.error_item)."""
    return {"error": {"message": "Validation error", "details": [detail(item) for item in items], "code": "validation_error"}}


def detail(item):
    return {
        "type": item["type"],
        "msg": item["msg"],
        "loc": location(item["loc"]),
        **suggestions(item["type"]),
        # Python's str() of the input: None, True, {'a': [1]}, b'...' for a body that was not JSON.
        "received": str(item["input"]),
    }


def location(loc):
    """`["body", "items", 0, "name"]` as `items[0].name`: "body" dropped when something follows it, indices in brackets."""
    if len(loc) > 1 and loc[0] == "body":
        loc = loc[1:]
    parts = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(f".{part}" if parts else str(part))
    return "".join(parts)


def suggestions(error_type):
    if error_type == "missing":
        return MISSING_SUGGESTIONS
    for word, fix in FIXES:
        if word in error_type:
            return {"fix": fix}
    return {}
