"""The text-search microbenchmark: `python bench/textsearch.py [--chunks N] [--runs N]` from the repository root.

Builds one user's chunks of prose in SQLite the way a docs route can keep them (each chunk's vector as
TSVector.dumps(), and a postings table: one row per chunk and lexeme, with textsearch.pack(its positions)), then times
the search path of POST /users/{id}/search with a text query, in-process and end to end: parse the query,
read the postings of its lexemes, match and rank (textsearch.search), read the best chunks' rows.
"""
import argparse
import pathlib
import random
import sqlite3
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import textsearch_corpus  # noqa: E402  (the tests' prose)
from julep_users_double import textsearch  # noqa: E402

USER = "0190e6a2-7b6f-7b5e-9c1a-1234567890ab"
QUERIES = ["fox", "temperature", "quick fox", '"lazy dog"', "fox or dog", "-fox", "search documents",
           "happy run", "well-written introduction", '"the quick brown fox" -lazy', "planet star or bridge",
           "nothing matches this"]
SCHEMA = """
CREATE TABLE chunks (id INTEGER PRIMARY KEY, user TEXT, title TEXT, content TEXT, tsv TEXT);
CREATE TABLE postings (user TEXT, lexeme TEXT, chunk INTEGER, positions BLOB,
                       PRIMARY KEY (user, lexeme, chunk)) WITHOUT ROWID;
"""


def prose(rng, count):
    sentences = [s for s in textsearch_corpus.SENTENCES if len(s) > 30]
    return [" ".join(rng.choice(sentences) for _ in range(rng.randint(3, 8))) for _ in range(count)]


def build(db, count):
    """count chunks for USER; the seconds spent computing vectors and storing them."""
    rng = random.Random(1)
    titles = [t for t in textsearch_corpus.TITLES if t]
    computing = storing = 0.0
    for content in prose(rng, count):
        title = rng.choice(titles)
        started = time.perf_counter()
        vector = textsearch.doc_vector(title, content)
        computed = time.perf_counter()
        chunk = db.execute("INSERT INTO chunks (user, title, content, tsv) VALUES (?, ?, ?, ?)",
                           (USER, title, content, vector.dumps())).lastrowid
        db.executemany("INSERT INTO postings VALUES (?, ?, ?, ?)",
                       [(USER, lexeme, chunk, textsearch.pack(positions)) for lexeme, positions in vector.entries.items()])
        computing += computed - started
        storing += time.perf_counter() - computed
    return computing, storing


def search(db, text, limit=10):
    """The search path: the best `limit` chunks' (score, id, title) for a websearch query, and the postings read."""
    query = textsearch.websearch_to_tsquery(textsearch.DOCS_CONFIG, text)
    lexemes = sorted(query.lexemes)
    found = {}
    rows = db.execute(f"SELECT lexeme, chunk, positions FROM postings WHERE user = ? AND lexeme IN "
                      f"({', '.join('?' * len(lexemes))})", (USER, *lexemes)).fetchall() if lexemes else []
    for lexeme, chunk, positions in rows:
        found.setdefault(lexeme, {})[chunk] = positions
    holding = {chunk for _, chunk, _ in rows}
    rest = (chunk for (chunk,) in db.execute("SELECT id FROM chunks WHERE user = ?", (USER,)) if chunk not in holding)
    best = textsearch.search(query, found, limit, rest)
    titles = dict(db.execute(f"SELECT id, title FROM chunks WHERE id IN ({', '.join('?' * len(best))})",
                             [chunk for _, chunk in best]).fetchall())
    return [(score, chunk, titles[chunk]) for score, chunk in best], len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    computing, storing = build(db, args.chunks)
    size = db.execute("SELECT sum(length(content)), sum(length(tsv)), count(*) FROM chunks").fetchone()
    postings = db.execute("SELECT count(*) FROM postings").fetchone()[0]
    print(f"{args.chunks} chunks of {size[0] / args.chunks:.0f} characters on average, {postings} postings")
    print(f"doc_vector: {computing / args.chunks * 1e6:.0f} µs a chunk; storing it and its postings: "
          f"{storing / args.chunks * 1e6:.0f} µs; stored vector {size[1] / args.chunks:.0f} bytes a chunk")
    print(f"\n{'query':<32} {'postings':>8} {'results':>7} {'min ms':>7} {'median':>7} {'max':>7}")
    for text in QUERIES:
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            results, read = search(db, text)
            times.append((time.perf_counter() - started) * 1e3)
        print(f"{text:<32} {read:>8} {len(results):>7} {min(times):>7.2f} {statistics.median(times):>7.2f} "
              f"{max(times):>7.2f}")


if __name__ == "__main__":
    main()
