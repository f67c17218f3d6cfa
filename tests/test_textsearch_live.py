"""hosted/tsearch against a real PostgreSQL 15 with julep's text-search migrations: ts_parse, to_tsvector, the docs
trigger's vector, websearch_to_tsquery, @@ and ts_rank_cd(…, 32)::float8 must all come out the same."""
import pathlib
import random
import re
import sys
import sysconfig

import pytest

import pg15
import textsearch_corpus as corpus
from julep_users_double.hosted import tsearch
from julep_users_double.hosted.tsearch import dicts, ts_locale

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tools"))
import gen_tsearch_ctype  # noqa: E402  (the tool that made hosted/tsearch/data/ctype.txt, and reads the server alike)

pytestmark = pytest.mark.live

RNG = random.Random(20261201)
# Texts on which the machine backtracks from every token to the end (tests/test_tsearch.py counts its steps).
BACKTRACKING = [unit * 300 + end for unit in ("a_", "./", "~/", "1_", "a1_", "<!--", "a-1", "1.1.", "a@", "<a '")
                for end in ("", "b.com", "x", " -->", "'>")]
TEXTS = (corpus.SENTENCES + corpus.TITLES + [corpus.random_text(RNG) for _ in range(300)]
         + [corpus.random_soup(RNG) for _ in range(2000)] + BACKTRACKING)
QUERIES = (corpus.QUERIES + [corpus.random_query(RNG) for _ in range(500)]
           + [corpus.random_soup(RNG) for _ in range(2000)])
DOCS = [(corpus.TITLES[i % len(corpus.TITLES)], corpus.random_text(RNG)) for i in range(150)] + [
    (title, text) for title, text in zip(corpus.TITLES * 20, corpus.SENTENCES)]
LIMIT_TEXTS = [
    "fox " * 300, "fox " * 255 + "dog", "a-b " * 7000, "x " * 17000 + "fox dog", "fox dog " * 9000,
    "s" * 998 + "es", "s" * 1001 + "es", "é" * 600 + "s", "a" * 2046, "a" * 2047, "é" * 1023, "é" * 1024,
    "Ⱥ" * 1023, "running " + "b" * 1500 + "ing", "-1234567 +1234567 123456 1234567890 -12 007",
]
LIMIT_QUERIES = [
    "-" * 32 + "fox", "-" * 33 + "fox", "- " * 40 + "fox", "-" * 40, "fox " + "-a " * 40, "Ⱥ" * 1000,
    '"' + "fox " * 300 + '"', "fox " * 2000, "fox or " * 500 + "dog", "a " * 40,
]


@pytest.fixture(scope="module")
def pg():
    with pg15.started_or_skipped() as server:
        server.psql("CREATE FUNCTION web(config text, q text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN "
                    "RETURN websearch_to_tsquery(config::regconfig, q)::text; "
                    "EXCEPTION WHEN others THEN RETURN 'ERROR: ' || SQLERRM; END $$;")
        yield server


def assert_same(cases):
    """cases: (input, PostgreSQL's answer, ours); all must agree."""
    cases = list(cases)
    differ = [case for case in cases if case[1] != case[2]]
    assert not differ, f"{len(differ)} of {len(cases)} differ, e.g.:\n" + "\n".join(map(repr, differ[:10]))


def ours_or_error(parse, text):
    try:
        return str(parse(text))
    except tsearch.QueryError as error:
        return f"ERROR: {error}"


def test_tokens(pg):
    rows = pg.rows("SELECT i, (SELECT string_agg(tokid || ' ' || token, E'\\x01') FROM ts_parse('default', a)) "
                   "FROM t", [(text,) for text in TEXTS])
    assert_same((text, got, "\x01".join(f"{kind} {token}" for kind, token in tsearch.ts_parse(text)))
                for text, (_, got) in zip(TEXTS, rows))


def test_vectors(pg):
    texts = TEXTS + LIMIT_TEXTS
    rows = pg.rows("SELECT i, to_tsvector('english_unaccent', a)::text FROM t", [(text,) for text in texts])
    assert_same((text, got, str(tsearch.to_tsvector(text))) for text, (_, got) in zip(texts, rows))


def test_doc_vectors_as_the_trigger_makes_them(pg):
    docs = DOCS + [("fox " * 200, text) for text in LIMIT_TEXTS[:5]]
    rows = pg.rows("SELECT i, (setweight(to_tsvector('english_unaccent', a), 'A') || "
                   "setweight(to_tsvector('english_unaccent', b), 'B'))::text FROM t", docs, columns=("a", "b"))
    assert_same((doc, got, str(tsearch.doc_vector(*doc))) for doc, (_, got) in zip(docs, rows))


def test_queries(pg):
    queries = QUERIES + LIMIT_QUERIES
    rows = pg.rows("SELECT i, web('english_unaccent', a) FROM t", [(q,) for q in queries])
    parse = lambda q: tsearch.websearch_to_tsquery("english_unaccent", q)
    assert_same((q, got, ours_or_error(parse, q)) for q, (_, got) in zip(queries, rows))


def matches_and_ranks(pg, docs, queries):
    """(doc, query) -> (@@, ts_rank_cd(…, 32)::float8) for every pair, as PostgreSQL and as we compute them."""
    setup = (pg.table("d", docs, ("title", "content")) + pg.table("q", [(q,) for q in queries])
             + "CREATE TEMP TABLE v AS SELECT i, setweight(to_tsvector('english_unaccent', title), 'A') || "
               "setweight(to_tsvector('english_unaccent', content), 'B') v FROM d;\n"
               "CREATE TEMP TABLE w AS SELECT i, websearch_to_tsquery('english_unaccent', a) w FROM q;\n")
    rows = pg.query("SELECT v.i, w.i, v @@ w, ts_rank_cd(v, w, 32)::float8 FROM v, w ORDER BY v.i, w.i", setup)
    vectors = [tsearch.doc_vector(*doc) for doc in docs]
    parsed = [tsearch.websearch_to_tsquery("english_unaccent", q) for q in queries]
    for d, q, match, rank in rows:
        vector, query = vectors[int(d)], parsed[int(q)]
        yield (docs[int(d)][0][:20], docs[int(d)][1][:40], queries[int(q)]), (match == "t", float(rank)), (
            query.matches(vector), query.rank_cd(vector))


def test_matches_and_ranks(pg):
    """Every doc against every query: the same rows match, with the same float8 score to the last bit."""
    cases = list(matches_and_ranks(pg, DOCS, corpus.QUERIES + [corpus.random_query(RNG) for _ in range(100)]))
    assert sum(theirs[0] for _, theirs, _ in cases) > 1000  # the corpus exercises matches, not only misses
    assert_same(cases)


def test_search_keeps_the_best_scores_as_order_by_limit_does(pg):
    """search() over the docs' postings: the scores of WHERE v @@ q ORDER BY score DESC LIMIT 10 (ties aside)."""
    queries = corpus.QUERIES + [corpus.random_query(RNG) for _ in range(100)]
    setup = (pg.table("d", DOCS, ("title", "content")) + pg.table("q", [(q,) for q in queries])
             + "CREATE TEMP TABLE v AS SELECT setweight(to_tsvector('english_unaccent', title), 'A') || "
               "setweight(to_tsvector('english_unaccent', content), 'B') v FROM d;\n")
    rows = pg.query("SELECT i, (SELECT string_agg(s::text, ',') FROM (SELECT ts_rank_cd(v, w, 32)::float8 s FROM v "
                    "WHERE v @@ w ORDER BY s DESC LIMIT 10) best) FROM "
                    "(SELECT i, websearch_to_tsquery('english_unaccent', a) w FROM q) s ORDER BY i", setup)
    vectors = [tsearch.doc_vector(*doc) for doc in DOCS]
    index = tsearch.postings(enumerate(vectors))
    cases = []
    for q, (_, got) in zip(queries, rows):
        query = tsearch.websearch_to_tsquery("english_unaccent", q)
        rest = [k for k, vector in enumerate(vectors) if not query.lexemes & vector.entries.keys()]
        ours = [score for score, _ in tsearch.search(query, index, 10, rest)]
        cases.append((q, [float(score) for score in got.split(",")] if got else [], ours))
    assert_same(cases)


def test_long_documents_and_many_positions_rank_alike(pg):
    docs = [(title, text) for title in ("fox " * 200, "Fox dog", "") for text in LIMIT_TEXTS[:5]]
    queries = ["fox", "fox dog", '"fox dog"', "dog -fox", "-fox", "fox or dog", '"dog fox"', "a-b", '"a b"', "x"]
    assert_same(matches_and_ranks(pg, docs, queries))


def test_other_languages_parse_queries_alike(pg):
    cases = [(config, text) for config in sorted(tsearch.CONFIGS)
             for text in corpus.FOREIGN.get(config, []) + corpus.QUERIES[:80] + ["1234567 -42 naïve Ⱥ", "Ⱥ" * 1000]]
    rows = pg.rows("SELECT i, web(a, b) FROM t", cases, columns=("a", "b"))
    assert_same(((config, text), got, ours_or_error(lambda q: tsearch.websearch_to_tsquery(config, q), text))
                for (config, text), (_, got) in zip(cases, rows))


def test_a_configuration_that_does_not_exist(pg):
    rows = pg.rows("SELECT i, web(a, 'fox') FROM t", [("japanese",), ("polish",)])
    assert [got for _, got in rows] == [f'ERROR: text search configuration "{name}" does not exist'
                                        for name in ("japanese", "polish")]
    for name in ("japanese", "polish"):
        with pytest.raises(tsearch.UnknownConfig):
            tsearch.websearch_to_tsquery(name, "fox")


def stdlib_words():
    """Distinct ASCII words of the Python standard library's sources: tens of thousands of stemmer inputs."""
    words = set()
    for path in pathlib.Path(sysconfig.get_paths()["stdlib"]).glob("*.py"):
        words.update(re.findall(r"[a-z]+", path.read_text(encoding="utf-8", errors="ignore").lower()))
    return sorted(words)


def test_english_stems(pg):
    words = stdlib_words()
    rows = pg.rows("SELECT i, array_to_string(ts_lexize('english_stem', a), ',') FROM t", [(w,) for w in words])
    assert len(words) > 10_000
    assert_same((word, got, ",".join(tsearch.to_tsvector(word).entries)) for word, (_, got) in zip(words, rows))


def test_unaccent_rules(pg):
    sources = [line.split()[0] for line in (ts_locale.DATA / "unaccent.rules").read_text(encoding="utf-8").splitlines()]
    rows = pg.rows("SELECT i, unaccent(a) FROM t", [(source,) for source in sources])
    unaccent = dicts.unaccent()
    assert_same((source, got, unaccent(source) if unaccent(source) is not None else source)
                for source, (_, got) in zip(sources, rows))


def test_character_classes_and_lowercasing(pg):
    """hosted/tsearch/data/ctype.txt against the server, every code point, read as tools/gen_tsearch_ctype.py reads it."""
    theirs = gen_tsearch_ctype.classes(pg.query(gen_tsearch_ctype.PROBE))
    codes = [c for c in range(1, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    ours = {"alpha": [], "special": [], "space": [], "lower": {}}
    for c in codes:
        bits = ts_locale.CLASS_BITS[chr(c)]
        for name, bit in (("alpha", ts_locale.ALPHA), ("special", ts_locale.SPECIAL), ("space", ts_locale.SPACE)):
            if bits & bit:
                ours[name].append(c)
        if ts_locale.lower(chr(c)) != chr(c):
            ours["lower"][c] = ord(ts_locale.lower(chr(c)))
    assert len(codes) > 1_000_000
    assert_same((name, theirs[name], ours[name]) for name in ours)
