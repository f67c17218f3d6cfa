"""A doc's metadata as the hosted PostgreSQL keeps it in jsonb: its order, its numbers, `->>` and `@>`.

What comes back from jsonb is normalised: object keys shorter first, then bytewise; numbers are `numeric`,
printed without exponent, so a float of 1e16 or more (Python writes it `1e+16`) comes back an integer.
"""

import json
import operator
import re
from decimal import Decimal

from .fastapi_wire import encode_compact


class NotStorable(ValueError):
    """PostgreSQL refuses the value: a lone surrogate anywhere, or a NUL in a key (asyncpg sends values without)."""


def stored(value):
    """The value as jsonb gives it back, NUL removed from its strings (sanitize_string) but not from its keys.

    Done by the json module's C code, through the value's text, not by a walk in Python: values nest deeper
    (512 levels) than Python's recursion limit would let a walk go.
    """
    return read_back(storable_text(value))


def stored_text(value):
    """encode(stored(value)). An object of scalars but floats, its keys in jsonb's order (most metadata), is its
    own text: read back, it would come back the same."""
    text = storable_text(value)
    return text if type(value) is dict and kept_as_it_is(value) else encode(read_back(text))


def kept_as_it_is(flat):
    keys = list(map(jsonb_key_order, flat))
    return all(type(item) in KEPT_SCALARS for item in flat.values()) and all(map(operator.le, keys, keys[1:]))


# What jsonb gives back as it was sent; a float it may write otherwise (1e+16 as 10000000000000000, -0.0 as 0.0).
KEPT_SCALARS = frozenset((str, int, bool, type(None)))


def read_back(text):
    return json.loads(text, object_pairs_hook=jsonb_object, parse_float=float_value)


def storable_text(value):
    """The value's compact text, NUL removed from its strings; NotStorable for what PostgreSQL refuses."""
    text = encode_compact(value)
    try:
        text.encode()
    except UnicodeEncodeError:
        raise NotStorable("a lone surrogate") from None
    if "\\u0000" in text:  # a NUL somewhere, or a backslash before "u0000": the keys decide which
        json.loads(text, object_pairs_hook=refuse_nul_keys)
        text = NUL.sub(r"\1", text)
    return text


# \u0000 after an even number of backslashes (after an odd one it is a backslash, then "u0000").
NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def refuse_nul_keys(pairs):
    if any("\x00" in key for key, _ in pairs):
        raise NotStorable("jsonb cannot hold \\u0000")
    return None


def jsonb_object(pairs):
    """An object as jsonb orders it: shorter keys first, then bytewise (the last of a repeated key kept)."""
    items = {key: item for key, item in pairs}
    return dict(sorted(items.items(), key=lambda pair: jsonb_key_order(pair[0])))


def jsonb_key_order(key):
    return len(key.encode()), key.encode()


def sanitize_string(text):
    """A string as the hosted queries store it: NUL removed (queries/utils.py sanitize_string); NotStorable for a
    lone surrogate, which PostgreSQL refuses."""
    text = text.replace("\x00", "")
    try:
        text.encode()
    except UnicodeEncodeError:
        raise NotStorable("a lone surrogate") from None
    return text


def float_value(written):
    """A float as numeric gives it back: json.dumps writes repr(), numeric writes it back without an exponent."""
    if "e+" in written:
        return int(Decimal(written))
    number = float(written)
    return 0.0 if number == 0 else number


def encode(value):
    """A stored() value as the API answers it."""
    return encode_compact(value)


def field_text(metadata, key):
    """`metadata->>key`: the value of a stored() object's key as text, None for JSON null or no such key."""
    value = metadata.get(key)
    return value if value is None or isinstance(value, str) else jsonb_text(value)


def jsonb_text(value):
    """A stored() value as PostgreSQL prints jsonb: `{"a": 1, "b": [true, "x"]}`.

    Walked with a stack of its own, not recursively: a value nests up to 512 levels, past what Python's recursion
    limit lets a recursive walk go (two frames a level).
    """
    printed, stack = [], [value]
    while stack:
        item = stack.pop()
        if type(item) is Printed:
            printed.append(item)
        elif isinstance(item, (list, dict)):
            pairs = list(item.items()) if isinstance(item, dict) else [(None, element) for element in item]
            stack.append(Printed("}" if isinstance(item, dict) else "]"))
            for index in range(len(pairs) - 1, -1, -1):
                key, element = pairs[index]
                stack.append(element)
                stack.append(Printed(("" if index == 0 else ", ") + ("" if key is None else f"{encode_compact(key)}: ")))
            stack.append(Printed("{" if isinstance(item, dict) else "["))
        else:
            printed.append(scalar_text(item))
    return "".join(printed)


class Printed(str):
    """Text jsonb_text has printed already, on its stack among the values still to print."""


def scalar_text(value):
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
    return format(Decimal(repr(value)), "f")


def contains(value, contained):
    """`value @> contained` for stored() values.

    Each level is a generator (containment) that asks for the levels below it; they are answered here, from a stack
    of its own, not by recursion: a filter nests up to 511 levels, three frames a level for a recursive walk.
    """
    stack = [containment(value, contained)]
    answer = None
    while stack:
        try:
            below = stack[-1].send(answer)
        except StopIteration as done:
            stack.pop()
            answer = done.value
        else:
            stack.append(containment(*below))
            answer = None
    return answer


def containment(value, contained):
    """One level of contains(): yields each (value, contained) pair below it, is sent its answer; returns its own."""
    if isinstance(contained, dict):
        if not isinstance(value, dict):
            return False
        for key, item in contained.items():
            if key not in value or not (yield value[key], item):
                return False
        return True
    if isinstance(contained, list):
        if not isinstance(value, list):
            return False
        for item in contained:
            for element in value:
                if (yield element, item):
                    break
            else:
                return False
        return True
    return same_scalar(value, contained)


def same_scalar(a, b):
    # Numbers compare as numeric (1 equals 1.0); a boolean is no number.
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and not isinstance(a, (dict, list)) and a == b
