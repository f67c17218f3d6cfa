"""A private, throw-away PostgreSQL 15 cluster, queried through psql with CSV in and out.

The cluster lives in a temporary directory, listens on a unix socket there only, and runs as the `postgres` OS
user when the tests run as root (PostgreSQL refuses root). Its database has the text-search setup of julep's
migrations (SCHEMA below).
"""

import contextlib
import csv
import io
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile

import pytest

BINDIR = pathlib.Path(os.environ.get("PG15_BINDIR", "/usr/lib/postgresql/15/bin"))

# The text-search statements of src/memory-store/migrations/000006_docs.up.sql (the extensions and the DO block
# that remaps the language configurations) and 000030_add_unaccent_search_config.up.sql (english_unaccent).
SCHEMA = r"""
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS dict_int CASCADE;
CREATE EXTENSION IF NOT EXISTS dict_xsyn CASCADE;
DO $$
DECLARE
    lang text;
BEGIN
    BEGIN
        FOR lang IN (SELECT cfgname FROM pg_ts_config WHERE cfgname IN (
            'arabic', 'danish', 'dutch', 'english', 'finnish', 'french',
            'german', 'greek', 'hungarian', 'indonesian', 'irish', 'italian',
            'lithuanian', 'nepali', 'norwegian', 'portuguese', 'romanian',
            'russian', 'spanish', 'swedish', 'tamil', 'turkish'
        ))
        LOOP
            EXECUTE format('ALTER TEXT SEARCH CONFIGURATION %I
                ALTER MAPPING FOR int, uint WITH intdict', lang);
            EXECUTE format('ALTER TEXT SEARCH CONFIGURATION %I
                ALTER MAPPING FOR asciihword, hword_asciipart, hword, hword_part, word, asciiword
                WITH xsyn, %I_stem', lang, lang);
        END LOOP;
    EXCEPTION
        WHEN others THEN
            RAISE NOTICE 'An error occurred during altering search configurations: %, %', SQLSTATE, SQLERRM;
    END;
END
$$;
CREATE TEXT SEARCH CONFIGURATION english_unaccent (COPY = english);
ALTER TEXT SEARCH CONFIGURATION english_unaccent
    ALTER MAPPING FOR hword, hword_part, word
    WITH unaccent, english_stem;
"""


class Unavailable(Exception):
    """PostgreSQL 15 cannot be started here; the message says why."""


@contextlib.contextmanager
def started_or_skipped():
    """A started Postgres for a test module, stopped after it; the module is skipped, saying why, where none starts."""
    server = Postgres()
    try:
        server.start()
    except Unavailable as why:
        server.stop()
        pytest.skip(f"PostgreSQL 15 cannot be started here: {why}")
    try:
        yield server
    finally:
        server.stop()


class Postgres:
    """start() a cluster, query(select) or rows(select, inputs) to evaluate SQL, stop() to remove it all."""

    def __init__(self):
        self.dir = None

    def start(self):
        if not (BINDIR / "postgres").exists():
            raise Unavailable(f"no PostgreSQL 15 server at {BINDIR} (apt-get install postgresql-15)")
        version = subprocess.run([BINDIR / "postgres", "--version"], capture_output=True, text=True).stdout
        if " 15." not in version:
            raise Unavailable(f"{BINDIR}/postgres is not PostgreSQL 15: {version.strip()}")
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            try:
                pwd.getpwnam(self.user)
            except KeyError:
                raise Unavailable("running as root and there is no `postgres` OS user to run PostgreSQL as")
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="pg15-"))
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(self.dir, account.pw_uid, account.pw_gid)
        self._server([BINDIR / "initdb", "-D", self.dir / "data", "-A", "trust", "-U", "postgres", "-E", "UTF8",
                      "--locale=C.UTF-8", "--no-sync"])
        self._server([BINDIR / "pg_ctl", "-D", self.dir / "data", "-l", self.dir / "log", "-w", "-t", "60", "-o",
                      f"-k {self.dir} -c listen_addresses= -c fsync=off -c max_connections=5", "start"])
        self.psql(SCHEMA)
        return self

    def _server(self, command):
        done = subprocess.run([str(part) for part in command], user=self.user, capture_output=True, text=True)
        if done.returncode:
            log = (self.dir / "log").read_text() if (self.dir / "log").exists() else ""
            raise Unavailable(f"{command[0].name} failed: {done.stdout}{done.stderr}{log}"[-2000:])

    def stop(self):
        if self.dir is None:
            return
        if (self.dir / "data" / "postmaster.pid").exists():
            subprocess.run([str(BINDIR / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop"],
                           user=self.user, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def psql(self, script):
        """Run a psql script; its standard output."""
        done = subprocess.run([str(BINDIR / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.dir),
                               "-U", "postgres", "-d", "postgres"], input=script.encode(), capture_output=True)
        if done.returncode:
            raise RuntimeError(done.stderr.decode())
        return done.stdout.decode()

    def query(self, select, setup=""):
        """The rows of `select` (after the psql commands `setup`) as lists of strings."""
        script = f"{setup}\\copy ({select}) TO STDOUT WITH (FORMAT csv)\n"
        return list(csv.reader(io.StringIO(self.psql(script), newline="")))

    def table(self, name, inputs, columns=("a",)):
        """psql commands that load `inputs` into a temporary table `name`(i, a, b, …), i numbering them."""
        source = self.dir / f"{name}.csv"
        with open(source, "w", newline="", encoding="utf-8") as out:
            csv.writer(out, quoting=csv.QUOTE_ALL).writerows([i, *row] for i, row in enumerate(inputs))
        return (f"CREATE TEMP TABLE {name} (i int, {', '.join(f'{c} text' for c in columns)});\n"
                f"\\copy {name} FROM '{source}' WITH (FORMAT csv)\n")

    def rows(self, select, inputs, columns=("a",)):
        """The rows of `select` over table t(i, a, b, …), which holds `inputs`, ordered by i."""
        return self.query(f"{select} ORDER BY i", self.table("t", inputs, columns))
