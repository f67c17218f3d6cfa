"""tsvector @@ tsquery on a query compiled into atoms: TS_execute and TS_phrase_execute of PostgreSQL 15.

Follows src/backend/utils/adt/tsvector_op.c: a phrase holds where its operands' positions are at its distances, the
formula of NOT, AND and OR over the atoms as TS_execute evaluates it.
"""
from .tsquery import AND, NOT, OR, PHRASE, VAL, left_spine, operands


def junction(formula):
    """AND if the formula is atoms joined by AND (or one atom), OR if joined by OR, else None."""
    ops = set()
    stack = [formula]
    while stack:
        node = stack.pop()
        if node[0] != VAL:
            ops.add(node[0])
            stack.extend(node[1:])
    return AND if ops <= {AND} else OR if ops == {OR} else None


def phrase_shape(node):
    """A phrase's width (the distance from its first operand to its last), first and last lexeme, and lexemes."""
    spine = left_spine(node, (PHRASE,))
    width = sum(phrase_shape(step[2])[0] + step[3] for step in spine[:-1])
    last = node
    while last[0] == PHRASE:
        last = last[2]
    return width, spine[-1][1], last[1], frozenset(operands(node))


def evaluate(formula, mask):
    """TS_execute on atoms: does the formula hold when the atoms of `mask` do?"""
    spine = left_spine(formula, (NOT, AND, OR))
    value = bool(mask >> spine.pop()[1] & 1)
    for node in reversed(spine):
        if node[0] == NOT:
            value = not value
        elif node[0] == AND:
            value = value and evaluate(node[2], mask)
        else:
            value = value or evaluate(node[2], mask)
    return value


def plain_positions(packed):
    return None if packed is None else [p & 0x3FFF for p in packed]


def phrase_ends(node, positions_of):
    """TS_phrase_execute for operands and <N>: (positions where the phrase ends, its width)."""
    spine = left_spine(node, (PHRASE,))
    ends, width = positions_of(spine.pop()[1]) or (), 0
    for node in reversed(spine):
        if not ends:
            return (), 0
        right, rwidth = phrase_ends(node[2], positions_of)
        offset = node[3] + rwidth
        starts = {p + offset for p in ends}
        ends, width = [p for p in right if p in starts], node[3] + width + rwidth
    return ends, width
