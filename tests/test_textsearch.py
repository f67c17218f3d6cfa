"""hosted/tsearch: what PostgreSQL 15 answers, one input and its exact output at a time (tests/test_textsearch_live.py
compares the same functions with a real server over many more)."""
import sys

import pytest

from julep_users_double.hosted.tsearch import (
    MAX_SEARCH_COST, TOKEN_TYPES, QueryError, TooCostly, TSVector, UnknownConfig, concat, doc_vector, postings, search,
    to_tsvector, ts_parse, websearch_to_tsquery)


def query(text, config="english_unaccent"):
    return websearch_to_tsquery(config, text)


# --- the default parser: ts_parse('default', text) -----------------------------------------------------------

@pytest.mark.parametrize("text, tokens", [
    ("Foxes, café!", [(1, "Foxes"), (12, ", "), (2, "café"), (12, "!")]),
    ("abc123", [(3, "abc123")]),
    ("foo-bar", [(16, "foo-bar"), (11, "foo"), (12, "-"), (11, "bar")]),
    ("naïve-ish", [(17, "naïve-ish"), (10, "naïve"), (12, "-"), (11, "ish")]),
    ("covid-19", [(1, "covid"), (21, "-19")]),  # a digit after a hyphen makes a signed integer
    ("42 -7 +3 3.14 -1.5 6.022e23 1.2.3", [
        (22, "42"), (12, " "), (21, "-7"), (12, " "), (21, "+3"), (12, " "), (20, "3.14"), (12, " "),
        (20, "-1.5"), (12, " "), (7, "6.022e23"), (12, " "), (8, "1.2.3")]),
    ("-1.2.3", [(12, "-"), (8, "1.2.3")]),
    ("http://Example.com/Path?q=1", [
        (14, "http://"), (5, "Example.com/Path?q=1"), (6, "Example.com"), (18, "/Path?q=1")]),
    ("jane@example.org www.example.com:8080", [
        (4, "jane@example.org"), (12, " "), (6, "www.example.com:8080")]),
    ("/usr/bin ~/x.py ../up", [(19, "/usr/bin"), (12, " ~"), (19, "/x.py"), (12, " .."), (19, "/up")]),
    ("<b>bold</b> &amp; &#169;", [
        (13, "<b>"), (1, "bold"), (13, "</b>"), (12, " "), (23, "&amp;"), (12, " "), (23, "&#169;")]),
    ("<script>hidden()</script>shown", [(13, "<script>"), (12, "hidden()"), (13, "</script>"), (1, "shown")]),
    ("don’t\u00a0stop", [(1, "don"), (12, "’"), (1, "t"), (12, "\u00a0"), (1, "stop")]),
    ("cafe\u0301", [(2, "cafe\u0301")]),  # a combining accent goes on with the word
    ("", []),
])
def test_tokens(text, tokens):
    assert ts_parse(text) == tokens


def builtin_calls(function, *args):
    """The calls of builtins (dict.get, list.append, …) function(*args) makes: its steps, counted, not timed."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        count += event == "c_call"

    sys.setprofile(profile)
    try:
        function(*args)
    finally:
        sys.setprofile(None)
    return count


# Each of these made PostgreSQL's machine read on to the end of the text from every token: a host (a_a_…), a path
# (./., ~/~/), a comment (<!--). PostgreSQL's tokens for them are in tests/test_textsearch_live.py (BACKTRACKING).
@pytest.mark.parametrize("unit", ["a_", "./", "~/", "1_", "a1_", "<!--"])
def test_the_parser_takes_steps_in_proportion_to_the_text(unit):
    assert builtin_calls(ts_parse, unit * 800) < 2.2 * builtin_calls(ts_parse, unit * 400)


def test_pieces_of_hosts_and_paths_parse_as_postgresql_does():
    assert ts_parse("a_a_b.com x_") == [(6, "a_a_b.com"), (12, " "), (1, "x"), (12, "_")]
    assert ts_parse("a_a_") == [(1, "a"), (12, "_"), (1, "a"), (12, "_")]
    assert ts_parse("././") == [(12, "."), (12, "/."), (12, "/")]
    assert ts_parse("<!-- a") == [(12, "<!"), (12, "-"), (12, "- "), (1, "a")]


def test_token_types_have_postgresql_s_names():
    assert [TOKEN_TYPES[kind] for kind, _ in ts_parse("e-mail 2.0")] == [
        "asciihword", "hword_asciipart", "blank", "hword_asciipart", "blank", "float"]


# --- to_tsvector('english_unaccent', text) -------------------------------------------------------------------

@pytest.mark.parametrize("text, vector", [
    ("The quick brown foxes jumped over the lazy dog.",
     "'brown':3 'dog':9 'fox':4 'jump':5 'lazi':8 'quick':2"),  # stop words keep their positions
    ("café naïve-ish", "'cafe':1 'ish':4 'naiv':3 'naive-ish':2"),  # unaccent for words with non-ASCII letters
    ("state-of-the-art", "'art':5 'state':2 'state-of-the-art':1"),  # a hyphenated word whole, then its parts
    ("Don't stop", "'stop':3"),
    ("1234567 -1234567 3.14 v1.2.3 2.4.1", "'-12345':2 '123456':1 '2.4.1':5 '3.14':3 'v1.2.3':4"),  # intdict
    ("foo@bar.com http://Example.com/Path <b>bold</b> &amp;",
     "'/path':4 'bold':5 'example.com':3 'example.com/path':2 'foo@bar.com':1"),
    ("İstanbul ΣΑΣ", "'istanbul':1 'σασ':2"),  # towlower, one character at a time
    ("Ærøskøbing ﬁnancial straße", "'aeroskob':1 'financi':2 'strass':3"),
    ("O'Reilly's", "'o':1 'reilli':2"),
    ("", ""),
])
def test_vectors(text, vector):
    assert str(to_tsvector(text)) == vector


def test_weights_are_printed_except_d():
    assert str(to_tsvector("quick fox", "A")) == "'fox':2A 'quick':1A"
    assert str(to_tsvector("quick fox", "C")) == "'fox':2C 'quick':1C"
    assert str(to_tsvector("quick fox", "D")) == "'fox':2 'quick':1"


def test_a_lexeme_keeps_255_positions_and_positions_stop_at_16383():
    assert str(to_tsvector("fox " * 300)) == "'fox':" + ",".join(map(str, range(1, 256)))
    assert str(to_tsvector("x " * 17000 + "fox dog")) == "'dog':16383 'fox':16383 'x':" + ",".join(
        map(str, range(1, 256)))


def test_words_of_2047_bytes_or_more_are_not_indexed_and_of_over_1000_not_stemmed():
    assert str(to_tsvector("a" * 2047 + " fox")) == "'fox':1"
    assert str(to_tsvector("s" * 1001 + "es")) == "'" + "s" * 1001 + "es':1"
    assert str(to_tsvector("s" * 998 + "es")) == "'" + "s" * 998 + "':1"


def test_doc_vector_is_title_weighted_a_then_content_weighted_b_after_it():
    assert str(doc_vector("Hello World", "The quick hello")) == "'hello':1A,5B 'quick':4B 'world':2A"
    assert str(doc_vector("", "fox")) == "'fox':1B"


def test_concat_keeps_256_positions_a_lexeme():
    vector = concat(to_tsvector("fox " * 200, "A"), to_tsvector("fox " * 200, "B"))
    assert len(vector.entries["fox"]) == 256
    assert ",199A,200A,201B,202B," in str(vector) and str(vector).endswith(",255B,256B")


def test_the_stored_form_is_compact_json_and_loads_back():
    vector = doc_vector("Café", "it's a fox")
    assert str(vector) == "'cafe':1A 'fox':5B"
    assert vector.dumps() == '{"cafe":[49153],"fox":[32773]}'
    assert TSVector.loads(vector.dumps()) == vector


# --- websearch_to_tsquery ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, parsed", [
    ("quick fox", "'quick' & 'fox'"),
    ("Foxes jumped", "'fox' & 'jump'"),
    ('"the quick brown"', "'quick' <-> 'brown'"),
    ('"jumps over the lazy dog"', "'jump' <3> 'lazi' <-> 'dog'"),  # stop words inside a phrase keep their places
    ('"a the b"', "'b'"),
    ("fox or dog", "'fox' | 'dog'"),
    ("FOX OR dog", "'fox' | 'dog'"),
    ("fox or", "'fox'"),
    ("orange or", "'orang'"),
    ("-fox", "!'fox'"),
    ("quick -\"brown fox\"", "'quick' & !( 'brown' <-> 'fox' )"),
    ("fox -dog or cat", "'fox' & !'dog' | 'cat'"),
    ("foo-bar", "'foo-bar' <-> 'foo' <-> 'bar'"),
    ('"search documents" -delete', "'search' <-> 'document' & !'delet'"),
    ('"fox', "'fox'"),  # an unclosed quote runs to the end
    ("fox -", "'fox'"),
    ("fox & dog! (cat) <-> |", "'fox' & 'dog' & 'cat'"),  # tsquery's own operators are only separators
    ("fox:*", "'fox'"),
    ("a:b", "'b'"),
    ("café", "'cafe'"),
    ("1234567", "'123456'"),
    ("fox\u3000dog", "'fox' & 'dog'"),  # multibyte blanks separate too
    ("fox\u00a0dog", "'fox' <-> 'dog'"),  # no-break space does not: one operand of two words
    ("the", ""),
    ("don't", ""),
    ("", ""),
    ("   ", ""),
    ("!!!", ""),
])
def test_queries(text, parsed):
    assert str(query(text)) == parsed


def test_more_than_32_pending_operators_is_an_error_as_in_postgresql():
    assert str(query("-" * 32 + "fox")) == "!" * 32 + "'fox'"
    with pytest.raises(QueryError, match="tsquery stack too small"):
        query("-" * 33 + "fox")


def test_other_configurations_parse_the_query_with_their_own_stemmer_and_stop_words():
    assert str(query('"le chien" ou -chat', "french")) == "'chien' & !'chat'"
    assert str(query("Häuser Mäuse", "german")) == "'haus' & 'maus'"
    assert str(query("The Foxes", "simple")) == "'the' & 'foxes'"
    assert str(query("searching हिंदी", "hindi")) == "'search' & 'हिंद'"  # Hindi stems ASCII words as English
    assert str(query("fox", "English")) == "'fox'"


@pytest.mark.parametrize("config", ["japanese", "polish", "norwegian bokmål", "chinese"])
def test_a_configuration_postgresql_does_not_have_is_unknown(config):
    with pytest.raises(UnknownConfig, match="does not exist"):
        query("fox", config)


def test_a_query_has_the_lexemes_to_look_up():
    assert query('quick -"brown fox" or quick').lexemes == {"quick", "brown", "fox"}


# --- @@ and ts_rank_cd(…, 32) -----------------------------------------------------------------------------

DOC = doc_vector("Quick Fox", "The lazy dog sleeps while the quick brown fox jumps.")


@pytest.mark.parametrize("text, matches, rank", [
    ("fox", True, 0.5833333134651184),  # title (A, 1.0) and content (B, 0.4): (1.4) / (1.4 + 1)
    ("dog", True, 0.2857142984867096),  # content only: 0.4 / 1.4
    ("quick fox", True, 0.5617173314094543),
    ('"quick fox"', True, 0.5),
    ('"brown fox"', True, 0.2857142984867096),
    ('"fox brown"', False, 0.0),
    ('"lazy dog sleeps"', True, 0.2857142984867096),
    ("dog or cat", True, 0.2857142984867096),
    ("fox -dog", False, None),
    ("-cat", True, 0.0),
    ("cat", False, None),
    ("the", False, None),
])
def test_matches_and_ranks(text, matches, rank):
    assert query(text).matches(DOC) is matches
    if rank is not None:
        assert query(text).rank_cd(DOC) == rank


def test_matching_needs_only_the_query_lexemes_entries():
    partial = {lexeme: DOC.entries[lexeme] for lexeme in ("quick", "fox")}
    assert query("quick fox").matches(partial) and query("quick fox").rank_cd(partial) == 0.5617173314094543


CHUNKS = postings([("a", doc_vector("", "fox")), ("b", doc_vector("fox", "")), ("c", doc_vector("", "dog"))])


def test_search_gives_the_best_scores_first():
    assert search(query("fox"), CHUNKS, 10) == [(0.5, "b"), (0.2857142984867096, "a")]
    assert search(query("fox"), CHUNKS, 1) == [(0.5, "b")]
    assert search(query("fox dog"), CHUNKS, 10) == []
    assert search(query("the"), CHUNKS, 10) == []


def test_search_takes_chunks_without_the_query_lexemes_only_when_they_match():
    assert search(query("-dog"), CHUNKS, 10, rest=["a", "b"]) == [(0.0, "a"), (0.0, "b")]
    assert search(query("-dog"), CHUNKS, 1, rest=iter(["a", "b"])) == [(0.0, "a")]
    assert search(query("fox or -cat"), CHUNKS, 10, rest=["c"]) == [(0.5, "b"), (0.2857142984867096, "a"), (0.0, "c")]
    assert search(query("fox"), CHUNKS, 10, rest=["c"]) == [(0.5, "b"), (0.2857142984867096, "a")]


# Keys whose set order is not their order: a set of 8, 9 and 7 iterates 8, 9, 7.
TIED = postings([(key, doc_vector("", f"brown fox {key}")) for key in (8, 9, 7)] + [(10, doc_vector("", "cat"))])


@pytest.mark.parametrize("text", ["fox", "fox or cat", '"brown fox"', "fox -cat"])
def test_equal_scores_come_oldest_first_and_the_oldest_make_the_limit(text):
    assert search(query(text), TIED, 2) == [(0.2857142984867096, 7), (0.2857142984867096, 8)]


def test_a_query_costs_its_lexemes_and_twenty_for_each_operand_of_its_phrases():
    assert query("fox").cost == 1
    assert query('fox or dog -"quick brown fox"').cost == 4 + 20 * 3


def test_a_search_costing_more_than_its_bound_is_too_costly():
    chunks = postings([(key, doc_vector("", f"brown fox {key}")) for key in range(100)])
    phrases = query(" or ".join(f'"brown fox {key}"' for key in range(MAX_SEARCH_COST // 100 // 60 + 1)))
    with pytest.raises(TooCostly) as refused:
        search(phrases, chunks, 10)
    assert refused.value.args == (MAX_SEARCH_COST // 100 // 60 + 1, 100)
