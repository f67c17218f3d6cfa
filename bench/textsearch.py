"""The text-search microbenchmark: `python bench/textsearch.py [--chunks N] [--runs N]` from the repository root.

Builds one user's chunks of prose in SQLite the way a docs route can keep them (each chunk's vector as
TSVector.dumps(), and a postings table: one row per chunk and lexeme, with tsearch.pack(its positions)), then times
the search path of POST /users/{id}/search with a text query, in-process and end to end: parse the query,
read the postings of its lexemes, match and rank (tsearch.search), read the best chunks' rows.

Two sets of chunks: "sentences", the tests' 250 sentences recombined (every word is in hundreds of chunks: a
hard case), and "vocabulary", sentences drawn word by word from the words of the Python standard library's
docstrings at their frequencies there (a natural vocabulary, its words as common or rare as in real prose).
"""
import argparse
import ast
import collections
import pathlib
import random
import re
import sqlite3
import statistics
import sys
import sysconfig
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import textsearch_corpus  # noqa: E402  (the tests' prose)
from julep_users_double.hosted import tsearch  # noqa: E402

USER = "0190e6a2-7b6f-7b5e-9c1a-1234567890ab"
SENTENCE_QUERIES = [
    "fox", "temperature", "quick fox", '"lazy dog"', "fox or dog", "-fox", "search documents", "happy run",
    "well-written introduction", '"the quick brown fox" -lazy', "planet star or bridge", "nothing matches this"]
# Queries on the vocabulary set, by the frequency rank of their words among those that are no stop words
# ({10}: the 10th most common).
VOCABULARY_QUERIES = ["{10}", "{100}", "{1000}", "{5000}", "{10} {100}", "{100} {1000}", '"{10} {100}"',
                      "{100} or {1000}", "-{100}", "{100} -{10}", "{300}-{600}", "nothing matches this"]
SCHEMA = """
CREATE TABLE chunks (id INTEGER PRIMARY KEY, user TEXT, title TEXT, content TEXT, tsv TEXT);
CREATE TABLE postings (user TEXT, lexeme TEXT, chunk INTEGER, positions BLOB,
                       PRIMARY KEY (user, lexeme, chunk)) WITHOUT ROWID;
"""


def recombined_sentences(rng, count):
    sentences = [s for s in textsearch_corpus.SENTENCES if len(s) > 30]
    return [" ".join(rng.choice(sentences) for _ in range(rng.randint(3, 8))) for _ in range(count)]


def docstring_words():
    """(words, counts) of the Python standard library's docstrings, most common first."""
    root = pathlib.Path(sysconfig.get_paths()["stdlib"])
    counts = collections.Counter()
    for path in sorted(root.glob("**/*.py")):
        if {"test", "tests", "idlelib", "pydoc_data", "lib2to3", "site-packages"} & set(path.relative_to(root).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8", errors="replace"))):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                counts.update(re.findall(r"[a-z]+(?:'[a-z]+)?", (ast.get_docstring(node) or "").lower()))
    ranked = counts.most_common()
    return [word for word, _ in ranked], [count for _, count in ranked]


def vocabulary_sentences(rng, count, words, counts):
    def sentence():
        chosen = rng.choices(words, counts, k=rng.randint(6, 18))
        return " ".join(chosen).capitalize() + "."
    return [" ".join(sentence() for _ in range(rng.randint(2, 5))) for _ in range(count)]


def build(db, contents):
    """The chunks for USER; the CPU seconds spent computing vectors and storing them."""
    rng = random.Random(1)
    titles = [t for t in textsearch_corpus.TITLES if t]
    computing = storing = 0.0
    for content in contents:
        title = rng.choice(titles)
        started = time.process_time()
        vector = tsearch.doc_vector(title, content)
        computed = time.process_time()
        chunk = db.execute("INSERT INTO chunks (user, title, content, tsv) VALUES (?, ?, ?, ?)",
                           (USER, title, content, vector.dumps())).lastrowid
        db.executemany("INSERT INTO postings VALUES (?, ?, ?, ?)", [
            (USER, lexeme, chunk, tsearch.pack(positions)) for lexeme, positions in vector.entries.items()])
        computing += computed - started
        storing += time.process_time() - computed
    return computing, storing


def chunks_without(db, found):
    """The user's chunks that hold none of the lexemes found (read only when search() asks for them)."""
    holding = set().union(*found.values())
    for (chunk,) in db.execute("SELECT id FROM chunks WHERE user = ?", (USER,)):
        if chunk not in holding:
            yield chunk


def search(db, text, limit=10):
    """The search path: the best `limit` chunks' (score, id, title) for a websearch query, and the postings read."""
    query = tsearch.websearch_to_tsquery(tsearch.DOCS_CONFIG, text)
    found = {lexeme: dict(db.execute("SELECT chunk, positions FROM postings WHERE user = ? AND lexeme = ?",
                                     (USER, lexeme)).fetchall()) for lexeme in query.lexemes}
    best = tsearch.search(query, found, limit, rest=chunks_without(db, found))
    titles = dict(db.execute(f"SELECT id, title FROM chunks WHERE id IN ({', '.join('?' * len(best))})",
                             [chunk for _, chunk in best]).fetchall())
    return [(score, chunk, titles[chunk]) for score, chunk in best], sum(map(len, found.values()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(2)
    words, counts = docstring_words()
    measure("sentences", recombined_sentences(rng, args.chunks), SENTENCE_QUERIES, args.runs)
    content = [""] + [word for word in words if tsearch.to_tsvector(word).entries]
    measure("vocabulary", vocabulary_sentences(rng, args.chunks, words, counts),
            [query.format(*content) for query in VOCABULARY_QUERIES], args.runs)


def measure(name, contents, queries, runs):
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    computing, storing = build(db, contents)
    size = db.execute("SELECT sum(length(content)), sum(length(tsv)), count(*) FROM chunks").fetchone()
    postings = db.execute("SELECT count(*) FROM postings").fetchone()[0]
    print(f"\n{name}: {size[2]} chunks of {size[0] / size[2]:.0f} characters on average, {postings} postings")
    print(f"doc_vector: {computing / size[2] * 1e6:.0f} µs CPU a chunk; storing it and its postings: "
          f"{storing / size[2] * 1e6:.0f} µs; stored vector {size[1] / size[2]:.0f} bytes a chunk")
    print(f"ms a search: wall clock (min, median) and this process's CPU time (median; other processes on the "
          f"machine do not count in it)\n{'query':<32} {'postings':>8} {'results':>7} {'min':>6} {'median':>6} "
          f"{'CPU':>6}")
    for text in queries:
        wall, cpu = [], []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            results, read = search(db, text)
            wall.append((time.perf_counter() - started) * 1e3)
            cpu.append((time.process_time() - started_cpu) * 1e3)
        print(f"{text:<32} {read:>8} {len(results):>7} {min(wall):>6.2f} {statistics.median(wall):>6.2f} "
              f"{statistics.median(cpu):>6.2f}")


if __name__ == "__main__":
    main()
