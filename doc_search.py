"""POST /users/{id}/search as the hosted service runs it: get_doc_search.py, then mig:000044's search_by_text,
search_by_vector and search_hybrid, then the router's embedding strip and MMR (common/utils/mmr.py)."""

import json
import math
from array import array

from . import docs_db, jsonb, text_index, vectors
from .errors import EmptyEmbedding, EmptyQuery, InvalidData, InvalidLanguageCode, NoCosineDistance


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
    return text_index.DOCS_CONFIG if name == "english" else name


class Found:
    """One result row: a chunk and its distance (a ts_rank_cd score, a cosine distance or a fused one)."""

    __slots__ = ("chunk_id", "distance", "row")

    def __init__(self, chunk_id, distance, row=None):
        self.chunk_id, self.distance, self.row = chunk_id, distance, row


def search(developer_id, user_id, request):
    """The search the body's model asks for: its Found rows, in the order the hosted service answers them."""
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
        text = None if config is None else jsonb.text_value(request["text"].replace("\x00", ""))
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
    and index (not by distance)."""
    query_norm = vectors.norm(query)
    nearest = []
    for row in docs_db.embedded_chunks(developer_id):
        embedding = array("f", row["embedding"])
        distance = vectors.cosine_distance(query, query_norm, embedding, vectors.norm(embedding))
        nearest.append((math.isnan(distance), distance, row["doc_id"], row["idx"], row))
    nearest.sort(key=lambda item: item[:4])  # PostgreSQL sorts NaN after every number
    threshold = 1.0 - confidence
    found = [
        (row["doc_id"], row["idx"], Found(row["chunk_id"], distance))
        for _, distance, _, _, row in nearest[: max(8 * k, 40)]
        if row["user_id"] == user_id
        and jsonb.contains(json.loads(row["metadata"]), metadata_filter)
        and (confidence <= -1 or distance <= threshold)
    ]
    return [item for _, _, item in sorted(found, key=lambda item: item[:2])[:k]]


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
