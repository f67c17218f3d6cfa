"""tsquery from text: websearch_to_tsquery, and the parsed query @@ and ts_rank_cd apply.

Follows src/backend/tsearch/to_tsany.c (websearch_to_tsquery, pushval_morph) and src/backend/utils/adt/tsquery.c
(gettoken_query_websearch, makepol); the query is compiled for tsvector_op.py's @@ and rank.py's ts_rank_cd.
"""
import itertools

from . import rank
from .configs import MAXSTRLEN, config_chains, parsetext
from .search_by_text import PHRASE_OPERAND_COST
from .ts_locale import ALNUM, CLASS_BITS, is_space
from .tsquery import AND, NOT, OR, PHRASE, PRIORITY, VAL, clean_stopwords, infix, left_spine, operands
from .tsvector_op import evaluate, junction, phrase_ends, phrase_shape, plain_positions
from .vector import TSVector


class QueryError(ValueError):
    """PostgreSQL raises this error for the query text (the hosted service answers 500)."""


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
        self.lexemes = frozenset(operands(root)) if root else frozenset()
        self._order = sorted(self.lexemes, key=str.encode)  # the tsvector's order, which breaks ties in ranking
        self._atoms = []  # (lexeme, None) or (phrase, (width, first lexeme, last lexeme, its lexemes))
        self._formula = self._compile(root, {}) if root else None
        self._truths = {}
        self._junction = junction(self._formula) if root else None  # AND or OR if the formula is all of one
        words_only = all(shape is None for _, shape in self._atoms)
        # Each occurrence is a cover of its own for words joined by OR (or one word); under an AND of words a
        # cover holds all of them, so a document of n occurrences has at most n - (words - 1) covers.
        self._each = words_only and (self._junction == OR or (self._junction == AND and len(self._atoms) == 1))
        self._slack = len(self._atoms) - 1 if words_only and self._junction == AND else 0
        # Under an AND of two words, the covers are the neighbouring occurrences of different words.
        self._pair = words_only and self._junction == AND and len(self._atoms) == 2
        # What ranking one chunk costs, in MAX_SEARCH_COST's units: its lexemes are looked up, its phrases matched.
        self.cost = len(self._order) + PHRASE_OPERAND_COST * sum(
            sum(1 for _ in operands(atom)) for atom, shape in self._atoms if shape is not None)

    def __str__(self):
        return infix(self.root) if self.root else ""

    def __repr__(self):
        return f"TSQuery({str(self)!r})"

    def _compile(self, node, bits):
        """The formula of node: (VAL, atom bit), (NOT, f), (AND | OR, f, g)."""
        spine = left_spine(node, (NOT, AND, OR))
        leaf = spine.pop()
        key = leaf[1] if leaf[0] == VAL else leaf
        if key not in bits:
            bits[key] = len(self._atoms)
            self._atoms.append((leaf[1], None) if leaf[0] == VAL else (leaf, phrase_shape(leaf)))
        formula = (VAL, bits[key])
        for node in reversed(spine):
            formula = (NOT, formula) if node[0] == NOT else (node[0], formula, self._compile(node[2], bits))
        return formula

    def _holds(self, mask):
        """Whether the formula holds when the atoms of `mask` do (memoized)."""
        truth = self._truths.get(mask)
        if truth is None:
            truth = self._truths[mask] = evaluate(self._formula, mask)
        return truth

    def _present(self, entries):
        """The mask of the atoms that hold in a document of these entries."""
        mask = 0
        for bit, (atom, shape) in enumerate(self._atoms):
            if shape is None:
                present = atom in entries
            else:
                present = bool(phrase_ends(atom, lambda lexeme: plain_positions(entries.get(lexeme)))[0])
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
        return rank.rank_cd(self, entries)


def websearch_to_tsquery(config, text):
    """websearch_to_tsquery(config, text): "phrases", or, -negation; raises UnknownConfig or QueryError."""
    builder = _QueryBuilder(config_chains(config), text)
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
        words = parsetext(self.chains, word)
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
        priority = PRIORITY[op]
        while stack:
            top = PRIORITY[stack[-1][0]]
            if (op != NOT and priority > top) or (op == NOT and priority >= top):
                break
            self.push_operator(*stack.pop())

    def root(self):
        if not self.nodes:
            return None
        root = self.nodes[-1]
        if self.stops:
            root = clean_stopwords(root)[0]
        return root


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
            if not is_space(ch):
                end = i + 1  # a word may start with ':', which ends it anywhere else
                while end < n and text[end] not in _WORD_ENDS and not is_space(text[end]):
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
            if not is_space(ch):
                waiting_operand = True
                yield "op", (AND, 0)
                continue
        i += 1


def _is_or(text, i):
    """parse_or_operator: 'or' (any case) not starting a word, with something other than blanks after it."""
    if text[i:i + 2].lower() != "or" or not text[i:i + 2].isascii():
        return False
    j = i + 2
    if j >= len(text) or text[j] in "-_" or CLASS_BITS[text[j]] & ALNUM:
        return False
    j += 1
    while j < len(text) and is_space(text[j]):
        j += 1
    return j < len(text)
