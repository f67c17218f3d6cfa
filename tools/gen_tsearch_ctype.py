"""Write tsearch_data/ctype.txt: the character classes and lowercasing PostgreSQL 15 applies, read off a server.

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

PROBE = r"""
\copy (select c, (select string_agg(tokid || ':' || length(token), ',') from ts_parse('default', chr(c) || 'b')), (select string_agg(tokid || ':' || length(token), ',') from ts_parse('default', 'a' || chr(c) || 'b')), websearch_to_tsquery('simple', 'x' || chr(c) || 'y')::text, array_to_string(ts_lexize('simple', chr(c)), '') from generate_series(1, 1114111) c where c not between 55296 and 57343) to stdout with (format csv)
"""
OPERATORS = set('!&|()<":')  # split a websearch word without being blanks


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
    rows = subprocess.run(["psql", "-X", "-q", *psql_args], input=PROBE.encode(), capture_output=True,
                          check=True).stdout.decode()
    alpha, special, space, lower = [], [], [], []
    for c, cb, acb, web, low in csv.reader(io.StringIO(rows, newline="")):
        c = int(c)
        if cb in ("1:2", "2:2"):
            alpha.append(c)
        elif acb == "2:3":
            special.append(c)
        if web == "'x' & 'y'" and chr(c) not in OPERATORS:
            space.append(c)
        if low not in ("", chr(c)):
            lower.append(f"{c:04x}:{ord(low):04x}")
    lines = [
        "# PostgreSQL 15's character classes in a UTF-8 database with LC_CTYPE C.UTF-8 (Debian 12, glibc 2.36),",
        "# read off a server by tools/gen_tsearch_ctype.py; code points in hex.",
        "alpha " + ranges(alpha),
        "special " + ranges(special),
        "space " + ranges(space),
        "lower " + " ".join(lower),
    ]
    out = pathlib.Path(__file__).resolve().parent.parent / "tsearch_data" / "ctype.txt"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
