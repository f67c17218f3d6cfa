"""PostgreSQL 15's default text-search parser, ts_parse('default', text), with its tokens exactly.

Follows src/backend/tsearch/wparser_def.c: the same states and actions, token types and special actions; the
machine here only remembers where it already failed, so that its backtracking stays linear (_Parser).
"""
import re

from .ts_locale import ALNUM, ALPHA, ASCLET, CLASS_BITS, DIGIT, EOF, SPACE, SPECIAL, URLCHAR, XDIGIT

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
        return bool((CLASS_BITS[ch] if ch else EOF) & test)
    if len(test) == 1:
        return ch == test
    if test == ANY:
        return True
    if test == NOTALNUM:
        return not (CLASS_BITS[ch] if ch else EOF) & ALNUM
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
