"""A doc's metadata as the hosted PostgreSQL keeps it in jsonb: its order, its numbers, `->>` and `@>`.

What comes back from jsonb is normalised: object keys shorter first, then bytewise; numbers are `numeric`,
printed without exponent, so a float of 1e16 or more (Python writes it `1e+16`) comes back an integer.
"""

from decimal import Decimal

from .responses import encode_compact


class NotStorable(ValueError):
    """PostgreSQL refuses the value: a lone surrogate anywhere, or a NUL in a key (asyncpg sends values without)."""


def stored(value):
    """The value as jsonb gives it back, NUL removed from its strings (sanitize_string) but not from its keys."""
    if isinstance(value, str):
        return text_value(value.replace("\x00", ""))
    if isinstance(value, dict):
        items = [(key_bytes(key), stored(item)) for key, item in value.items()]
        return {key.decode(): item for key, item in sorted(items, key=lambda pair: (len(pair[0]), pair[0]))}
    if isinstance(value, list):
        return [stored(item) for item in value]
    if type(value) is float:
        return float_value(value)
    return value


def key_bytes(key):
    if "\x00" in key:
        raise NotStorable("jsonb cannot hold \\u0000")
    return text_value(key).encode()


def text_value(text):
    try:
        text.encode()
    except UnicodeEncodeError:
        raise NotStorable("a lone surrogate") from None
    return text


def float_value(number):
    # json.dumps writes repr(); numeric reads it and writes it back without an exponent.
    written = repr(number)
    if "e+" in written:
        return int(Decimal(written))
    return 0.0 if number == 0 else number


def encode(value):
    """A stored() value as the API answers it."""
    return encode_compact(value)


def field_text(metadata, key):
    """`metadata->>key`: the value of a stored() object's key as text, None for JSON null or no such key."""
    value = metadata.get(key)
    return value if value is None or isinstance(value, str) else jsonb_text(value)


def jsonb_text(value):
    """A stored() value as PostgreSQL prints jsonb: `{"a": 1, "b": [true, "x"]}`."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return encode_compact(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, list):
        return "[" + ", ".join(map(jsonb_text, value)) + "]"
    return "{" + ", ".join(f"{encode_compact(key)}: {jsonb_text(item)}" for key, item in value.items()) + "}"


def contains(value, contained):
    """`value @> contained` for stored() values."""
    if isinstance(contained, dict):
        return isinstance(value, dict) and all(
            key in value and contains(value[key], item) for key, item in contained.items()
        )
    if isinstance(contained, list):
        return isinstance(value, list) and all(
            any(contains(element, item) for element in value) for item in contained
        )
    return same_scalar(value, contained)


def same_scalar(a, b):
    # Numbers compare as numeric (1 equals 1.0); a boolean is no number.
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and not isinstance(a, (dict, list)) and a == b
