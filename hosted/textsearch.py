"""PostgreSQL 15 full-text search as the hosted service's database does it, in pure Python.

The hosted docs table indexes each chunk with the trigger of
src/memory-store/migrations/000030_add_unaccent_search_config.up.sql,
    setweight(to_tsvector('english_unaccent', title), 'A') || setweight(to_tsvector('english_unaccent', content), 'B')
and search_by_text (000044_search_optimize.up.sql) keeps the rows where `search_tsv @@ websearch_to_tsquery(config,
text)`, scored `ts_rank_cd(search_tsv, query, 32)::float8`. This module computes all of that as PostgreSQL 15 does,
for the text-search configurations the migrations leave behind (000006_docs.up.sql maps int/uint to intdict in
most languages; 000030 puts unaccent before english_stem for the word types that are not all ASCII).

    vector = doc_vector(title, content)               # the trigger's search_tsv; TSVector.dumps() stores it
    query = websearch_to_tsquery("english_unaccent", text)   # UnknownConfig for a config PostgreSQL lacks
    query.matches(vector), query.rank_cd(vector)       # @@ and ts_rank_cd(vector, query, 32)::float8
    search(query, postings, limit, rest)               # ORDER BY score DESC LIMIT limit over many chunks, by the
                                                       # {lexeme: {chunk: pack(positions)}} of the query's lexemes

Tables the functions read (tsearch_data/): PostgreSQL's unaccent.rules and stop-word lists, and the character
classes and lowercasing of PostgreSQL 15 in a C.UTF-8 database (tools/gen_tsearch_ctype.py).
"""
import bisect
import heapq
import importlib
import itertools
import json
import pathlib
import re
import struct

_DATA = pathlib.Path(__file__).with_name("tsearch_data")

DOCS_CONFIG = "english_unaccent"

MAXSTRLEN = 2047  # a token of this many UTF-8 bytes or more is not indexed ("word is too long")
MAXENTRYPOS = 1 << 14  # positions count up to MAXENTRYPOS - 1 and stay there
MAXNUMPOS = 256  # positions a lexeme keeps
WEIGHTS = {"A": 3, "B": 2, "C": 1, "D": 0}  # weight codes as PostgreSQL packs them above a position's 14 bits


class UnknownConfig(LookupError):
    """No text-search configuration of that name exists in PostgreSQL (the hosted service answers 500)."""


class QueryError(ValueError):
    """PostgreSQL raises this error for the query text (the hosted service answers 500)."""


# What search() may spend on one query: its cost times the chunks it ranks. On the 2-core development machine, busy
# with other work (one run each): 600 words or'd over 3,000 chunks (1.8 million) 0.42 s, 33 three-word phrases
# or'd over 1,000 (2.0 million) 0.44 s; 507 such phrases (30 million) took 10.2 s.
MAX_SEARCH_COST = 2_000_000
PHRASE_OPERAND_COST = 20  # units for an operand of a phrase (matched by positions) where a lexeme costs 1; measured ~18x


class TooCostly(ValueError):
    """search() would spend more than MAX_SEARCH_COST on the query: (words and phrases, chunks to rank)."""


# --- character classes ------------------------------------------------------------------------------------

ALPHA, DIGIT, SPACE, SPECIAL, ASCLET, XDIGIT, URLCHAR, EOF = (1 << i for i in range(8))
ALNUM = ALPHA | DIGIT


def _read_ctype():
    """{'alpha': (starts, ends), ...} and the lowercase map, from tsearch_data/ctype.txt."""
    classes, lower = {}, {}
    for line in (_DATA / "ctype.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        name, *fields = line.split()
        if name == "lower":
            lower = {chr(int(a, 16)): chr(int(b, 16)) for a, b in (f.split(":") for f in fields)}
            continue
        bounds = [[int(x, 16) for x in f.split("-")] for f in fields]
        classes[name] = ([b[0] for b in bounds], [b[-1] for b in bounds])
    return classes, lower


_CTYPE, _LOWER = _read_ctype()
_URL_REJECTS = set('"<>\\^`{|}')  # RFC 3986's exclusions among printable ASCII (p_isurlchar)


def _in_ranges(ranges, code):
    starts, ends = ranges
    i = bisect.bisect_right(starts, code) - 1
    return i >= 0 and code <= ends[i]


def _classify(ch):
    code = ord(ch)
    bits = 0
    if _in_ranges(_CTYPE["alpha"], code):
        bits |= ALPHA | (ASCLET if code < 128 else 0)
    elif _in_ranges(_CTYPE["special"], code):
        bits |= SPECIAL
    if "0" <= ch <= "9":
        bits |= DIGIT
    if _in_ranges(_CTYPE["space"], code):
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


_CLASS = _ClassCache()


def _lower(text):
    """PostgreSQL's lowerstr: towlower character by character (no final sigma, İ becomes i)."""
    if text.isascii():
        return text.lower()
    return "".join([_LOWER.get(ch, ch) for ch in text])


# --- the default parser (src/backend/tsearch/wparser_def.c) ------------------------------------------------

TOKEN_TYPES = (None, "asciiword", "word", "numword", "email", "url", "host", "sfloat", "version",
               "hword_numpart", "hword_part", "hword_asciipart", "blank", "tag", "protocol", "numhword",
               "asciihword", "hword", "url_path", "file", "float", "int", "uint", "entity")
(ASCIIWORD, WORD, NUMWORD, EMAIL_T, URL_T, HOST_T, SFLOAT, VERSION, HWORD_NUMPART, HWORD_PART, HWORD_ASCIIPART,
 BLANK, TAG_T, PROTOCOL, NUMHWORD, ASCIIHWORD, HWORD, URL_PATH, FILE_T, FLOAT_T, INT_T, UINT_T,
 ENTITY) = range(1, 24)

# Action flags
NEXT, BINGO, POP, PUSH, RERUN, CLEAR, MERGE, CLRALL = 0, 1, 2, 4, 8, 16, 32, 64
# Tests that are not character classes
ANY, NOTALNUM, IGNORE, STOPHOST, ISHOST, ISURLPATH = "any", "notalnum", "ignore", "stophost", "ishost", "isurlpath"


def _special_tags(parser, top):
    """<script> and <style> switch to ignoring everything up to the closing tag."""
    token = parser.text[parser.start:parser.start + top.lentoken]
    if not token.isascii():
        return
    token = token.lower()
    if token in ("</script", "</style"):
        parser.ignore = False
    elif token in ("<script", "<style"):
        parser.ignore = True


def _special_furl(parser, top):
    """A URL was seen whole: go back to its start to emit its host and path as tokens of their own."""
    parser.wanthost = True
    top.pos -= top.lentoken


def _special_hyphen(parser, top):
    """A hyphenated word was seen whole: go back to its start to emit its parts."""
    top.pos -= top.lentoken


def _special_ver_version(parser, top):
    """A signed number followed by a version: go back and emit the sign as a blank."""
    top.pos -= top.lentoken
    top.lentoken = 0


# Each state lists (test, flags, next state[, token type[, special]]) tried in order; a one-character string
# tests for that character, an int for a character class. The states and their actions are PostgreSQL's.
_STATES = {
    "Base": [
        (EOF, NEXT, None), ("<", PUSH, "InTagFirst"), (IGNORE, NEXT, "InSpace"),
        (ASCLET, NEXT, "InAsciiWord"), (ALPHA, NEXT, "InWord"), (DIGIT, NEXT, "InUnsignedInt"),
        ("-", PUSH, "InSignedIntFirst"), ("+", PUSH, "InSignedIntFirst"), ("&", PUSH, "InXMLEntityFirst"),
        ("~", PUSH, "InFileTwiddle"), ("/", PUSH, "InFileFirst"), (".", PUSH, "InPathFirstFirst"),
        (ANY, NEXT, "InSpace")],
    "InNumWord": [
        (EOF, BINGO, "Base", NUMWORD), (ALNUM, NEXT, "InNumWord"), (SPECIAL, NEXT, "InNumWord"),
        ("@", PUSH, "InEmail"), ("/", PUSH, "InFileFirst"), (".", PUSH, "InFileNext"),
        ("-", PUSH, "InHyphenNumWordFirst"), (ANY, BINGO, "Base", NUMWORD)],
    "InAsciiWord": [
        (EOF, BINGO, "Base", ASCIIWORD), (ASCLET, NEXT, None), (".", PUSH, "InHostFirstDomain"),
        (".", PUSH, "InFileNext"), ("-", PUSH, "InHostFirstAN"), ("-", PUSH, "InHyphenAsciiWordFirst"),
        ("_", PUSH, "InHostFirstAN"), ("@", PUSH, "InEmail"), (":", PUSH, "InProtocolFirst"),
        ("/", PUSH, "InFileFirst"), (DIGIT, PUSH, "InHost"), (DIGIT, NEXT, "InNumWord"),
        (ALPHA, NEXT, "InWord"), (SPECIAL, NEXT, "InWord"), (ANY, BINGO, "Base", ASCIIWORD)],
    "InWord": [
        (EOF, BINGO, "Base", WORD), (ALPHA, NEXT, None), (SPECIAL, NEXT, None), (DIGIT, NEXT, "InNumWord"),
        ("-", PUSH, "InHyphenWordFirst"), (ANY, BINGO, "Base", WORD)],
    "InUnsignedInt": [
        (EOF, BINGO, "Base", UINT_T), (DIGIT, NEXT, None), (".", PUSH, "InHostFirstDomain"),
        (".", PUSH, "InUDecimalFirst"), ("e", PUSH, "InMantissaFirst"), ("E", PUSH, "InMantissaFirst"),
        ("-", PUSH, "InHostFirstAN"), ("_", PUSH, "InHostFirstAN"), ("@", PUSH, "InEmail"),
        (ASCLET, PUSH, "InHost"), (ALPHA, NEXT, "InNumWord"), (SPECIAL, NEXT, "InNumWord"),
        ("/", PUSH, "InFileFirst"), (ANY, BINGO, "Base", UINT_T)],
    "InSignedIntFirst": [(EOF, POP, None), (DIGIT, NEXT | CLEAR, "InSignedInt"), (ANY, POP, None)],
    "InSignedInt": [
        (EOF, BINGO, "Base", INT_T), (DIGIT, NEXT, None), (".", PUSH, "InDecimalFirst"),
        ("e", PUSH, "InMantissaFirst"), ("E", PUSH, "InMantissaFirst"), (ANY, BINGO, "Base", INT_T)],
    "InSpace": [
        (EOF, BINGO, "Base", BLANK), ("<", BINGO, "Base", BLANK), (IGNORE, NEXT, None),
        ("-", BINGO, "Base", BLANK), ("+", BINGO, "Base", BLANK), ("&", BINGO, "Base", BLANK),
        ("/", BINGO, "Base", BLANK), (NOTALNUM, NEXT, "InSpace"), (ANY, BINGO, "Base", BLANK)],
    "InUDecimalFirst": [(EOF, POP, None), (DIGIT, CLEAR, "InUDecimal"), (ANY, POP, None)],
    "InUDecimal": [
        (EOF, BINGO, "Base", FLOAT_T), (DIGIT, NEXT, "InUDecimal"), (".", PUSH, "InVersionFirst"),
        ("e", PUSH, "InMantissaFirst"), ("E", PUSH, "InMantissaFirst"), (ANY, BINGO, "Base", FLOAT_T)],
    "InDecimalFirst": [(EOF, POP, None), (DIGIT, CLEAR, "InDecimal"), (ANY, POP, None)],
    "InDecimal": [
        (EOF, BINGO, "Base", FLOAT_T), (DIGIT, NEXT, "InDecimal"), (".", PUSH, "InVerVersion"),
        ("e", PUSH, "InMantissaFirst"), ("E", PUSH, "InMantissaFirst"), (ANY, BINGO, "Base", FLOAT_T)],
    "InVerVersion": [
        (EOF, POP, None), (DIGIT, RERUN, "InSVerVersion", 0, _special_ver_version), (ANY, POP, None)],
    "InSVerVersion": [(EOF, POP, None), (DIGIT, BINGO | CLRALL, "InUnsignedInt", BLANK), (ANY, NEXT, None)],
    "InVersionFirst": [(EOF, POP, None), (DIGIT, CLEAR, "InVersion"), (ANY, POP, None)],
    "InVersion": [
        (EOF, BINGO, "Base", VERSION), (DIGIT, NEXT, "InVersion"), (".", PUSH, "InVersionFirst"),
        (ANY, BINGO, "Base", VERSION)],
    "InMantissaFirst": [
        (EOF, POP, None), (DIGIT, CLEAR, "InMantissa"), ("+", NEXT, "InMantissaSign"),
        ("-", NEXT, "InMantissaSign"), (ANY, POP, None)],
    "InMantissaSign": [(EOF, POP, None), (DIGIT, CLEAR, "InMantissa"), (ANY, POP, None)],
    "InMantissa": [(EOF, BINGO, "Base", SFLOAT), (DIGIT, NEXT, "InMantissa"), (ANY, BINGO, "Base", SFLOAT)],
    "InXMLEntityFirst": [
        (EOF, POP, None), ("#", NEXT, "InXMLEntityNumFirst"), (ASCLET, NEXT, "InXMLEntity"),
        (":", NEXT, "InXMLEntity"), ("_", NEXT, "InXMLEntity"), (ANY, POP, None)],
    "InXMLEntity": [
        (EOF, POP, None), (ALNUM, NEXT, "InXMLEntity"), (":", NEXT, "InXMLEntity"), ("_", NEXT, "InXMLEntity"),
        (".", NEXT, "InXMLEntity"), ("-", NEXT, "InXMLEntity"), (";", NEXT, "InXMLEntityEnd"), (ANY, POP, None)],
    "InXMLEntityNumFirst": [
        (EOF, POP, None), ("x", NEXT, "InXMLEntityHexNumFirst"), ("X", NEXT, "InXMLEntityHexNumFirst"),
        (DIGIT, NEXT, "InXMLEntityNum"), (ANY, POP, None)],
    "InXMLEntityHexNumFirst": [(EOF, POP, None), (XDIGIT, NEXT, "InXMLEntityHexNum"), (ANY, POP, None)],
    "InXMLEntityNum": [
        (EOF, POP, None), (DIGIT, NEXT, "InXMLEntityNum"), (";", NEXT, "InXMLEntityEnd"), (ANY, POP, None)],
    "InXMLEntityHexNum": [
        (EOF, POP, None), (XDIGIT, NEXT, "InXMLEntityHexNum"), (";", NEXT, "InXMLEntityEnd"), (ANY, POP, None)],
    "InXMLEntityEnd": [(ANY, BINGO | CLEAR, "Base", ENTITY)],
    "InTagFirst": [
        (EOF, POP, None), ("/", PUSH, "InTagCloseFirst"), ("!", PUSH, "InCommentFirst"),
        ("?", PUSH, "InXMLBegin"), (ASCLET, PUSH, "InTagName"), (":", PUSH, "InTagName"),
        ("_", PUSH, "InTagName"), (ANY, POP, None)],
    "InXMLBegin": [(EOF, POP, None), ("x", NEXT, "InTag"), (ANY, POP, None)],
    "InTagCloseFirst": [(EOF, POP, None), (ASCLET, NEXT, "InTagName"), (ANY, POP, None)],
    "InTagName": [
        (EOF, POP, None), ("/", NEXT, "InTagBeginEnd"), (">", NEXT, "InTagEnd", 0, _special_tags),
        (SPACE, NEXT, "InTag", 0, _special_tags), (ALNUM, NEXT, None), (":", NEXT, None), ("_", NEXT, None),
        (".", NEXT, None), ("-", NEXT, None), (ANY, POP, None)],
    "InTagBeginEnd": [(EOF, POP, None), (">", NEXT, "InTagEnd"), (ANY, POP, None)],
    "InTag": [
        (EOF, POP, None), (">", NEXT, "InTagEnd", 0, _special_tags), ("'", NEXT, "InTagEscapeK"),
        ('"', NEXT, "InTagEscapeKK"), (ASCLET, NEXT, None), (DIGIT, NEXT, None),
        *((c, NEXT, None) for c in "=-_#/:.&?%~"), (SPACE, NEXT, None, 0, _special_tags), (ANY, POP, None)],
    "InTagEscapeK": [(EOF, POP, None), ("\\", PUSH, "InTagBackSleshed"), ("'", NEXT, "InTag"),
                     (ANY, NEXT, "InTagEscapeK")],
    "InTagEscapeKK": [(EOF, POP, None), ("\\", PUSH, "InTagBackSleshed"), ('"', NEXT, "InTag"),
                      (ANY, NEXT, "InTagEscapeKK")],
    "InTagBackSleshed": [(EOF, POP, None), (ANY, MERGE, None)],
    "InTagEnd": [(ANY, BINGO | CLRALL, "Base", TAG_T)],
    "InCommentFirst": [
        (EOF, POP, None), ("-", NEXT, "InCommentLast"), ("D", NEXT, "InTag"), ("d", NEXT, "InTag"),
        (ANY, POP, None)],
    "InCommentLast": [(EOF, POP, None), ("-", NEXT, "InComment"), (ANY, POP, None)],
    "InComment": [(EOF, POP, None), ("-", NEXT, "InCloseCommentFirst"), (ANY, NEXT, None)],
    "InCloseCommentFirst": [(EOF, POP, None), ("-", NEXT, "InCloseCommentLast"), (ANY, NEXT, "InComment")],
    "InCloseCommentLast": [
        (EOF, POP, None), ("-", NEXT, None), (">", NEXT, "InCommentEnd"), (ANY, NEXT, "InComment")],
    "InCommentEnd": [(ANY, BINGO | CLRALL, "Base", TAG_T)],
    "InHostFirstDomain": [
        (EOF, POP, None), (ASCLET, NEXT, "InHostDomainSecond"), (DIGIT, NEXT, "InHost"), (ANY, POP, None)],
    "InHostDomainSecond": [
        (EOF, POP, None), (ASCLET, NEXT, "InHostDomain"), (DIGIT, PUSH, "InHost"), ("-", PUSH, "InHostFirstAN"),
        ("_", PUSH, "InHostFirstAN"), (".", PUSH, "InHostFirstDomain"), ("@", PUSH, "InEmail"),
        (ANY, POP, None)],
    "InHostDomain": [
        (EOF, BINGO | CLRALL, "Base", HOST_T), (ASCLET, NEXT, "InHostDomain"), (DIGIT, PUSH, "InHost"),
        (":", PUSH, "InPortFirst"), ("-", PUSH, "InHostFirstAN"), ("_", PUSH, "InHostFirstAN"),
        (".", PUSH, "InHostFirstDomain"), ("@", PUSH, "InEmail"), (DIGIT, POP, None),
        (STOPHOST, BINGO | CLRALL, "InURLPathStart", HOST_T), ("/", PUSH, "InFURL"),
        (ANY, BINGO | CLRALL, "Base", HOST_T)],
    "InPortFirst": [(EOF, POP, None), (DIGIT, NEXT, "InPort"), (ANY, POP, None)],
    "InPort": [
        (EOF, BINGO | CLRALL, "Base", HOST_T), (DIGIT, NEXT, "InPort"),
        (STOPHOST, BINGO | CLRALL, "InURLPathStart", HOST_T), ("/", PUSH, "InFURL"),
        (ANY, BINGO | CLRALL, "Base", HOST_T)],
    "InHostFirstAN": [(EOF, POP, None), (DIGIT, NEXT, "InHost"), (ASCLET, NEXT, "InHost"), (ANY, POP, None)],
    "InHost": [
        (EOF, POP, None), (DIGIT, NEXT, "InHost"), (ASCLET, NEXT, "InHost"), ("@", PUSH, "InEmail"),
        (".", PUSH, "InHostFirstDomain"), ("-", PUSH, "InHostFirstAN"), ("_", PUSH, "InHostFirstAN"),
        (ANY, POP, None)],
    "InEmail": [(STOPHOST, POP, None), (ISHOST, BINGO | CLRALL, "Base", EMAIL_T), (ANY, POP, None)],
    "InFileFirst": [
        (EOF, POP, None), (ASCLET, NEXT, "InFile"), (DIGIT, NEXT, "InFile"), (".", NEXT, "InPathFirst"),
        ("_", NEXT, "InFile"), ("~", PUSH, "InFileTwiddle"), (ANY, POP, None)],
    "InFileTwiddle": [
        (EOF, POP, None), (ASCLET, NEXT, "InFile"), (DIGIT, NEXT, "InFile"), ("_", NEXT, "InFile"),
        ("/", NEXT, "InFileFirst"), (ANY, POP, None)],
    "InPathFirst": [
        (EOF, POP, None), (ASCLET, NEXT, "InFile"), (DIGIT, NEXT, "InFile"), ("_", NEXT, "InFile"),
        (".", NEXT, "InPathSecond"), ("/", NEXT, "InFileFirst"), (ANY, POP, None)],
    "InPathFirstFirst": [(EOF, POP, None), (".", NEXT, "InPathSecond"), ("/", NEXT, "InFileFirst"),
                         (ANY, POP, None)],
    "InPathSecond": [
        (EOF, BINGO | CLEAR, "Base", FILE_T), ("/", NEXT | PUSH, "InFileFirst"),
        ("/", BINGO | CLEAR, "Base", FILE_T), (SPACE, BINGO | CLEAR, "Base", FILE_T), (ANY, POP, None)],
    "InFile": [
        (EOF, BINGO, "Base", FILE_T), (ASCLET, NEXT, "InFile"), (DIGIT, NEXT, "InFile"),
        (".", PUSH, "InFileNext"), ("_", NEXT, "InFile"), ("-", NEXT, "InFile"), ("/", PUSH, "InFileFirst"),
        (ANY, BINGO, "Base", FILE_T)],
    "InFileNext": [
        (EOF, POP, None), (ASCLET, CLEAR, "InFile"), (DIGIT, CLEAR, "InFile"), ("_", CLEAR, "InFile"),
        (ANY, POP, None)],
    "InURLPathFirst": [(EOF, POP, None), (URLCHAR, NEXT, "InURLPath"), (ANY, POP, None)],
    "InURLPathStart": [(ANY, NEXT, "InURLPath")],
    "InURLPath": [(EOF, BINGO, "Base", URL_PATH), (URLCHAR, NEXT, "InURLPath"), (ANY, BINGO, "Base", URL_PATH)],
    "InFURL": [(EOF, POP, None), (ISURLPATH, BINGO | CLRALL, "Base", URL_T, _special_furl), (ANY, POP, None)],
    "InProtocolFirst": [(EOF, POP, None), ("/", NEXT, "InProtocolSecond"), (ANY, POP, None)],
    "InProtocolSecond": [(EOF, POP, None), ("/", NEXT, "InProtocolEnd"), (ANY, POP, None)],
    "InProtocolEnd": [(ANY, BINGO | CLRALL, "Base", PROTOCOL)],
    "InHyphenAsciiWordFirst": [
        (EOF, POP, None), (ASCLET, NEXT, "InHyphenAsciiWord"), (ALPHA, NEXT, "InHyphenWord"),
        (DIGIT, NEXT, "InHyphenDigitLookahead"), (ANY, POP, None)],
    "InHyphenAsciiWord": [
        (EOF, BINGO | CLRALL, "InParseHyphen", ASCIIHWORD, _special_hyphen), (ASCLET, NEXT, "InHyphenAsciiWord"),
        (ALPHA, NEXT, "InHyphenWord"), (SPECIAL, NEXT, "InHyphenWord"), (DIGIT, NEXT, "InHyphenNumWord"),
        ("-", PUSH, "InHyphenAsciiWordFirst"),
        (ANY, BINGO | CLRALL, "InParseHyphen", ASCIIHWORD, _special_hyphen)],
    "InHyphenWordFirst": [
        (EOF, POP, None), (ALPHA, NEXT, "InHyphenWord"), (DIGIT, NEXT, "InHyphenDigitLookahead"),
        (ANY, POP, None)],
    "InHyphenWord": [
        (EOF, BINGO | CLRALL, "InParseHyphen", HWORD, _special_hyphen), (ALPHA, NEXT, "InHyphenWord"),
        (SPECIAL, NEXT, "InHyphenWord"), (DIGIT, NEXT, "InHyphenNumWord"), ("-", PUSH, "InHyphenWordFirst"),
        (ANY, BINGO | CLRALL, "InParseHyphen", HWORD, _special_hyphen)],
    "InHyphenNumWordFirst": [
        (EOF, POP, None), (ALPHA, NEXT, "InHyphenNumWord"), (DIGIT, NEXT, "InHyphenDigitLookahead"),
        (ANY, POP, None)],
    "InHyphenNumWord": [
        (EOF, BINGO | CLRALL, "InParseHyphen", NUMHWORD, _special_hyphen), (ALNUM, NEXT, "InHyphenNumWord"),
        (SPECIAL, NEXT, "InHyphenNumWord"), ("-", PUSH, "InHyphenNumWordFirst"),
        (ANY, BINGO | CLRALL, "InParseHyphen", NUMHWORD, _special_hyphen)],
    "InHyphenDigitLookahead": [
        (EOF, POP, None), (DIGIT, NEXT, "InHyphenDigitLookahead"), (ALPHA, NEXT, "InHyphenNumWord"),
        (SPECIAL, NEXT, "InHyphenNumWord"), (ANY, POP, None)],
    "InParseHyphen": [
        (EOF, RERUN, "Base"), (ASCLET, NEXT, "InHyphenAsciiWordPart"), (ALPHA, NEXT, "InHyphenWordPart"),
        (DIGIT, PUSH, "InHyphenUnsignedInt"), ("-", PUSH, "InParseHyphenHyphen"), (ANY, RERUN, "Base")],
    "InParseHyphenHyphen": [
        (EOF, POP, None), (ALNUM, BINGO | CLEAR, "InParseHyphen", BLANK),
        (SPECIAL, BINGO | CLEAR, "InParseHyphen", BLANK), (ANY, POP, None)],
    "InHyphenWordPart": [
        (EOF, BINGO, "Base", HWORD_PART), (ALPHA, NEXT, "InHyphenWordPart"), (SPECIAL, NEXT, "InHyphenWordPart"),
        (DIGIT, NEXT, "InHyphenNumWordPart"), (ANY, BINGO, "InParseHyphen", HWORD_PART)],
    "InHyphenAsciiWordPart": [
        (EOF, BINGO, "Base", HWORD_ASCIIPART), (ASCLET, NEXT, "InHyphenAsciiWordPart"),
        (ALPHA, NEXT, "InHyphenWordPart"), (SPECIAL, NEXT, "InHyphenWordPart"),
        (DIGIT, NEXT, "InHyphenNumWordPart"), (ANY, BINGO, "InParseHyphen", HWORD_ASCIIPART)],
    "InHyphenNumWordPart": [
        (EOF, BINGO, "Base", HWORD_NUMPART), (ALNUM, NEXT, "InHyphenNumWordPart"),
        (SPECIAL, NEXT, "InHyphenNumWordPart"), (ANY, BINGO, "InParseHyphen", HWORD_NUMPART)],
    "InHyphenUnsignedInt": [
        (EOF, POP, None), (DIGIT, NEXT, None), (ALPHA, CLEAR, "InHyphenNumWordPart"),
        (SPECIAL, CLEAR, "InHyphenNumWordPart"), (ANY, POP, None)],
}


def _compile_states():
    """The table as lists of (test, flags, next state or None, token type, special) with states as ints."""
    index = {name: i for i, name in enumerate(_STATES)}
    return [[(test, flags, None if to is None else index[to], *rest, 0, None)[:5]
             for test, flags, to, *rest in actions] for actions in _STATES.values()], index


_ACTIONS, _STATE_INDEX = _compile_states()
_BASE, _IN_URL_PATH_FIRST = _STATE_INDEX["Base"], _STATE_INDEX["InURLPathFirst"]
_IMPURE = (STOPHOST, ISHOST, ISURLPATH)  # tests that look beyond the character at hand
# Actions that only step on to the next character in the same state: a run of characters taking one is one step.
_SELF_LOOPS = [[flags == NEXT and not special and to in (None, state) for _, flags, to, _, special in actions]
               for state, actions in enumerate(_ACTIONS)]
_FIRST = ([{} for _ in _ACTIONS], [{} for _ in _ACTIONS])  # [ignore][state]: character -> first action, cached


def _holds_for(test, ch, ignore):
    """A test that depends on the character alone ('' at the end of the text) and the ignore flag."""
    if test.__class__ is int:
        return bool((_CLASS[ch] if ch else EOF) & test)
    if len(test) == 1:
        return ch == test
    if test == ANY:
        return True
    if test == NOTALNUM:
        return not (_CLASS[ch] if ch else EOF) & ALNUM
    return ignore  # IGNORE


def _first_action(state, ch, ignore):
    """The index of the first action of `state` whose test holds for ch, or -1 - i if test i must be run."""
    for i, (test, *_) in enumerate(_ACTIONS[state]):
        if test in _IMPURE:
            return -1 - i
        if _holds_for(test, ch, ignore):
            return i


class _Position:
    """A level of the parser's stack; `visited` its configurations (_Parser.failed's keys) since it was pushed."""

    __slots__ = ("pos", "lentoken", "state", "pushed", "visited")

    def __init__(self, pos, state, lentoken=0):
        self.pos, self.state, self.lentoken, self.pushed, self.visited = pos, state, lentoken, None, []

    def copy(self):
        return _Position(self.pos, self.state, self.lentoken)


_STATES_BITS = len(_ACTIONS).bit_length()


class _Parser:
    """PostgreSQL's default parser over `text` from `start`: next_token() gives (type, token) or None at the end.

    PostgreSQL's machine backtracks: a level pushed to try a longer token (a host in `a_a_a_…`, a path in `./././…`)
    can read to the end of the text and be popped, and the next token tries again from one character further on,
    which makes the text's parse quadratic. What a level does from a configuration (state, position, the ignore
    and wanthost flags) on depends on nothing else until it is popped, so `failed` remembers, for every
    configuration of a popped level, the flags it was popped with: a level that reaches one again is popped at once.
    Every configuration is thus run through at most once, and the parse is linear, with PostgreSQL's tokens.
    """

    def __init__(self, text, start=0, state=_BASE, failed=None):
        self.text, self.n = text, len(text)
        self.stack = [_Position(start, _BASE)]
        if state != _BASE:
            self.stack.append(_Position(start, state))
        self.ignore = self.wanthost = False
        self.failed = {} if failed is None else failed  # configuration → (ignore, wanthost) when its level popped

    def _pop(self, top):
        """Pop the level `top`: each configuration it went through leads to this pop, with the flags as they are."""
        outcome = (self.ignore, self.wanthost)
        for key in top.visited:
            self.failed[key] = outcome
        self.stack.pop()
        return self.stack[-1]

    def next_token(self):
        stack, text, n = self.stack, self.text, self.n
        top = stack[-1]
        if top.pos >= n:
            return None
        self.start = top.pos
        top.pushed = None
        bingo = None
        failed = self.failed
        while True:
            state, pos = top.state, top.pos
            ch = text[pos] if pos < n else ""
            if top.pushed is None:
                if len(stack) > 1:  # the bottom level is never popped
                    key = ((pos << _STATES_BITS | state) << 1 | self.ignore) << 1 | self.wanthost
                    outcome = failed.get(key)
                    if outcome is not None:
                        self.ignore, self.wanthost = outcome
                        top = self._pop(top)
                        if top.pos >= n:
                            return None
                        continue
                    top.visited.append(key)
                first = _FIRST[self.ignore][state]
                i = first.get(ch)
                if i is None:
                    i = first[ch] = _first_action(state, ch, self.ignore)
                if i < 0:
                    i = self._scan(state, -1 - i, top, ch)
                elif ch and _SELF_LOOPS[state][i]:
                    end = pos + 1
                    while end < n:
                        j = first.get(text[end])
                        if j is None:
                            j = first[text[end]] = _first_action(state, text[end], self.ignore)
                        if j != i:
                            break
                        end += 1
                    top.pos, top.lentoken = end, top.lentoken + end - pos
                    continue
            else:
                i = self._scan(state, top.pushed + 1, top, ch)
                top.pushed = None
            test, flags, to, ttype, special = _ACTIONS[state][i]
            if special:
                special(self, top)
            if flags & BINGO:
                bingo = (ttype, text[self.start:self.start + top.lentoken])
                top.lentoken = 0
                for level in stack:  # what the levels went through led to a token
                    level.visited.clear()
            if flags & POP:
                top = self._pop(top)
            elif flags & PUSH:
                top.pushed = i
                top = top.copy()
                stack.append(top)
            elif flags & CLEAR:  # top takes the place of the level below: it is popped where that one would be
                below = stack.pop(-2)
                below.visited.extend(top.visited)
                top.visited = below.visited
            elif flags & CLRALL:
                del stack[:-1]
                top.visited.clear()
            elif flags & MERGE:  # the level ends by handing its place to the one below: not popped
                merged = stack.pop()
                top = stack[-1]
                top.pos, top.lentoken = merged.pos, merged.lentoken
            if to is not None:
                top.state = to
            if bingo or (top.pos >= n and not flags & RERUN):
                return bingo
            if flags & (RERUN | POP):
                continue
            top.pos += 1
            top.lentoken += 1

    def _scan(self, state, i, top, ch):
        """The first action from the i-th on whose test holds, running the tests that look further."""
        actions = _ACTIONS[state]
        while True:
            test = actions[i][0]
            if test in _IMPURE:
                if self._run(test, top):
                    return i
            elif _holds_for(test, ch, self.ignore):
                return i
            i += 1

    def _run(self, test, top):
        if test == STOPHOST:
            wanted, self.wanthost = self.wanthost, False
            return wanted
        # ISHOST and ISURLPATH: a parser of its own reads on from here; a host or URL path extends this token.
        sub = _Parser(self.text, top.pos, _BASE if test == ISHOST else _IN_URL_PATH_FIRST, self.failed)
        sub.wanthost = test == ISHOST
        token = sub.next_token()
        if token and token[0] == (HOST_T if test == ISHOST else URL_PATH):
            top.pos += len(token[1])
            top.lentoken += len(token[1])
            return True
        return False


def _ascii_class(chars):
    return "[" + "".join(re.escape(ch) for ch in chars) + "]"


_ASCII_PUNCTUATION = [chr(c) for c in range(128) if not chr(c).isalnum()]
# What the machine does from its base state when the characters after a run tell it so: letters (or digits) up
# to a character that cannot go on with them make an asciiword (a uint); a "." ends them too unless a letter,
# digit or "_" follows (a host or a file name). Blanks run up to a letter, a digit or one of "<-+&/"; one can
# start with "." (unless "." or "/" follows: a path) or "-" or "+" (unless a digit follows), not with "<&~/".
# Anything else, and any run followed by a non-ASCII character, is left to the machine (the runs are
# possessive: a shorter run is not the machine's).
_PLAIN_TOKEN = re.compile(
    r"(?:([A-Za-z]++)|([0-9]++))(?![A-Za-z0-9_@:/-]|\.[A-Za-z0-9_]|[^\x00-\x7f])"
    f"|((?:{_ascii_class(c for c in _ASCII_PUNCTUATION if c not in '<-+&~/.')}|\\.(?![./])|[-+](?![0-9]))"
    f"{_ascii_class(c for c in _ASCII_PUNCTUATION if c not in '<-+&/')}*+)(?![^\\x00-\\x7f])")
_PLAIN_TYPES = (ASCIIWORD, UINT_T, BLANK)


def ts_parse(text):
    """[(token type, token), ...] as ts_parse('default', text) gives them."""
    parser = _Parser(text)
    stack, plain = parser.stack, _PLAIN_TOKEN.match
    tokens = []
    while True:
        top = stack[-1]
        if top.state == _BASE and len(stack) == 1 and not parser.ignore and (found := plain(text, top.pos)):
            tokens.append((_PLAIN_TYPES[found.lastindex - 1], found.group()))
            top.pos = found.end()
            continue
        token = parser.next_token()
        if token is None:
            return tokens
        tokens.append(token)


# --- dictionaries and configurations ----------------------------------------------------------------------

def _read_words(name):
    """A stop-word list: the first word of each line, lowercased (readstoplist)."""
    return frozenset(_lower(line.split()[0]) for line in (_DATA / f"{name}.stop").read_text(encoding="utf-8")
                     .splitlines() if line.split())


def _read_unaccent():
    """unaccent.rules: 'src' (removed) or 'src trg'; every source is one character."""
    rules = {}
    for line in (_DATA / "unaccent.rules").read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if fields:
            rules.setdefault(fields[0], fields[1] if len(fields) > 1 else "")
    return rules


class _Unaccent:
    """The unaccent filter dictionary: the token with its characters replaced, or None if none was."""

    def __init__(self):
        self.rules = _read_unaccent()

    def __call__(self, token):
        rules = self.rules
        if not any(ch in rules for ch in token):
            return None
        return "".join([rules.get(ch, ch) for ch in token])


class _Snowball:
    """A Snowball stemmer dictionary: () for a stop word, else the stem of the lowercased token."""

    def __init__(self, language, stopwords):
        module = importlib.import_module(f"snowballstemmer.{language}_stemmer")  # never PyStemmer's C build
        self.stemmer = getattr(module, f"{language.capitalize()}Stemmer")()
        self.stopwords = _read_words(language) if stopwords else frozenset()
        self.cache = {}

    def __call__(self, token):
        lexeme = self.cache.get(token)
        if lexeme is None:
            lexeme = self.cache[token] = self._lexize(token)
            if len(self.cache) > 100_000:  # prose repeats its words; keep the cache bounded all the same
                self.cache.clear()
        return lexeme

    def _lexize(self, token):
        text = _lower(token)
        if len(token) > 250 and len(token.encode()) > 1000:  # PostgreSQL does not stem what cannot be a word
            return (text,)
        if not text or text in self.stopwords:
            return ()
        return (self.stemmer.stemWord(text) or text,)


def _simple(token):
    return (_lower(token),) if token else ()


def _intdict(token):
    """dict_int with its defaults: integers longer than 6 characters are cut to 6."""
    return (token[:6],)


_MIG6_LANGUAGES = {"arabic", "danish", "dutch", "english", "finnish", "french", "german", "greek", "hungarian",
                   "indonesian", "irish", "italian", "lithuanian", "nepali", "norwegian", "portuguese", "romanian",
                   "russian", "spanish", "swedish", "tamil", "turkish"}
_OTHER_LANGUAGES = {"armenian", "basque", "catalan", "hindi", "serbian", "yiddish"}
_WITH_STOPWORDS = {"danish", "dutch", "english", "finnish", "french", "german", "hungarian", "italian", "nepali",
                   "norwegian", "portuguese", "russian", "spanish", "swedish", "turkish"}
_ASCII_WORDS = (ASCIIWORD, ASCIIHWORD, HWORD_ASCIIPART)
_OTHER_WORDS = (WORD, HWORD, HWORD_PART)
_SIMPLE_TYPES = (NUMWORD, NUMHWORD, HWORD_NUMPART, EMAIL_T, URL_T, HOST_T, SFLOAT, VERSION, URL_PATH, FILE_T,
                 FLOAT_T)
CONFIGS = frozenset({"simple", DOCS_CONFIG} | _MIG6_LANGUAGES | _OTHER_LANGUAGES)

_stemmers = {}
_loaded_configs = {}


def _stem(language):
    if language not in _stemmers:
        _stemmers[language] = _Snowball(language, language in _WITH_STOPWORDS)
    return _stemmers[language]


def _config(name):
    """The dictionaries per token type of a configuration, as pg_ts_config_map has them after the migrations.

    000006_docs.up.sql maps its languages' word types to (xsyn, <language>_stem) and int/uint to intdict; xsyn has no
    rules there, so it passes every word on and is left out. The other languages keep initdb's mapping (Hindi
    stems ASCII words as English). english_unaccent (000030_add_unaccent_search_config.up.sql) is english with unaccent before english_stem
    for the word types that are not all ASCII.
    """
    key = name.lower() if name.isascii() else name
    if key in _loaded_configs:
        return _loaded_configs[key]
    if key not in CONFIGS:
        raise UnknownConfig(f'text search configuration "{name}" does not exist')
    chains = {t: (_simple,) for t in _SIMPLE_TYPES + (INT_T, UINT_T)}
    if key == "simple":
        chains.update({t: (_simple,) for t in _ASCII_WORDS + _OTHER_WORDS})
    else:
        language = "english" if key == DOCS_CONFIG else key
        chains.update({t: (_stem(language),) for t in _ASCII_WORDS + _OTHER_WORDS})
        if language in _MIG6_LANGUAGES:
            chains.update({INT_T: (_intdict,), UINT_T: (_intdict,)})
        if language == "hindi":
            chains.update({t: (_stem("english"),) for t in _ASCII_WORDS})
        if key == DOCS_CONFIG:
            chains.update({t: (_UNACCENT, _stem("english")) for t in _OTHER_WORDS})
    _loaded_configs[key] = chains
    return chains


_UNACCENT = _Unaccent()


def _parsetext(chains, text):
    """[(lexeme, position), ...] of text (ts_parse.c parsetext): stop words take a position, blanks do not.

    A chain is filter dictionaries (each gives a new token or None) and a last dictionary that knows every token.
    """
    words = []
    pos = 0
    for ttype, token in ts_parse(text):
        chain = chains.get(ttype)
        if chain is None or (len(token) > MAXSTRLEN // 4 and len(token.encode()) >= MAXSTRLEN):
            continue
        for filtering in chain[:-1]:
            token = filtering(token) or token
        lexemes = chain[-1](token)
        pos += 1
        for lexeme in lexemes:
            words.append((lexeme, pos if pos < MAXENTRYPOS else MAXENTRYPOS - 1))
    return words


# --- tsvector ---------------------------------------------------------------------------------------------

class TSVector:
    """A tsvector: each lexeme's positions, ascending, each packed as position | weight << 14 as PostgreSQL does.

    The stored form is TSVector.dumps(): compact JSON of {lexeme: [packed positions]}.
    """
    __slots__ = ("entries",)

    def __init__(self, entries=None):
        self.entries = {} if entries is None else entries

    def __eq__(self, other):
        return isinstance(other, TSVector) and self.entries == other.entries

    def __repr__(self):
        return f"TSVector({str(self)!r})"

    def __str__(self):
        """The text form PostgreSQL prints: 'lexeme':1A,5B ..., lexemes in byte order."""
        return " ".join(
            "'" + lexeme.replace("'", "''").replace("\\", "\\\\") + "':"
            + ",".join(f"{p & 0x3FFF}{'DCBA'[p >> 14] if p >> 14 else ''}" for p in positions)
            for lexeme, positions in sorted(self.entries.items(), key=lambda item: item[0].encode()))

    def dumps(self):
        return json.dumps(self.entries, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, text):
        return cls(json.loads(text))


def to_tsvector(text, weight="D"):
    """setweight(to_tsvector('english_unaccent', text), weight)."""
    code = WEIGHTS[weight] << 14
    entries = {}
    for lexeme, position in _parsetext(_config(DOCS_CONFIG), text):
        positions = entries.get(lexeme)
        if positions is None:
            entries[lexeme] = [position | code]
        elif len(positions) < MAXNUMPOS - 1 and (positions[-1] & 0x3FFF) not in (MAXENTRYPOS - 1, position):
            positions.append(position | code)
    return TSVector(entries)


def concat(first, second):
    """first || second: the second's positions come after the first's last one."""
    shift = max((p & 0x3FFF for positions in first.entries.values() for p in positions), default=0)
    entries = {lexeme: list(positions) for lexeme, positions in first.entries.items()}
    for lexeme, positions in second.entries.items():
        merged = entries.setdefault(lexeme, [])
        for p in positions:
            if len(merged) >= MAXNUMPOS or (merged and merged[-1] & 0x3FFF == MAXENTRYPOS - 1):
                break
            merged.append(min((p & 0x3FFF) + shift, MAXENTRYPOS - 1) | (p & ~0x3FFF))
    return TSVector(entries)


def doc_vector(title, content):
    """A doc chunk's search_tsv, as the trigger of 000030_add_unaccent_search_config.up.sql computes it."""
    return concat(to_tsvector(title, "A"), to_tsvector(content, "B"))


# --- tsquery ----------------------------------------------------------------------------------------------

# Nodes: (VAL, lexeme), (NOT, child), (AND | OR, left, right), (PHRASE, left, right, distance); STOP (None)
# stands for a stop word until the query is cleaned of them.
VAL, NOT, AND, OR, PHRASE = 0, 1, 2, 3, 4
_PRIORITY = {NOT: 4, PHRASE: 3, AND: 2, OR: 1}
_WEB_OPERATORS = set("!&|()<")  # skipped between words
_WORD_ENDS = _WEB_OPERATORS | set('":')
_STACK_DEPTH = 32


class TSQuery:
    """A parsed tsquery; str() gives PostgreSQL's text form, '' for a query that matches nothing.

    For @@ and ts_rank_cd the query is compiled once into atoms, its lexemes and its phrases (a <-> b …, which
    hold or not by positions), and a formula of NOT, AND and OR over them that is evaluated on bitmasks of atoms.
    """
    __slots__ = ("root", "lexemes", "_order", "_atoms", "_formula", "_truths", "_junction", "_slack", "_each", "_pair",
                 "cost")

    def __init__(self, root):
        self.root = root
        self.lexemes = frozenset(_operands(root)) if root else frozenset()
        self._order = sorted(self.lexemes, key=str.encode)  # the tsvector's order, which breaks ties in ranking
        self._atoms = []  # (lexeme, None) or (phrase, (width, first lexeme, last lexeme, its lexemes))
        self._formula = self._compile(root, {}) if root else None
        self._truths = {}
        self._junction = _junction(self._formula) if root else None  # AND or OR if the formula is all of one
        words_only = all(shape is None for _, shape in self._atoms)
        # Each occurrence is a cover of its own for words joined by OR (or one word); under an AND of words a
        # cover holds all of them, so a document of n occurrences has at most n - (words - 1) covers.
        self._each = words_only and (self._junction == OR or (self._junction == AND and len(self._atoms) == 1))
        self._slack = len(self._atoms) - 1 if words_only and self._junction == AND else 0
        # Under an AND of two words, the covers are the neighbouring occurrences of different words.
        self._pair = words_only and self._junction == AND and len(self._atoms) == 2
        # What ranking one chunk costs, in MAX_SEARCH_COST's units: its lexemes are looked up, its phrases matched.
        self.cost = len(self._order) + PHRASE_OPERAND_COST * sum(
            sum(1 for _ in _operands(atom)) for atom, shape in self._atoms if shape is not None)

    def __str__(self):
        return _infix(self.root) if self.root else ""

    def __repr__(self):
        return f"TSQuery({str(self)!r})"

    def _compile(self, node, bits):
        """The formula of node: (VAL, atom bit), (NOT, f), (AND | OR, f, g)."""
        spine = _left_spine(node, (NOT, AND, OR))
        leaf = spine.pop()
        key = leaf[1] if leaf[0] == VAL else leaf
        if key not in bits:
            bits[key] = len(self._atoms)
            self._atoms.append((leaf[1], None) if leaf[0] == VAL else (leaf, _phrase_shape(leaf)))
        formula = (VAL, bits[key])
        for node in reversed(spine):
            formula = (NOT, formula) if node[0] == NOT else (node[0], formula, self._compile(node[2], bits))
        return formula

    def _holds(self, mask):
        """Whether the formula holds when the atoms of `mask` do (memoized)."""
        truth = self._truths.get(mask)
        if truth is None:
            truth = self._truths[mask] = _evaluate(self._formula, mask)
        return truth

    def _present(self, entries):
        """The mask of the atoms that hold in a document of these entries."""
        mask = 0
        for bit, (atom, shape) in enumerate(self._atoms):
            if shape is None:
                present = atom in entries
            else:
                present = bool(_phrase(atom, lambda lexeme: _plain(entries.get(lexeme)))[0])
            if present:
                mask |= 1 << bit
        return mask

    def matches(self, vector):
        """vector @@ query; `vector` is a TSVector or {lexeme: packed positions} of (at least) the query's lexemes."""
        entries = vector.entries if isinstance(vector, TSVector) else vector
        return self._formula is not None and self._holds(self._present(entries))

    def rank_cd(self, vector):
        """ts_rank_cd(vector, query, 32)::float8, for a vector that matches."""
        entries = vector.entries if isinstance(vector, TSVector) else vector
        return _rank_cd(self, entries)


def _junction(formula):
    """AND if the formula is atoms joined by AND (or one atom), OR if joined by OR, else None."""
    ops = set()
    stack = [formula]
    while stack:
        node = stack.pop()
        if node[0] != VAL:
            ops.add(node[0])
            stack.extend(node[1:])
    return AND if ops <= {AND} else OR if ops == {OR} else None


def _phrase_shape(node):
    """A phrase's width (the distance from its first operand to its last), first and last lexeme, and lexemes."""
    spine = _left_spine(node, (PHRASE,))
    width = sum(_phrase_shape(step[2])[0] + step[3] for step in spine[:-1])
    last = node
    while last[0] == PHRASE:
        last = last[2]
    return width, spine[-1][1], last[1], frozenset(_operands(node))


def _evaluate(formula, mask):
    """TS_execute on atoms: does the formula hold when the atoms of `mask` do?"""
    spine = _left_spine(formula, (NOT, AND, OR))
    value = bool(mask >> spine.pop()[1] & 1)
    for node in reversed(spine):
        if node[0] == NOT:
            value = not value
        elif node[0] == AND:
            value = value and _evaluate(node[2], mask)
        else:
            value = value or _evaluate(node[2], mask)
    return value


def _plain(packed):
    return None if packed is None else [p & 0x3FFF for p in packed]


def _operands(node):
    stack = [node]
    while stack:
        node = stack.pop()
        if node[0] == VAL:
            yield node[1]
        else:
            stack.extend(node[1:2] if node[0] == NOT else node[1:3])


def _left_spine(node, through=(NOT, AND, OR, PHRASE)):
    """The node, its left child (a NOT's only one), that one's, … down to the first not of `through` (or STOP).

    Queries grow deep only on the left ("a b c …" is ((a & b) & c) …), so walking the spine and recursing on
    the right children alone keeps recursion shallow for queries of any length.
    """
    spine = [node]
    while node is not None and node[0] in through:
        node = node[1]
        spine.append(node)
    return spine


def websearch_to_tsquery(config, text):
    """websearch_to_tsquery(config, text): "phrases", or, -negation; raises UnknownConfig or QueryError."""
    builder = _QueryBuilder(_config(config), text)
    builder.makepol(_web_tokens(text, builder))
    return TSQuery(builder.root())


class _QueryBuilder:
    """makepol: operands and operators in postfix order build the tree, as PostgreSQL's polish notation does."""

    def __init__(self, chains, text):
        self.chains, self.text = chains, text
        self.nodes = []
        self.stops = False

    def push_stop(self):
        self.nodes.append(None)
        self.stops = True

    def push_operator(self, op, distance):
        if op == NOT:
            self.nodes.append((NOT, self.nodes.pop()))
        else:
            right, left = self.nodes.pop(), self.nodes.pop()
            self.nodes.append((op, left, right, distance) if op == PHRASE else (op, left, right))

    def push_operand(self, word):
        """pushval_morph: the word's lexemes joined by <->, a stop word inside keeping its place."""
        words = _parsetext(self.chains, word)
        if not words:
            self.push_stop()
            return
        pos = count = 0
        for position, group in itertools.groupby(words, key=lambda word: word[1]):
            while 0 < pos < position - 1:
                self.push_stop()
                if count:
                    self.push_operator(PHRASE, 1)
                count += 1
                pos += 1
            pos = position
            for k, (lexeme, _) in enumerate(group):  # words past position 16383 all share it: joined by &
                if len(lexeme.encode()) >= MAXSTRLEN:  # lowercasing can lengthen a word
                    raise QueryError(f'word is too long in tsquery: "{self.text}"')
                self.nodes.append((VAL, lexeme))
                if k:
                    self.push_operator(AND, 0)
            if count:
                self.push_operator(PHRASE, 1)
            count += 1

    def makepol(self, tokens):
        stack = []
        for kind, value in tokens:
            if kind == "val":
                self.push_operand(value)
                continue
            self._clean_stack(stack, value[0])
            if len(stack) == _STACK_DEPTH:
                raise QueryError("tsquery stack too small")
            stack.append(value)
        self._clean_stack(stack, OR)

    def _clean_stack(self, stack, op):
        priority = _PRIORITY[op]
        while stack:
            top = _PRIORITY[stack[-1][0]]
            if (op != NOT and priority > top) or (op == NOT and priority >= top):
                break
            self.push_operator(*stack.pop())

    def root(self):
        if not self.nodes:
            return None
        root = self.nodes[-1]
        if self.stops:
            root = _clean_stopwords(root)[0]
        return root


def _is_space(ch):
    return bool(_CLASS[ch] & SPACE)


def _web_tokens(text, builder):
    """gettoken_query_websearch: ('val', operand text) and ('op', (operator, distance)) in order.

    A quoted string, up to the next '"' or the end, is one operand: the text parser reads it, so its words
    become a phrase whatever punctuation they hold.
    """
    i, n = 0, len(text)
    first, waiting_operand = True, True
    while True:
        ch = text[i] if i < n else ""
        if waiting_operand:
            if ch == "-":
                i += 1
                first = False
                yield "op", (NOT, 0)
                continue
            if ch == '"':
                end = text.find('"', i + 1)
                end = n if end < 0 else end
                yield "val", text[i + 1:end]
                i, waiting_operand, first = min(end + 1, n), False, False
                continue
            if ch and ch in _WEB_OPERATORS:
                i += 1
                first = False
                continue
            if not ch:
                if not first:  # an operator with no operand after it
                    builder.push_stop()
                return
            if not _is_space(ch):
                end = i + 1  # a word may start with ':', which ends it anywhere else
                while end < n and text[end] not in _WORD_ENDS and not _is_space(text[end]):
                    end += 1
                yield "val", text[i:end]
                i, waiting_operand, first = end, False, False
                continue
        else:
            if not ch:
                return
            if _is_or(text, i):
                i += 2
                waiting_operand = True
                yield "op", (OR, 0)
                continue
            if ch in _WEB_OPERATORS:
                i += 1
                continue
            if not _is_space(ch):
                waiting_operand = True
                yield "op", (AND, 0)
                continue
        i += 1


def _is_or(text, i):
    """parse_or_operator: 'or' (any case) not starting a word, with something other than blanks after it."""
    if text[i:i + 2].lower() != "or" or not text[i:i + 2].isascii():
        return False
    j = i + 2
    if j >= len(text) or text[j] in "-_" or _CLASS[text[j]] & ALNUM:
        return False
    j += 1
    while j < len(text) and _is_space(text[j]):
        j += 1
    return j < len(text)


def _clean_stopwords(node):
    """clean_stopword_intree: (node without stop words or None, left and right distance to add)."""
    spine = _left_spine(node)
    leaf = spine.pop()
    result, ladd, radd = leaf, 0, 0  # a VAL, or STOP, which vanishes
    for node in reversed(spine):
        op = node[0]
        if op == NOT:
            result = None if result is None else (NOT, result)
            continue
        left, lladd, lradd = result, ladd, radd
        right, rladd, rradd = _clean_stopwords(node[2])
        distance = node[3] if op == PHRASE else 0
        if left is None and right is None:
            result, ladd = None, (lladd + distance + rradd if op == PHRASE else max(lladd, rradd))
            radd = ladd
        elif left is None:
            result, ladd, radd = right, (lladd + distance + rladd if op == PHRASE else rladd), rradd
        elif right is None:
            result, ladd, radd = left, lladd, (lradd + distance + rradd if op == PHRASE else lradd)
        elif op == PHRASE:
            result, ladd, radd = (PHRASE, left, right, distance + lradd + rladd), lladd, rradd
        else:
            result, ladd, radd = (op, left, right), 0, 0
    return result, ladd, radd


def _infix(node, parent_priority=-1, right_of_phrase=False):
    """tsqueryout: operands quoted, operators spaced, "( … )" where priorities need them."""
    spine = _left_spine(node)
    text = "'" + spine[-1][1].replace("'", "''").replace("\\", "\\\\") + "'"
    for depth in range(len(spine) - 2, -1, -1):
        node = spine[depth]
        op = node[0]
        if op == NOT:
            text = "!" + text
            continue
        priority = _PRIORITY[op]
        right = _infix(node[2], priority, op == PHRASE)
        if op == PHRASE:
            text = f"{text} <{'-' if node[3] == 1 else node[3]}> {right}"
        else:
            text = f"{text} {'&' if op == AND else '|'} {right}"
        outer = _PRIORITY[spine[depth - 1][0]] if depth else parent_priority
        if priority < outer or (op == PHRASE and depth == 0 and right_of_phrase):
            text = f"( {text} )"
    return text


# --- @@ and ts_rank_cd (src/backend/utils/adt/tsvector_op.c, tsrank.c) -----------------------------------

def _phrase(node, positions_of):
    """TS_phrase_execute for operands and <N>: (positions where the phrase ends, its width)."""
    spine = _left_spine(node, (PHRASE,))
    ends, width = positions_of(spine.pop()[1]) or (), 0
    for node in reversed(spine):
        if not ends:
            return (), 0
        right, rwidth = _phrase(node[2], positions_of)
        offset = node[3] + rwidth
        starts = {p + offset for p in ends}
        ends, width = [p for p in right if p in starts], node[3] + width + rwidth
    return ends, width


_FLOAT4 = struct.Struct("f")


def _float4(value):
    """value rounded to float4, as ts_rank_cd returns it (::float8 then widens it exactly)."""
    return _FLOAT4.unpack(_FLOAT4.pack(value))[0]


_INV_WEIGHTS = [1.0 / _float4(w) for w in (0.1, 0.2, 0.4, 1.0)]  # of weights D, C, B, A: float4s, inverted in double
_HEAVIEST = [1.0 / inverse for inverse in _INV_WEIGHTS]  # a weight as a one-occurrence cover counts it


def _rank_cd(query, entries):
    """calc_rank_cd with normalization 32: the covers of the query over its lexemes' occurrences, rank / (rank + 1).

    The document is the query lexemes' occurrences ordered by position, weight and lexeme. A cover is found as
    PostgreSQL's Cover() finds it, growing a window from `start` until the query holds, then shrinking it from
    the other end; here each atom's occurrences are stretches of the document (an index for a lexeme, first to
    last operand for a phrase), so where the query starts to hold is found by bisection.
    """
    order = query._order
    if query._each and len(order) == 1:  # one word: its own positions are the document, in order
        wdoc = 0.0
        for packed in entries.get(order[0], ()):
            wdoc += 1.0 / _INV_WEIGHTS[packed >> 14]
        return _float4(wdoc / (wdoc + 1)) if wdoc else 0.0
    shift = len(order).bit_length()
    keys = []
    for j, lexeme in enumerate(order):
        for packed in entries.get(lexeme, ()):
            keys.append(((packed & 0x3FFF) << 2 | packed >> 14) << shift | j)
    if not keys:
        return 0.0
    keys.sort()
    low = (1 << shift) - 1
    if query._each:
        wdoc = 0.0
        for key in keys:
            wdoc += 1.0 / _INV_WEIGHTS[key >> shift & 3]
        return _float4(wdoc / (wdoc + 1))
    if query._pair:
        wdoc, before = 0.0, None
        for key in keys:
            if before is not None and key & low != before & low:
                noise = (key >> shift + 2) - (before >> shift + 2) - 1
                wdoc += 2 / (_INV_WEIGHTS[before >> shift & 3] + _INV_WEIGHTS[key >> shift & 3]) / (
                    1 + noise if noise > 0 else 1)
            before = key
        return _float4(wdoc / (wdoc + 1))
    positions, where = [], {lexeme: [] for lexeme in order}  # where: the lexeme's indexes in the document
    for index, key in enumerate(keys):
        positions.append(key >> shift + 2)
        where[order[key & low]].append(index)
    stretches = [(where[atom], where[atom]) if shape is None else _stretches(atom, shape, positions, where)
                 for atom, shape in query._atoms]
    wdoc = 0.0
    for begin, end in _covers(query, stretches, len(keys)):
        inv_sum = 0.0
        for k in range(begin, end + 1):
            inv_sum += _INV_WEIGHTS[keys[k] >> shift & 3]
        cpos = (end - begin + 1) / inv_sum
        noise = (positions[end] - positions[begin]) - (end - begin)
        if noise < 0:  # positions stopped at 16383
            noise = (end - begin) // 2
        wdoc += cpos / (1 + noise)
    return _float4(wdoc / (wdoc + 1))


def _covers(query, stretches, size):
    """The covers in order, each looked for from just after the previous one's beginning."""
    if len(stretches) == 1 and query._junction == AND:  # one atom: each of its stretches is a cover
        yield from zip(*stretches[0])
        return
    cover = {AND: _cover_all, OR: _cover_any}.get(query._junction, _cover)
    start = 0
    while start < size and (found := cover(query, stretches, start)) is not None:
        yield found
        start = found[0] + 1


def _stretches(atom, shape, positions, where):
    """(first indexes, last indexes) of a phrase's occurrences in the document; both ascend together."""
    width, first, last, _ = shape
    ends = _phrase(atom, lambda lexeme: [positions[index] for index in where[lexeme]])[0]
    first_at, last_at = [positions[i] for i in where[first]], [positions[i] for i in where[last]]
    return ([where[first][bisect.bisect_left(first_at, end - width)] for end in ends],
            [where[last][bisect.bisect_left(last_at, end)] for end in ends])


def _cover(query, stretches, start):
    """Cover(): (first, last) index of the next window from `start` on where the query holds, or None.

    The window grows from `start` until the query holds at `last`, then from `last` back down until it holds
    again, at `first` (at `start` at the latest: that is the same window). An atom holds in a window that
    contains one of its stretches.
    """
    grow = []
    for bit, (firsts, lasts) in enumerate(stretches):
        k = bisect.bisect_left(firsts, start)
        if k < len(firsts):
            grow.append((lasts[k], bit))
    last = _first_holding(query, sorted(grow), start)
    if last is None:
        return None
    shrink = []
    for bit, (firsts, lasts) in enumerate(stretches):
        k = bisect.bisect_right(lasts, last) - 1
        if k >= 0 and firsts[k] >= start:
            shrink.append((-firsts[k], bit))
    return -_first_holding(query, sorted(shrink), -last), last


def _first_holding(query, events, at):
    """The first place from `at` on where the query holds, its atoms joining at their (place, bit) events."""
    mask, i = 0, 0
    while i < len(events) and events[i][0] == at:
        mask |= 1 << events[i][1]
        i += 1
    if query._holds(mask):
        return at
    while i < len(events):
        at = events[i][0]
        while i < len(events) and events[i][0] == at:
            mask |= 1 << events[i][1]
            i += 1
        if query._holds(mask):
            return at
    return None


def _cover_all(query, stretches, start):
    """_cover for atoms joined by AND: the window needs every atom, so it ends at the last one to join."""
    last = -1
    for firsts, lasts in stretches:
        k = bisect.bisect_left(firsts, start)
        if k == len(firsts):
            return None
        last = max(last, lasts[k])
    return min(firsts[bisect.bisect_right(lasts, last) - 1] for firsts, lasts in stretches), last


def _cover_any(query, stretches, start):
    """_cover for atoms joined by OR: the window ends where the first atom joins."""
    ends = [lasts[k] for firsts, lasts in stretches if (k := bisect.bisect_left(firsts, start)) < len(firsts)]
    if not ends:
        return None
    last = min(ends)
    return max(firsts[k] for firsts, lasts in stretches
               if (k := bisect.bisect_right(lasts, last) - 1) >= 0 and firsts[k] >= start), last


def pack(positions):
    """A lexeme's packed positions as bytes, two little-endian bytes each: how postings() hold them."""
    return struct.pack(f"<{len(positions)}H", *positions)


def _unpack(packed):
    return struct.unpack(f"<{len(packed) >> 1}H", packed)


def postings(chunks):
    """{lexeme: {key: pack(positions)}} of (key, TSVector) chunks: what search() looks chunks up by."""
    index = {}
    for key, vector in chunks:
        for lexeme, positions in vector.entries.items():
            index.setdefault(lexeme, {})[key] = pack(positions)
    return index


class _Newer:
    """A key that ranks below the keys before it: in a heap of (score, _Newer(key)), of equal scores the newest
    key is the first to go."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __lt__(self, other):
        return self.key > other.key


def search(query, postings, limit, rest=()):
    """The best `limit` (score, key) of the matching chunks, best first: ORDER BY score DESC LIMIT limit, equal
    scores in key order (oldest first), and the first keys of them are those that make the limit (PostgreSQL leaves
    ties in no particular order).

    postings: {lexeme: {key: pack(positions)}} of the chunks in scope, for (at least) the query's lexemes; only
    chunks holding one of them are ranked. rest, the keys of the chunks in scope that hold none, in key order, is
    read only if such chunks match (as for "-fox"), as far as needed, at score 0.0. TooCostly if the query's cost
    times the chunks to rank is over MAX_SEARCH_COST.
    """
    if query._formula is None:
        return []
    lexemes = [(lexeme, postings.get(lexeme, {})) for lexeme in query._order]
    keys = _candidates(query, query._formula, dict(lexemes))
    if keys is None and len(lexemes) > 1:
        keys = set().union(*(found for _, found in lexemes))
    ranked = len(lexemes[0][1]) if keys is None else len(keys)
    if query.cost * ranked > MAX_SEARCH_COST:
        raise TooCostly(len(query._atoms), ranked)
    # The rank's upper bound: each cover adds at most its heaviest weight, and there are at most as many covers
    # as occurrences (less the slack). The occurrences and the heaviest weight (in the high bytes) of a chunk's
    # packed positions are read without unpacking them.
    if len(lexemes) == 1:
        bounded = [((len(packed) >> 1) * _HEAVIEST[max(packed[1::2]) >> 6], key)
                   for key, packed in lexemes[0][1].items()]
    else:
        bounded = []
        for key in keys:
            count = heaviest = 0
            for _, found in lexemes:
                packed = found.get(key)
                if packed is not None:
                    count += len(packed) >> 1
                    heaviest = max(heaviest, max(packed[1::2]) >> 6)
            bounded.append(((count - query._slack) * _HEAVIEST[heaviest], key))
    bounded.sort(key=lambda item: item[0], reverse=True)
    best = []  # a heap of the best (score, _Newer(key)) so far: its first the lowest score, of those the newest key
    for bound, key in bounded:
        if len(best) == limit:
            highest = _float4(bound * (1 + 1e-9) / (bound + 1))  # room left for rounding
            if highest < best[0][0]:
                break  # neither this chunk nor any after it can rank higher
            if highest == best[0][0] and key > best[0][1].key:
                continue  # at best it ties with the last place, which an older chunk holds
        entries = {lexeme: _unpack(found[key]) for lexeme, found in lexemes if key in found}
        if query.matches(entries):
            item = (query.rank_cd(entries), _Newer(key))
            if len(best) < limit:
                heapq.heappush(best, item)
            elif best[0] < item:
                heapq.heapreplace(best, item)
    results = [(score, newer.key) for score, newer in sorted(best, reverse=True)]
    if len(results) < limit and query._holds(0):
        results.extend((0.0, key) for key in itertools.islice(rest, limit - len(results)))
    return results


def _candidates(query, formula, postings):
    """The keys that can match: an atom's chunks, intersected under AND, joined under OR; None (every chunk
    holding some query lexeme) under NOT."""
    spine = _left_spine(formula, (NOT, AND, OR))
    atom, shape = query._atoms[spine.pop()[1]]
    keys = set.intersection(*(set(postings[lexeme]) for lexeme in ((atom,) if shape is None else shape[3])))
    for node in reversed(spine):
        if node[0] == NOT:
            keys = None
            continue
        other = _candidates(query, node[2], postings)
        if node[0] == AND:
            keys = other if keys is None else keys if other is None else keys & other
        else:
            keys = None if keys is None or other is None else keys | other
    return keys
