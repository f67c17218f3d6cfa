"""The text-search configurations the hosted database has after julep's migrations, and parsetext, which runs a
text through one.

A configuration maps each token type of the default parser to its dictionaries (pg_ts_config_map, which
src/backend/tsearch/ts_cache.c looks up); parsetext follows src/backend/tsearch/ts_parse.c. The configurations are
built on first use.
"""
import functools

from . import dicts
from .parser import (
    ASCIIHWORD,
    ASCIIWORD,
    EMAIL_T,
    FILE_T,
    FLOAT_T,
    HOST_T,
    HWORD,
    HWORD_ASCIIPART,
    HWORD_NUMPART,
    HWORD_PART,
    INT_T,
    NUMHWORD,
    NUMWORD,
    SFLOAT,
    UINT_T,
    URL_PATH,
    URL_T,
    VERSION,
    WORD,
    ts_parse,
)

DOCS_CONFIG = "english_unaccent"

MAXSTRLEN = 2047  # a token of this many UTF-8 bytes or more is not indexed ("word is too long")
MAXENTRYPOS = 1 << 14  # positions count up to MAXENTRYPOS - 1 and stay there


class UnknownConfig(LookupError):
    """No text-search configuration of that name exists in PostgreSQL (the hosted service answers 500)."""


_MIG6_LANGUAGES = {"arabic", "danish", "dutch", "english", "finnish", "french", "german", "greek", "hungarian",
                   "indonesian", "irish", "italian", "lithuanian", "nepali", "norwegian", "portuguese", "romanian",
                   "russian", "spanish", "swedish", "tamil", "turkish"}
_OTHER_LANGUAGES = {"armenian", "basque", "catalan", "hindi", "serbian", "yiddish"}
_ASCII_WORDS = (ASCIIWORD, ASCIIHWORD, HWORD_ASCIIPART)
_OTHER_WORDS = (WORD, HWORD, HWORD_PART)
_SIMPLE_TYPES = (NUMWORD, NUMHWORD, HWORD_NUMPART, EMAIL_T, URL_T, HOST_T, SFLOAT, VERSION, URL_PATH, FILE_T,
                 FLOAT_T)
CONFIGS = frozenset({"simple", DOCS_CONFIG} | _MIG6_LANGUAGES | _OTHER_LANGUAGES)


def config_chains(name):
    """The dictionaries per token type of a configuration, as pg_ts_config_map has them after the migrations.

    000006_docs.up.sql maps its languages' word types to (xsyn, <language>_stem) and int/uint to intdict; xsyn has no
    rules there, so it passes every word on and is left out. The other languages keep initdb's mapping (Hindi
    stems ASCII words as English). english_unaccent (000030_add_unaccent_search_config.up.sql) is english with
    unaccent before english_stem for the word types that are not all ASCII.
    """
    key = name.lower() if name.isascii() else name
    if key not in CONFIGS:
        raise UnknownConfig(f'text search configuration "{name}" does not exist')
    return _chains(key)


@functools.cache
def _chains(key):
    chains = {t: (dicts.simple,) for t in _SIMPLE_TYPES + (INT_T, UINT_T)}
    if key == "simple":
        chains.update({t: (dicts.simple,) for t in _ASCII_WORDS + _OTHER_WORDS})
    else:
        language = "english" if key == DOCS_CONFIG else key
        chains.update({t: (dicts.snowball(language),) for t in _ASCII_WORDS + _OTHER_WORDS})
        if language in _MIG6_LANGUAGES:
            chains.update({INT_T: (dicts.intdict,), UINT_T: (dicts.intdict,)})
        if language == "hindi":
            chains.update({t: (dicts.snowball("english"),) for t in _ASCII_WORDS})
        if key == DOCS_CONFIG:
            chains.update({t: (dicts.unaccent(), dicts.snowball("english")) for t in _OTHER_WORDS})
    return chains


def parsetext(chains, text):
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
