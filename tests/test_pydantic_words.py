"""hosted/pydantic.py's catalogue of pydantic's error words, each against pydantic-core's own message."""

import pytest
from pydantic_core import PydanticKnownError

from julep_users_double.hosted.pydantic import ERROR_WORDS, bound_text, characters, error_message, length_error

# A context for each error type whose words have blanks, as pydantic-core takes it.
CONTEXTS = {
    "string_too_short": {"min_length": 2},
    "string_too_long": {"max_length": 1},
    "string_pattern_mismatch": {"pattern": "^[a-z]{2}$"},
    "literal_error": {"expected": "'asc' or 'desc'"},
    "uuid_parsing": {"error": "invalid group count: expected 5, found 2"},
    "datetime_parsing": {"error": "input is not an ISO 8601 date-time"},
    "greater_than_equal": {"ge": 0.0},
    "less_than_equal": {"le": 50},
    "less_than": {"lt": 1.0},
    "value_error": {"error": "a zero vector has no direction to search by"},
}


def our_message(error_type):
    ctx = CONTEXTS.get(error_type)
    if error_type in ("string_too_short", "string_too_long"):
        (bound,) = ctx.values()
        return error_message(error_type, ctx, characters=characters(bound))["msg"]
    if error_type in ("greater_than_equal", "less_than_equal", "less_than"):
        ((name, bound),) = ctx.items()
        return error_message(error_type, ctx, **{name: bound_text(bound)})["msg"]
    if error_type == "value_error":  # its ctx holds {} in the items, the words its text
        return error_message(error_type, {"error": {}}, error=ctx["error"])["msg"]
    return error_message(error_type, ctx)["msg"]


@pytest.mark.parametrize("error_type", sorted(ERROR_WORDS))
def test_error_words_are_pydantic_cores(error_type):
    assert our_message(error_type) == PydanticKnownError(error_type, CONTEXTS.get(error_type)).message()


@pytest.mark.parametrize(("text", "min_length", "max_length"), [("", 1, None), ("ab", None, 1), ("abc", 1, 2)])
def test_length_error_words(text, min_length, max_length):
    error_type = "string_too_short" if min_length is not None and len(text) < min_length else "string_too_long"
    ctx = {"min_length": min_length} if error_type == "string_too_short" else {"max_length": max_length}
    assert length_error(text, min_length, max_length)["msg"] == PydanticKnownError(error_type, ctx).message()
