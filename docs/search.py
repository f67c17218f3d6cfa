"""POST /users/{id}/search as the hosted service runs it: get_doc_search.py, then mig:000044's search_by_text,
search_by_vector and search_hybrid, then the router's embedding strip and MMR (common/utils/mmr.py)."""

import bisect
import contextlib
import json
import math
from array import array

from ..errors import EmptyEmbedding, EmptyQuery, InvalidData, InvalidLanguageCode, NoCosineDistance
from ..hosted import jsonb, tsearch
from ..hosted import pgvector as vectors
from . import db as docs_db
from . import text_index


def search_config(lang):
    """get_language: the text-search configuration an ISO 639 tag names, as langcodes describes it."""
    from langcodes import Language  # imported at first use: 70 ms that start-up need not spend

    try:
        language = Language.get(lang)
        if not language.is_valid():
            raise InvalidLanguageCode()
        if "-" in lang and not (language.territory or language.script):
            if any(len(part) > 3 for part in lang.split("-")[1:]):
                raise InvalidLanguageCode()
        name = language.describe().get("language", "english").lower()
    except (ValueError, AttributeError, KeyError):
        raise InvalidLanguageCode() from None
    return tsearch.DOCS_CONFIG if name == "english" else name


class Found:
    """One result row: a chunk and its distance (a ts_rank_cd score, a cosine distance or a fused one)."""

    __slots__ = ("chunk_id", "distance", "row")

    def __init__(self, chunk_id, distance, row=None):
        self.chunk_id, self.distance, self.row = chunk_id, distance, row


def search(developer_id, user_id, request):
    """The search POST /users/{id}/search asks for, its four stages in the hosted order: the query the body's model
    names, the chunks read, the router's embedding strip and MMR, the NaN check. Its Found rows in the order they are
    answered, and whether they carry their embeddings."""
    found, with_embeddings = post_process(with_rows(query_rows(developer_id, user_id, request)), request)
    return check_distances(found), with_embeddings


def query_rows(developer_id, user_id, request):
    """The query the body's model asks for: its Found rows, in the order the hosted service answers them."""
    model = request["model"]
    config = None if model == "VectorDocSearchRequest" else search_config(request["lang"])
    if model == "VectorDocSearchRequest":
        if not request["vector"]:
            raise EmptyEmbedding()
    elif model == "HybridDocSearchRequest":
        if not request["text"] and not request["vector"]:
            raise EmptyQuery()
        if not request["vector"]:
            raise EmptyEmbedding()
    # What asyncpg and PostgreSQL refuse as data (DataError), before the functions run.
    try:
        query_vector = None if model == "TextOnlyDocSearchRequest" else vectors.float4_values(request["vector"])
        metadata_filter = jsonb.stored(request["metadata_filter"])
        text = None if config is None else jsonb.sanitize_string(request["text"])
    except (vectors.NotAVector, jsonb.NotStorable):
        raise InvalidData("doc", "search") from None
    limit = request["limit"]
    if model == "TextOnlyDocSearchRequest":
        return by_text(developer_id, user_id, text_index.parse_query(config, text), limit, metadata_filter)
    # get_doc_search.py asks for more than `limit` when MMR may thin them out.
    k = min(limit * 2, limit + 10) if request["mmr_strength"] > 0 else limit
    if model == "VectorDocSearchRequest":
        return by_vector(developer_id, user_id, query_vector, k, request["confidence"], metadata_filter)
    query = text_index.parse_query(config, text)
    return hybrid(developer_id, user_id, query, query_vector, k, request, metadata_filter)


def by_text(developer_id, user_id, query, k, metadata_filter):
    """search_by_text: matching chunks by ts_rank_cd(search_tsv, query, 32), highest first."""
    return [Found(chunk_id, score) for score, chunk_id in text_index.search(developer_id, user_id, query, k, metadata_filter)]


def by_vector(developer_id, user_id, query, k, confidence, metadata_filter):
    """search_by_vector: of the GREATEST(8k, 40) chunks of the developer's nearest the query (exactly, where the hosted
    DiskANN index is approximate), those of the user that contain the filter and are within 1 − confidence, by doc_id
    and index (not by distance).

    The user's own chunks are measured first, read whole. The developer's others are read only when they could take
    some of those places: when the user has a chunk to find and the developer more embedded chunks than places;
    then only until enough of them come nearer than the user's nearest.
    """
    query_norm = vectors.norm(query)
    threshold = 1.0 - confidence
    own, candidates = [], []
    for row in docs_db.owner_embedded_chunks(developer_id, user_id):
        embedding = array("f", row["embedding"])
        distance = vectors.cosine_distance(query, query_norm, embedding, vectors.norm(embedding))
        place = nearness(distance, row["doc_id"], row["idx"])
        own.append(place)
        if (confidence <= -1 or distance <= threshold) and jsonb.contains(json.loads(row["metadata"]), metadata_filter):
            candidates.append((place, Found(row["chunk_id"], distance, row)))
    places = max(8 * k, 40)
    if candidates and docs_db.embedded_count(developer_id) > places:
        own.sort()
        candidates.sort(key=lambda candidate: candidate[0])
        nearer = nearer_others(developer_id, user_id, query, query_norm, candidates[0][0], candidates[-1][0], places)
        candidates = [
            (place, found) for place, found in candidates if bisect.bisect(own, place) - 1 + bisect.bisect(nearer, place) < places
        ]
    found = sorted(candidates, key=lambda candidate: candidate[0][2:])  # by doc_id and index
    return [item for _, item in found[:k]]


def nearness(distance, doc_id, idx):
    """A chunk's place in search_by_vector's ORDER BY distance: PostgreSQL sorts NaN after every number (and the
    double breaks ties by doc and index)."""
    return (math.isnan(distance), 0.0 if math.isnan(distance) else distance, doc_id, idx)


def nearer_others(developer_id, user_id, query, query_norm, nearest, farthest, places):
    """The places of the developer's other chunks nearer than `farthest`, in order; the reading stops once `places`
    of them are nearer than `nearest`, which no chunk of the user's can then come before. Most are told farther by
    their sketch (vectors.farther_than), without their whole product."""
    similarity = 1.0 - farthest[1]
    by_sketch = query_norm > 0 and not farthest[0]  # a NaN distance comes after every number
    query_tail_norm = vectors.norm(query[vectors.HEAD :])
    nearer, before_nearest = [], 0
    # Closed when left early, so that its statement holds no read of the database open.
    with contextlib.closing(docs_db.others_embeddings(developer_id, user_id)) as others:
        for doc_id, idx, blob in others:
            if by_sketch and vectors.farther_than(query, query_tail_norm, query_norm, blob, similarity):
                continue
            embedding_norm = vectors.sketch(blob)[0]
            place = nearness(vectors.distance_of(vectors.dot(query, array("f", blob)), query_norm, embedding_norm), doc_id, idx)
            if place < farthest:
                nearer.append(place)
                before_nearest += place < nearest
                if before_nearest >= places:
                    break
    return sorted(nearer)


def hybrid(developer_id, user_id, query, query_vector, k, request, metadata_filter):
    """search_hybrid: k·k_multiplier from each search, their scores DBSF-normalised and fused, lowest distance first.

    As upstream, the vector part adds alpha times the normalised cosine *distance*: farther scores higher.
    """
    wide = k * request["k_multiplier"]
    text_scores = {found.chunk_id: found.distance for found in by_text(developer_id, user_id, query, wide, metadata_filter)}
    vector_found = by_vector(developer_id, user_id, query_vector, wide, request["confidence"], metadata_filter)
    vector_scores = {found.chunk_id: found.distance for found in vector_found}
    rows = docs_db.chunks_by_id(text_scores.keys() | vector_scores.keys())
    numbered = sorted(rows.values(), key=lambda row: (row["doc_id"], row["idx"]))
    norm_text = vectors.dbsf_normalize([text_scores.get(row["chunk_id"], 0.0) for row in numbered])
    norm_vector = vectors.dbsf_normalize([vector_scores.get(row["chunk_id"], 0.0) for row in numbered])
    alpha = request["alpha"]
    text_weight = 1.0 - alpha
    fused = [
        (1.0 - (text_weight * norm_text[n] + alpha * norm_vector[n]), n, Found(row["chunk_id"], None, row))
        for n, row in enumerate(numbered)
    ]
    fused.sort(key=lambda item: (math.isnan(item[0]), item[0], item[1]))
    for distance, _, found in fused:
        found.distance = distance
    return [found for _, _, found in fused[:k]]


def post_process(found, request):
    """The router's steps after the query: embeddings stripped unless included, then MMR over more than `limit`."""
    limit = request["limit"]
    if request["model"] == "TextOnlyDocSearchRequest" or len(found) <= limit or request["mmr_strength"] <= 0:
        return found, request["include_embeddings"]
    if not request["include_embeddings"]:
        return found[:limit], False
    embedded = [item for item in found if item.row["embedding"] is not None]
    if len(embedded) < 2:
        return found[:limit], True
    embeddings = [array("f", item.row["embedding"]) for item in embedded]
    picked = vectors.maximal_marginal_relevance(
        vectors.float4_values(request["vector"]), embeddings, 1 - request["mmr_strength"], min(limit, len(embedded))
    )
    return [embedded[index] for index in dict.fromkeys(picked)], True


def with_rows(found):
    """The Found rows with their chunks read; one whose chunk was deleted since the search found it is left out, as
    if the delete had come first."""
    missing = [item.chunk_id for item in found if item.row is None]
    rows = docs_db.chunks_by_id(missing) if missing else {}
    for item in found:
        if item.row is None:
            item.row = rows.get(item.chunk_id)
    return [item for item in found if item.row is not None]


def check_distances(found):
    """NoCosineDistance for a NaN distance (a zero vector's): the hosted service cannot encode it and fails."""
    if any(item.distance is not None and math.isnan(item.distance) for item in found):
        raise NoCosineDistance()
    return found
