"""The hosted service's own code, the reference the double is compared with: its exception handlers
(agents_api/web.py) and its API key check (agents_api/dependencies/auth.py), julep-ai/julep `dev` @ 5371a620.

Importing them is impossible (web.py imports the whole service: asyncpg, temporalio, litellm, sentry, its
routers), so each function is lifted verbatim (Apache-2.0), without its decorator; tests/test_hosted_source.py
checks that they still are the hosted code. Ours are only the names they use and the settings of the tests.
"""

import logging
from collections.abc import Callable
from typing import Any, cast

from fastapi import HTTPException, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security.api_key import APIKeyHeader
from pydantic import ValidationError
from starlette.status import HTTP_403_FORBIDDEN

from conftest import API_KEY

api_key = API_KEY
api_key_header_name = "Authorization"
api_key_header: Any = APIKeyHeader(name=api_key_header_name, auto_error=False)
logger: logging.Logger = logging.getLogger(__name__)


# Lifted from agents_api/web.py:

def make_exception_handler(status_code: int) -> Callable[[Any, Any], Any]:
    """
    Creates a custom exception handler for the application.

    Parameters:
    - status_code (int): The HTTP status code to return for this exception.

    Returns:
    A callable exception handler that logs the exception and returns a JSON response with the specified status code.
    """

    async def _handler(request: Request, exc: Exception):
        if isinstance(exc, ValidationError | RequestValidationError):
            exc = cast(ValidationError | RequestValidationError, exc)
            error_details = []

            # Process each validation error
            for error in exc.errors():
                error_info = {
                    "type": error.get("type", "validation_error"),
                    "msg": error.get("msg", "Validation error"),
                    "loc": _format_location(error.get("loc", [])),
                }

                # Enhance with fixes/suggestions when possible
                error_info.update(_get_error_suggestions(error))

                # Add input value if available
                if "input" in error:
                    error_info["received"] = str(error["input"])

                error_details.append(error_info)

            # Log the error with appropriate level
            logger.warning(f"Validation error: {error_details}")

            return JSONResponse(
                content={
                    "error": {
                        "message": "Validation error",
                        "details": error_details,
                        "code": "validation_error",
                    }
                },
                status_code=status_code,
            )

        # For non-validation errors, return a simpler error response
        return JSONResponse(
            content={
                "error": {
                    "message": str(exc),
                    "code": getattr(exc, "code", "unknown_error"),
                }
            },
            status_code=status_code,
        )

    return _handler


def _format_location(loc: list) -> str:
    """Format error location into a human-readable string."""
    if not loc:
        return ""

    # Skip the initial 'body' element if present
    if loc[0] == "body" and len(loc) > 1:
        loc = loc[1:]

    # Format the location
    parts = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            if parts:  # Add dot separator if not first element
                parts.append(f".{item}")
            else:
                parts.append(str(item))

    return "".join(parts)


def _get_error_suggestions(error: dict) -> dict:
    """Generate user-friendly suggestions based on the error type."""
    error_type = error.get("type", "")
    suggestions = {}

    # Handle different validation error types
    if error_type == "missing":
        suggestions["fix"] = "Add this required field to your request"
        suggestions["example"] = '{ "field_name": "value" }'

    elif error_type == "type_error":
        if "expected_type" in error:
            suggestions["fix"] = f"Provide a value of type {error['expected_type']}"
            if error["expected_type"] == "string":
                suggestions["example"] = '"text value"'
            elif error["expected_type"] == "integer":
                suggestions["example"] = "42"
            elif error["expected_type"] == "number":
                suggestions["example"] = "3.14"
            elif error["expected_type"] == "boolean":
                suggestions["example"] = "true"
            elif error["expected_type"] == "array":
                suggestions["example"] = "[]"
            elif error["expected_type"] == "object":
                suggestions["example"] = "{}"
        else:
            suggestions["fix"] = "Provide a value of the correct type"

    elif error_type == "value_error.missing":
        suggestions["fix"] = "Provide a value for this required field"
        suggestions["note"] = "This field cannot be null or undefined"

    elif error_type == "value_error.extra":
        suggestions["fix"] = "Remove this field as it is not expected"
        suggestions["note"] = "Check the API documentation for the correct field names"

    elif error_type == "value_error.const":
        if "permitted" in error:
            suggestions["fix"] = f"Value must be one of: {error['permitted']}"
            suggestions["example"] = (
                f"{error['permitted'][0] if error['permitted'] else 'appropriate_value'}"
            )

    elif "min_length" in error_type:
        if "limit_value" in error:
            suggestions["fix"] = f"Value must have at least {error['limit_value']} characters"
            try:
                limit = int(error["limit_value"])
                suggestions["example"] = "x" * limit
            except (ValueError, TypeError):
                suggestions["example"] = "x" * 5  # Fallback example

    elif "max_length" in error_type:
        if "limit_value" in error:
            suggestions["fix"] = f"Value must have at most {error['limit_value']} characters"
            suggestions["note"] = (
                f"Current value exceeds the maximum length of {error['limit_value']} characters"
            )

    # This case is now handled by the more general "min_length" check above

    # This case is now handled by the more general "max_length" check above

    elif "not_ge" in error_type:
        if "limit_value" in error:
            suggestions["fix"] = (
                f"Value must be greater than or equal to {error['limit_value']}"
            )
            suggestions["example"] = f"{error['limit_value']}"

    elif "not_le" in error_type:
        if "limit_value" in error:
            suggestions["fix"] = f"Value must be less than or equal to {error['limit_value']}"
            suggestions["example"] = f"{error['limit_value']}"

    elif "not_gt" in error_type:
        if "limit_value" in error:
            suggestions["fix"] = f"Value must be greater than {error['limit_value']}"
            try:
                suggestions["example"] = f"{float(error['limit_value']) + 1}"
            except (ValueError, TypeError):
                suggestions["example"] = "a value greater than the limit"

    elif "not_lt" in error_type:
        if "limit_value" in error:
            suggestions["fix"] = f"Value must be less than {error['limit_value']}"
            suggestions["example"] = f"{float(error['limit_value']) - 1}"

    elif "enum" in error_type:
        if "permitted" in error:
            allowed_values = ", ".join([f'"{val}"' for val in error["permitted"]])
            suggestions["fix"] = f"Value must be one of: {allowed_values}"

    elif "json" in error_type:
        suggestions["fix"] = "Provide valid JSON format"

    elif "uuid" in error_type:
        suggestions["fix"] = "Provide a valid UUID (e.g., 123e4567-e89b-12d3-a456-426614174000)"

    elif "datetime" in error_type:
        suggestions["fix"] = "Provide a valid ISO 8601 datetime (e.g., 2023-01-01T12:00:00Z)"

    elif "url" in error_type:
        suggestions["fix"] = "Provide a valid URL (e.g., https://example.com)"

    elif "email" in error_type:
        suggestions["fix"] = "Provide a valid email address"

    return suggestions


async def http_exception_handler(request, exc: HTTPException):  # pylint: disable=unused-argument
    return JSONResponse(
        status_code=exc.status_code,
        content={
            "error": {
                "message": str(exc.detail),
                "code": getattr(exc, "code", f"http_{exc.status_code}"),
                "type": "http_error",
            }
        },
    )


# Lifted from agents_api/dependencies/auth.py:

async def get_api_key(
    user_api_key: str = Security(api_key_header),
) -> str:
    user_api_key = str(user_api_key)
    user_api_key = (user_api_key or "").replace("Bearer ", "").strip()

    if user_api_key != api_key:
        raise HTTPException(status_code=HTTP_403_FORBIDDEN, detail="Could not validate API KEY")
    return user_api_key
