"""tsvector: to_tsvector, setweight, || and the text form, as PostgreSQL 15 computes them.

Follows src/backend/utils/adt/tsvector.c (the type and its text form), src/backend/tsearch/to_tsany.c
(to_tsvector, make_tsvector) and src/backend/utils/adt/tsvector_op.c (setweight, tsvector_concat). doc_vector is
the docs table's trigger (src/memory-store/migrations/000030_add_unaccent_search_config.up.sql).
"""
import json

from .configs import DOCS_CONFIG, MAXENTRYPOS, config_chains, parsetext

MAXNUMPOS = 256  # positions a lexeme keeps
WEIGHTS = {"A": 3, "B": 2, "C": 1, "D": 0}  # weight codes as PostgreSQL packs them above a position's 14 bits

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
    for lexeme, position in parsetext(config_chains(DOCS_CONFIG), text):
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
