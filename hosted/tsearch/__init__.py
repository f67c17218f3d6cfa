"""PostgreSQL 15 full-text search as the hosted service's database does it, in pure Python.

The hosted docs table indexes each chunk with the trigger of
src/memory-store/migrations/000030_add_unaccent_search_config.up.sql,
    setweight(to_tsvector('english_unaccent', title), 'A') || setweight(to_tsvector('english_unaccent', content), 'B')
and search_by_text (000044_search_optimize.up.sql) keeps the rows where `search_tsv @@ websearch_to_tsquery(config,
text)`, scored `ts_rank_cd(search_tsv, query, 32)::float8`. This package computes all of that as PostgreSQL 15 does,
for the text-search configurations the migrations leave behind (000006_docs.up.sql maps int/uint to intdict in
most languages; 000030 puts unaccent before english_stem for the word types that are not all ASCII).

    vector = doc_vector(title, content)               # the trigger's search_tsv; TSVector.dumps() stores it
    query = websearch_to_tsquery("english_unaccent", text)   # UnknownConfig for a config PostgreSQL lacks
    query.matches(vector), query.rank_cd(vector)       # @@ and ts_rank_cd(vector, query, 32)::float8
    search(query, postings, limit, rest)               # ORDER BY score DESC LIMIT limit over many chunks, by the
                                                       # {lexeme: {chunk: pack(positions)}} of the query's lexemes

Its modules follow PostgreSQL's own files, from the characters up:
    ts_locale       character classes and lowercasing (ts_locale.c; data/ctype.txt)
    parser          the default parser, ts_parse (wparser_def.c)
    dicts           simple, the Snowball stemmers, intdict, unaccent (dict_*.c, unaccent.c; data/*.stop, *.rules)
    configs         the configurations after the migrations, and parsetext (ts_cache.c, ts_parse.c)
    vector          tsvector: to_tsvector, setweight, || (tsvector.c, to_tsany.c, tsvector_op.c)
    tsquery         the query tree, its text form and stop-word cleanup (tsquery.c, tsquery_cleanup.c)
    tsvector_op     @@ (tsvector_op.c's TS_execute, TS_phrase_execute)
    rank            ts_rank_cd (tsrank.c)
    query           websearch_to_tsquery and the parsed query (to_tsany.c, tsquery.c)
    search_by_text  the best `limit` matching chunks, ranked (000044_search_optimize.up.sql)

Tables (data/: PostgreSQL's unaccent.rules and stop-word lists, and the character classes and lowercasing of
PostgreSQL 15 in a C.UTF-8 database, tools/gen_tsearch_ctype.py) are read on first use, not at import.
"""
from .configs import CONFIGS, DOCS_CONFIG, UnknownConfig
from .parser import TOKEN_TYPES, ts_parse
from .query import QueryError, TSQuery, websearch_to_tsquery
from .search_by_text import MAX_SEARCH_COST, TooCostly, pack, postings, search
from .vector import TSVector, concat, doc_vector, to_tsvector

__all__ = ["CONFIGS", "DOCS_CONFIG", "MAX_SEARCH_COST", "TOKEN_TYPES", "QueryError", "TSQuery", "TSVector",
           "TooCostly", "UnknownConfig", "concat", "doc_vector", "pack", "postings", "search", "to_tsvector",
           "ts_parse", "websearch_to_tsquery"]
