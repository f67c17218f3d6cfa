"""search_by_text over many chunks: the best `limit` that match, ranked, without ranking every one.

Follows the SQL function search_by_text of src/memory-store/migrations/000044_search_optimize.up.sql
(`search_tsv @@ query ORDER BY ts_rank_cd(search_tsv, query, 32) DESC LIMIT limit`), with the same results: only the
chunks that hold one of the query's lexemes (by their postings) are ranked, in order of a bound on their rank, until
no further chunk can make the limit.
"""
import heapq
import itertools
import struct

from .rank import HEAVIEST, float4
from .tsquery import AND, NOT, OR, left_spine

# What search() may spend on one query: its cost times the chunks it ranks. On the 2-core development machine, busy
# with other work (one run each): 600 words or'd over 3,000 chunks (1.8 million) 0.42 s, 33 three-word phrases
# or'd over 1,000 (2.0 million) 0.44 s; 507 such phrases (30 million) took 10.2 s.
MAX_SEARCH_COST = 2_000_000
# Units for an operand of a phrase (matched by positions) where a lexeme costs 1 (TSQuery.cost); measured ~18x.
PHRASE_OPERAND_COST = 20


class TooCostly(ValueError):
    """search() would spend more than MAX_SEARCH_COST on the query: (words and phrases, chunks to rank)."""


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
        bounded = [((len(packed) >> 1) * HEAVIEST[max(packed[1::2]) >> 6], key)
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
            bounded.append(((count - query._slack) * HEAVIEST[heaviest], key))
    bounded.sort(key=lambda item: item[0], reverse=True)
    best = []  # a heap of the best (score, _Newer(key)) so far: its first the lowest score, of those the newest key
    for bound, key in bounded:
        if len(best) == limit:
            highest = float4(bound * (1 + 1e-9) / (bound + 1))  # room left for rounding
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
    spine = left_spine(formula, (NOT, AND, OR))
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
