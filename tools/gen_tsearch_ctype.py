"""Write hosted/tsearch/data/ctype.txt: the character classes and lowercasing PostgreSQL 15 applies, read off a server.

Usage: python tools/gen_tsearch_ctype.py PSQL_ARGS...  (e.g. -h /tmp/pgsock -U postgres), against a UTF-8
database whose LC_CTYPE is C.UTF-8. Every code point is probed through SQL:
  alpha   - chr(c)||'b' is one word token for the default parser (it uses iswalpha);
  special - not alpha, yet 'a'||chr(c)||'b' is one word token (zero display width, or a spacing mark);
  space   - websearch_to_tsquery splits 'x'||chr(c)||'y' in two like a blank (t_isspace);
  lower   - ts_lexize('simple', chr(c)) differs from chr(c) (towlower).
Digits are ASCII 0-9 only (iswdigit), and need no table.
"""
import csv
import io
import pathlib
import subprocess
import sys

PROBE = (
    "SELECT c,"
    " (SELECT string_agg(tokid || ':' || length(token), ',') FROM ts_parse('default', chr(c) || 'b')),"
    " (SELECT string_agg(tokid || ':' || length(token), ',') FROM ts_parse('default', 'a' || chr(c) || 'b')),"
    " websearch_to_tsquery('simple', 'x' || chr(c) || 'y')::text,"
    " array_to_string(ts_lexize('simple', chr(c)), '')"
    " FROM generate_series(1, 1114111) c WHERE c NOT BETWEEN 55296 AND 57343")
OPERATORS = set('!&|()<":')  # split a websearch word without being blanks


def classes(rows):
    """{"alpha": [code points], "special": […], "space": […], "lower": {code point: its lowercase}} of PROBE's rows."""
    found = {"alpha": [], "special": [], "space": [], "lower": {}}
    for c, before_b, between, split, lower in rows:
        c = int(c)
        if before_b in ("1:2", "2:2"):
            found["alpha"].append(c)
        elif between == "2:3":
            found["special"].append(c)
        if split == "'x' & 'y'" and chr(c) not in OPERATORS:
            found["space"].append(c)
        if lower not in ("", chr(c)):
            found["lower"][c] = ord(lower)
    return found


def ranges(codes):
    """'0041-005a 0061' for ascending code points."""
    runs = []
    for c in codes:
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return " ".join(f"{a:04x}" if a == b else f"{a:04x}-{b:04x}" for a, b in runs)


def main(psql_args):
    script = f"\\copy ({PROBE}) TO STDOUT WITH (FORMAT csv)\n"
    rows = subprocess.run(["psql", "-X", "-q", *psql_args], input=script.encode(), capture_output=True,
                          check=True).stdout.decode()
    found = classes(csv.reader(io.StringIO(rows, newline="")))
    lines = [
        "# PostgreSQL 15's character classes in a UTF-8 database with LC_CTYPE C.UTF-8 (Debian 12, glibc 2.36),",
        "# read off a server by tools/gen_tsearch_ctype.py; code points in hex.",
        "alpha " + ranges(found["alpha"]),
        "special " + ranges(found["special"]),
        "space " + ranges(found["space"]),
        "lower " + " ".join(f"{c:04x}:{lower:04x}" for c, lower in found["lower"].items()),
    ]
    out = pathlib.Path(__file__).resolve().parent.parent / "hosted" / "tsearch" / "data" / "ctype.txt"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
