"""The character classes and lowercasing PostgreSQL 15's text search sees in a C.UTF-8 database.

Follows src/backend/tsearch/ts_locale.c (t_isspace, lowerstr) and the p_is* tests of wparser_def.c, which ask the C
library (iswalpha, iswspace, towlower): their answers are in data/ctype.txt (tools/gen_tsearch_ctype.py read them
off a server), loaded on first use.
"""
import bisect
import functools
import pathlib

DATA = pathlib.Path(__file__).with_name("data")  # PostgreSQL's share/tsearch_data, and ctype.txt

ALPHA, DIGIT, SPACE, SPECIAL, ASCLET, XDIGIT, URLCHAR, EOF = (1 << i for i in range(8))
ALNUM = ALPHA | DIGIT


@functools.cache
def ctype():
    """({'alpha': (starts, ends), ...}, the lowercase map), from data/ctype.txt."""
    classes, lower_map = {}, {}
    for line in (DATA / "ctype.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        name, *fields = line.split()
        if name == "lower":
            lower_map = {chr(int(a, 16)): chr(int(b, 16)) for a, b in (f.split(":") for f in fields)}
            continue
        bounds = [[int(x, 16) for x in f.split("-")] for f in fields]
        classes[name] = ([b[0] for b in bounds], [b[-1] for b in bounds])
    return classes, lower_map


_URL_REJECTS = set('"<>\\^`{|}')  # RFC 3986's exclusions among printable ASCII (p_isurlchar)


def _in_ranges(ranges, code):
    starts, ends = ranges
    i = bisect.bisect_right(starts, code) - 1
    return i >= 0 and code <= ends[i]


def _classify(ch):
    classes = ctype()[0]
    code = ord(ch)
    bits = 0
    if _in_ranges(classes["alpha"], code):
        bits |= ALPHA | (ASCLET if code < 128 else 0)
    elif _in_ranges(classes["special"], code):
        bits |= SPECIAL
    if "0" <= ch <= "9":
        bits |= DIGIT
    if _in_ranges(classes["space"], code):
        bits |= SPACE
    if ch in "0123456789abcdefABCDEF":
        bits |= XDIGIT
    if 0x20 < code < 0x7F and ch not in _URL_REJECTS:
        bits |= URLCHAR
    return bits


class _ClassCache(dict):
    def __missing__(self, ch):
        bits = self[ch] = _classify(ch)
        return bits


CLASS_BITS = _ClassCache()  # character → its classes' bits (ALPHA | ...), computed on first sight


def is_space(ch):
    """t_isspace."""
    return bool(CLASS_BITS[ch] & SPACE)


def lower(text):
    """PostgreSQL's lowerstr: towlower character by character (no final sigma, İ becomes i)."""
    if text.isascii():
        return text.lower()
    lower_map = ctype()[1]
    return "".join([lower_map.get(ch, ch) for ch in text])
