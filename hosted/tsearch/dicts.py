"""The text-search dictionaries the configurations use: simple, the Snowball stemmers, intdict and unaccent.

Follows src/backend/tsearch/dict_simple.c, src/backend/snowball/dict_snowball.c (and snowball_create.sql, which
gives the stemmers their stop-word lists), contrib/dict_int/dict_int.c and contrib/unaccent/unaccent.c; stop words
are read as ts_utils.c's readstoplist reads them. Each dictionary reads its table from data/ on first use.
"""
import functools
import importlib

from .ts_locale import DATA, lower

# The Snowball dictionaries that snowball_create.sql gives a StopWords file (data/<language>.stop).
_WITH_STOPWORDS = {"danish", "dutch", "english", "finnish", "french", "german", "hungarian", "italian", "nepali",
                   "norwegian", "portuguese", "russian", "spanish", "swedish", "turkish"}


def _read_words(name):
    """A stop-word list: the first word of each line, lowercased (readstoplist)."""
    return frozenset(lower(line.split()[0]) for line in (DATA / f"{name}.stop").read_text(encoding="utf-8")
                     .splitlines() if line.split())


def _read_unaccent():
    """unaccent.rules: 'src' (removed) or 'src trg'; every source is one character."""
    rules = {}
    for line in (DATA / "unaccent.rules").read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if fields:
            rules.setdefault(fields[0], fields[1] if len(fields) > 1 else "")
    return rules


class Unaccent:
    """The unaccent filter dictionary: the token with its characters replaced, or None if none was."""

    def __init__(self):
        self.rules = _read_unaccent()

    def __call__(self, token):
        rules = self.rules
        if not any(ch in rules for ch in token):
            return None
        return "".join([rules.get(ch, ch) for ch in token])


class Snowball:
    """A Snowball stemmer dictionary: () for a stop word, else the stem of the lowercased token."""

    def __init__(self, language):
        module = importlib.import_module(f"snowballstemmer.{language}_stemmer")  # never PyStemmer's C build
        self.stemmer = getattr(module, f"{language.capitalize()}Stemmer")()
        self.stopwords = _read_words(language) if language in _WITH_STOPWORDS else frozenset()
        self.cache = {}

    def __call__(self, token):
        lexeme = self.cache.get(token)
        if lexeme is None:
            lexeme = self.cache[token] = self._lexize(token)
            if len(self.cache) > 100_000:  # prose repeats its words; keep the cache bounded all the same
                self.cache.clear()
        return lexeme

    def _lexize(self, token):
        text = lower(token)
        if len(token) > 250 and len(token.encode()) > 1000:  # PostgreSQL does not stem what cannot be a word
            return (text,)
        if not text or text in self.stopwords:
            return ()
        return (self.stemmer.stemWord(text) or text,)


unaccent = functools.cache(Unaccent)  # the one unaccent dictionary, its rules read on first use
snowball = functools.cache(Snowball)  # the <language>_stem dictionary, one per language, made on first use


def simple(token):
    return (lower(token),) if token else ()


def intdict(token):
    """dict_int with its defaults: integers longer than 6 characters are cut to 6."""
    return (token[:6],)
