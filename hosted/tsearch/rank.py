"""ts_rank_cd(vector, query, 32)::float8 as PostgreSQL 15 computes it: cover density over the query's covers.

Follows src/backend/utils/adt/tsrank.c (calc_rank_cd, Cover, get_docrep) with normalization 32.
"""
import bisect
import struct

from .tsquery import AND, OR
from .tsvector_op import phrase_ends

_FLOAT4 = struct.Struct("f")


def float4(value):
    """value rounded to float4, as ts_rank_cd returns it (::float8 then widens it exactly)."""
    return _FLOAT4.unpack(_FLOAT4.pack(value))[0]


_INV_WEIGHTS = [1.0 / float4(w) for w in (0.1, 0.2, 0.4, 1.0)]  # of weights D, C, B, A: float4s, inverted in double
HEAVIEST = [1.0 / inverse for inverse in _INV_WEIGHTS]  # a weight as a one-occurrence cover counts it


def rank_cd(query, entries):
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
        return float4(wdoc / (wdoc + 1)) if wdoc else 0.0
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
        return float4(wdoc / (wdoc + 1))
    if query._pair:
        wdoc, before = 0.0, None
        for key in keys:
            if before is not None and key & low != before & low:
                noise = (key >> shift + 2) - (before >> shift + 2) - 1
                wdoc += 2 / (_INV_WEIGHTS[before >> shift & 3] + _INV_WEIGHTS[key >> shift & 3]) / (
                    1 + noise if noise > 0 else 1)
            before = key
        return float4(wdoc / (wdoc + 1))
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
    return float4(wdoc / (wdoc + 1))


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
    ends = phrase_ends(atom, lambda lexeme: [positions[index] for index in where[lexeme]])[0]
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
