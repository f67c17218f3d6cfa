"""The tsquery tree: its nodes, its text form and its cleaning of stop words, as PostgreSQL 15 has them.

Follows src/include/tsearch/ts_type.h (QueryItem: operands and the operators !, &, |, <N>), the text form of
src/backend/utils/adt/tsquery.c (tsqueryout) and src/backend/utils/adt/tsquery_cleanup.c (clean_stopword_intree).
"""

# Nodes: (VAL, lexeme), (NOT, child), (AND | OR, left, right), (PHRASE, left, right, distance); STOP (None)
# stands for a stop word until the query is cleaned of them.
VAL, NOT, AND, OR, PHRASE = 0, 1, 2, 3, 4
PRIORITY = {NOT: 4, PHRASE: 3, AND: 2, OR: 1}


def operands(node):
    stack = [node]
    while stack:
        node = stack.pop()
        if node[0] == VAL:
            yield node[1]
        else:
            stack.extend(node[1:2] if node[0] == NOT else node[1:3])


def left_spine(node, through=(NOT, AND, OR, PHRASE)):
    """The node, its left child (a NOT's only one), that one's, … down to the first not of `through` (or STOP).

    Queries grow deep only on the left ("a b c …" is ((a & b) & c) …), so walking the spine and recursing on
    the right children alone keeps recursion shallow for queries of any length.
    """
    spine = [node]
    while node is not None and node[0] in through:
        node = node[1]
        spine.append(node)
    return spine


def clean_stopwords(node):
    """clean_stopword_intree: (node without stop words or None, left and right distance to add)."""
    spine = left_spine(node)
    leaf = spine.pop()
    result, ladd, radd = leaf, 0, 0  # a VAL, or STOP, which vanishes
    for node in reversed(spine):
        op = node[0]
        if op == NOT:
            result = None if result is None else (NOT, result)
            continue
        left, lladd, lradd = result, ladd, radd
        right, rladd, rradd = clean_stopwords(node[2])
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


def infix(node, parent_priority=-1, right_of_phrase=False):
    """tsqueryout: operands quoted, operators spaced, "( … )" where priorities need them."""
    spine = left_spine(node)
    text = "'" + spine[-1][1].replace("'", "''").replace("\\", "\\\\") + "'"
    for depth in range(len(spine) - 2, -1, -1):
        node = spine[depth]
        op = node[0]
        if op == NOT:
            text = "!" + text
            continue
        priority = PRIORITY[op]
        right = infix(node[2], priority, op == PHRASE)
        if op == PHRASE:
            text = f"{text} <{'-' if node[3] == 1 else node[3]}> {right}"
        else:
            text = f"{text} {'&' if op == AND else '|'} {right}"
        outer = PRIORITY[spine[depth - 1][0]] if depth else parent_priority
        if priority < outer or (op == PHRASE and depth == 0 and right_of_phrase):
            text = f"( {text} )"
    return text
