"""The docs' speed targets, in-process (app.test_client(), a database file): creating a doc, a text search over
10,000 chunks of one user, a bulk delete of 10,000 docs. `python bench/docs.py [--chunks N]`; `measure()` gives
the numbers to whoever reports them (bench/run.py).

The corpus is made up, deterministically: 80 words a chunk drawn Zipf-wise from 5,000 made-up words, so that a
rare word matches a few chunks, a middling one some hundreds and a common one thousands.
"""

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from julep_users_double.docs import text_index
from julep_users_double.hosted import tsearch
from julep_users_double.app import create_app
from julep_users_double.web.auth import DEFAULT_DEVELOPER_ID

KEY = "bench-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
USER_ID = "0190e6a2-7b6f-7b5e-9c1a-1234567890ab"
SYLLABLES = [consonant + vowel for consonant in "bdfgklmnprstvz" for vowel in "aeiou"]


def vocabulary(size, rng):
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def corpus(chunks, seed=7):
    """(title, content) of `chunks` chunks, and the vocabulary from most to least frequent."""
    rng = random.Random(seed)
    words = vocabulary(5000, rng)
    weights = [1 / rank for rank in range(1, len(words) + 1)]
    texts = [(f"Note {n} {rng.choice(words)}", " ".join(rng.choices(words, weights, k=80))) for n in range(chunks)]
    return texts, words


def milliseconds(run, repeat):
    """The median time of `repeat` runs and the median CPU time of this thread, in ms: on a machine others share,
    the CPU time is what the run itself cost."""
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.thread_time()
        run()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return statistics.median(times), statistics.median(cpu)


def answered(response, status):
    assert response.status_code == status, response.data


def measure(chunks=10_000):
    """{what: (median ms, median CPU ms)}, and how many chunks each search query matched."""
    texts, words = corpus(chunks)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE": str(Path(folder) / "bench.sqlite3"), "API_KEY": KEY, "MAX_CONTENT_LENGTH": None})
        client = app.test_client()
        client.post(f"/users/{USER_ID}", json={"name": "Bench"}, headers=AUTH)
        docs = [{"user_id": USER_ID, "id": f"0190e6a2-7b6f-7b5e-9c1a-{n:012x}", "title": title, "content": content}
                for n, (title, content) in enumerate(texts)]
        results = {"import of the corpus": milliseconds(
            lambda: answered(client.post("/_double/users", json={"items": [], "docs": docs}, headers=AUTH), 200), 1
        )}

        fresh = iter(corpus(200, seed=8)[0])

        def create():
            title, content = next(fresh)
            answered(client.post(f"/users/{USER_ID}/docs", json={"title": title, "content": content}, headers=AUTH), 201)

        def search(text):
            answered(client.post(f"/users/{USER_ID}/search", json={"text": text, "limit": 10}, headers=AUTH), 200)

        results["first search (builds the index)"] = milliseconds(lambda: search(words[0]), 1)
        results["create a doc (80 words)"] = milliseconds(create, 200)
        matched = {}
        for label, text in [("rare word", words[3000]), ("middling word", words[300]), ("common word", words[30]),
                            ("two words", f"{words[300]} {words[301]}"), ('a phrase', f'"{words[0]} {words[1]}"'),
                            ("word or word", f"{words[3000]} or {words[300]}"), ("no match", "zzzzzz")]:
            results[f"text search: {label}"] = milliseconds(lambda: search(text), 50)
            with app.app_context():
                query = text_index.parse_query(tsearch.DOCS_CONFIG, text)
                matched[label] = len(text_index.search(DEFAULT_DEVELOPER_ID, USER_ID, query, chunks * 2, {}))
        doomed = iter(docs)

        def delete_one_then_search():
            answered(client.delete(f"/users/{USER_ID}/docs/{next(doomed)['id']}", headers=AUTH), 202)
            search(words[3000])

        results["delete a doc, then a text search"] = milliseconds(delete_one_then_search, 20)
        results["bulk delete of every doc"] = milliseconds(
            lambda: answered(client.delete(f"/users/{USER_ID}/docs", json={"delete_all": True}, headers=AUTH), 202), 1
        )
        return results, matched


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    results, matched = measure(parser.parse_args().chunks)
    print(f"{'':40} {'ms':>10} {'CPU ms':>10}")
    for what, (median, cpu) in results.items():
        print(f"{what:40} {median:10.2f} {cpu:10.2f}")
    print("chunks each query matched:", matched)


if __name__ == "__main__":
    main()
