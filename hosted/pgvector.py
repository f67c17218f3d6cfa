"""Embeddings as pgvector keeps them (1,024 float4 values) and the arithmetic the hosted search does with them.

Pure Python: a cosine over 1,024 values is one `sum(map(mul, …))`, some 20 µs.
"""

import hashlib
import math
import re
import struct
from array import array
from operator import mul

DIMENSIONS = 1024
FLOAT4 = struct.Struct("f")


class NotAVector(ValueError):
    """pgvector refuses it for vector(1024): another length, NaN, an infinity, or a value past float4."""


def float4_values(values):
    """The values as pgvector stores them, float4, in an array('f'); NotAVector if it cannot."""
    if len(values) != DIMENSIONS:
        raise NotAVector(f"expected {DIMENSIONS} dimensions, not {len(values)}")
    try:
        stored = array("f", values)  # a float past float4 becomes an infinity
    except OverflowError:  # an int past a double
        raise NotAVector(PAST_FLOAT4) from None
    if not all(map(math.isfinite, stored)):
        raise NotAVector(PAST_FLOAT4)
    return stored


PAST_FLOAT4 = "NaN, infinities and values past float4 are not allowed in a vector"


def vector_json(stored):
    """A stored vector as the API writes it: pgvector's shortest float4 text, read back as a float by json."""
    return "[" + ",".join(map(float4_text, stored)) + "]"


FLOAT4_TEXTS = {0.0: "0.0"}


def float4_text(value):
    """repr() of the double that PostgreSQL's shortest text for this float4 value reads back as."""
    text = FLOAT4_TEXTS.get(value)
    if text is None:
        text = repr(float(shortest_float4_digits(value)))
        if len(FLOAT4_TEXTS) < 100_000:
            FLOAT4_TEXTS[value] = text
    return text


def shortest_float4_digits(value):
    """The fewest significant digits that read back as this float4, the nearest of them (as Ryū gives them)."""
    for precision in range(1, 10):
        digits, exponent = f"{value:.{precision - 1}e}".split("e")
        mantissa = int(digits.replace(".", "").replace("-", ""))
        sign = "-" if value < 0 else ""
        scale = int(exponent) - precision + 1
        found = [
            candidate
            for candidate in (mantissa - 1, mantissa, mantissa + 1)
            if candidate > 0 and as_float4(float(f"{sign}{candidate}e{scale}")) == value
        ]
        if found:
            best = min(found, key=lambda candidate: abs(float(f"{sign}{candidate}e{scale}") - value))
            return f"{sign}{best}e{scale}"
    return repr(value)


def as_float4(number):
    return FLOAT4.unpack(FLOAT4.pack(number))[0]


def norm(stored):
    return math.sqrt(sum(map(mul, stored, stored)))


def cosine_distance(a, a_norm, b, b_norm):
    """pgvector's `<=>`: 1 − cosine similarity kept within [−1, 1]; NaN when either vector is zero."""
    return distance_of(dot(a, b), a_norm, b_norm)


def dot(a, b):
    return sum(map(mul, a, b))


def distance_of(product, a_norm, b_norm):
    """cosine_distance() from the vectors' dot product."""
    if not a_norm or not b_norm:
        return math.nan
    return 1.0 - max(-1.0, min(1.0, product / (a_norm * b_norm)))


# An embedding's sketch: its norm, its first HEAD values and the norm of the rest. A dot product with a query is at
# most the HEAD values' own plus the two rests' norms multiplied (Cauchy–Schwarz): some 16 times cheaper, and for
# most embeddings enough to tell that they are farther than a distance given.
HEAD = 64
SKETCHES = {}  # blake2b of the float4 bytes → sketch; a pure function of them, so shared by every database
SKETCHES_KEPT = 50_000  # some 530 bytes each (tracemalloc): 27 MB at most


def sketch(blob):
    """(norm, head, norm of the rest) of the embedding stored as `blob`, kept for its next search."""
    key = hashlib.blake2b(blob, digest_size=16).digest()
    found = SKETCHES.get(key)
    if found is None:
        embedding = array("f", blob)
        found = (norm(embedding), embedding[:HEAD], norm(embedding[HEAD:]))
        if len(SKETCHES) < SKETCHES_KEPT:
            SKETCHES[key] = found
    return found


def farther_than(query, query_tail_norm, query_norm, blob, similarity):
    """Whether the embedding stored as `blob` is certainly less similar than `similarity` to the query (its cosine
    distance more than 1 − similarity), by its sketch; False when only the whole product can tell."""
    embedding_norm, head, tail_norm = sketch(blob)
    bound = (dot(query, head) + query_tail_norm * tail_norm) / (query_norm * embedding_norm)
    return bound + 1e-9 < similarity  # the margin: what rounding in either sum could make of an equal one


def dbsf_normalize(scores):
    """mig:000018 dbsf_normalize: (s − (μ − 3σ)) / 6σ with PostgreSQL's avg and stddev_samp, step by step as
    float8_accum adds them up (Youngs–Cramer); fewer than two scores, or σ = 0, are left as they are."""
    if len(scores) < 2:
        return scores
    count = total = squares = 0.0
    for score in scores:
        count += 1.0
        total += score
        if count > 1.0:
            deviation = score * count - total
            squares += deviation * deviation / (count * (count - 1.0))
    sd = math.sqrt(squares / (count - 1.0)) if squares > 0.0 else 0.0
    if sd == 0:
        return scores
    mean = total / count
    upper, lower = 3 * sd + mean, mean - 3 * sd
    return [(score - lower) / (upper - lower) for score in scores]


def maximal_marginal_relevance(query, embeddings, lambda_mult, k):
    """common/utils/mmr.py: indices into `embeddings`, the most similar to the query first, then each time the one
    that best balances similarity to the query (λ) against similarity to those already picked (1 − λ)."""
    query_norm = norm(query)
    norms = [norm(embedding) for embedding in embeddings]
    to_query = [similarity(query, query_norm, embedding, n) for embedding, n in zip(embeddings, norms)]
    picked = [max(range(len(embeddings)), key=to_query.__getitem__)]
    redundancy = [-math.inf] * len(embeddings)
    while len(picked) < min(k, len(embeddings)):
        last = picked[-1]
        best_score, best = -math.inf, -1
        for index, query_score in enumerate(to_query):
            if index in picked:
                continue
            redundancy[index] = max(redundancy[index], similarity(embeddings[index], norms[index], embeddings[last], norms[last]))
            score = lambda_mult * query_score - (1 - lambda_mult) * redundancy[index]
            if score > best_score:
                best_score, best = score, index
        picked.append(best)
    return picked


def similarity(a, a_norm, b, b_norm):
    # mmr.py's numpy fallback: a zero vector is similar to nothing.
    if not a_norm or not b_norm:
        return 0.0
    return sum(map(mul, a, b)) / (a_norm * b_norm)


WORDS = re.compile(rb"[0-9A-Za-z]+|[\x80-\xff]+")


def local_embedding(title, content):
    """The double's stand-in for text-embedding-3-large (EMBED_NEW_CHUNKS): not semantic, only lexical.

    The vectorizer's input, `Title: {title}\\n\\n{chunk}` as UTF-8, is cut into runs of ASCII letters and digits
    (ASCII-lowercased) and runs of other bytes; each run adds ±1 to one of the 1,024 dimensions, both chosen by
    its BLAKE2b hash; the sum is scaled to length 1 and stored as float4. The same text gives the same vector on
    every run and machine, and texts that share words get close vectors. A chunk of nothing but whitespace is
    never embedded: the vectorizer's text splitter gives it no chunk.
    """
    if not content.strip():
        return None
    sums = [0.0] * DIMENSIONS
    for word in WORDS.findall(f"Title: {title}\n\n{content}".encode(errors="surrogatepass").lower()):
        code = int.from_bytes(hashlib.blake2b(word, digest_size=8).digest(), "little")
        sums[code % DIMENSIONS] += 1.0 if code >> 63 else -1.0
    length = norm(sums)
    return array("f", [value / length for value in sums]) if length else None
