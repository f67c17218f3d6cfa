-- Applied by every new connection: every statement must be idempotent.
CREATE TABLE IF NOT EXISTS users (
    developer_id TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    about        TEXT NOT NULL,
    project      TEXT NOT NULL,
    metadata     TEXT NOT NULL,    -- JSON object, compact
    created_at   INTEGER NOT NULL, -- microseconds since the Unix epoch, UTC
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (developer_id, user_id)
) WITHOUT ROWID;

-- The users row this connection wrote last, so that a write needs no RETURNING clause (users_db.py).
-- TEMP objects belong to one connection: no other connection sees or waits for them. The triggers
-- update the one row rather than replace it: inside an upsert SQLite would turn REPLACE into an error.
-- seq counts the writes, so that a reader can tell the row is a new one.
CREATE TEMP TABLE IF NOT EXISTS written_user (
    slot INTEGER PRIMARY KEY CHECK (slot = 1),
    seq INTEGER NOT NULL DEFAULT 0,
    developer_id, user_id, metadata, created_at, updated_at, name, about, project
);
INSERT OR IGNORE INTO written_user (slot) VALUES (1);
CREATE TEMP TRIGGER IF NOT EXISTS user_inserted AFTER INSERT ON main.users BEGIN
    UPDATE written_user SET seq = seq + 1, developer_id = NEW.developer_id, user_id = NEW.user_id,
        metadata = NEW.metadata, created_at = NEW.created_at, updated_at = NEW.updated_at, name = NEW.name,
        about = NEW.about, project = NEW.project;
END;
CREATE TEMP TRIGGER IF NOT EXISTS user_updated AFTER UPDATE ON main.users BEGIN
    UPDATE written_user SET seq = seq + 1, developer_id = NEW.developer_id, user_id = NEW.user_id,
        metadata = NEW.metadata, created_at = NEW.created_at, updated_at = NEW.updated_at, name = NEW.name,
        about = NEW.about, project = NEW.project;
END;

-- The test double's own state. It lives here, not in process memory, so that
-- every worker process of one server sees the same journal, faults and clock.
CREATE TABLE IF NOT EXISTS double_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    journal_size INTEGER NOT NULL DEFAULT 1000,
    -- Everyone's clock, but a developer's own (developer_clocks).
    frozen_now   INTEGER,                    -- microseconds since the epoch; NULL: the real clock
    frozen_ids   INTEGER NOT NULL DEFAULT 0  -- UUIDv7 ids made under a frozen clock since the last full reset
);
INSERT OR IGNORE INTO double_state (id) VALUES (1);

-- The journal of versions before 0.2 kept whole bodies and gave a cleared entry's id to the next one.
DROP TABLE IF EXISTS journal;
CREATE TABLE IF NOT EXISTS journal_entries (
    -- The columns that filters read come first, before the large ones: a scan then reads no overflow pages.
    id            INTEGER PRIMARY KEY, -- never given twice, so that a reader's cursor stays valid (journal_ids)
    developer_id  TEXT,
    method        TEXT NOT NULL,
    api_path      TEXT NOT NULL,    -- path without the /api prefix
    path          TEXT NOT NULL,
    status        INTEGER NOT NULL,
    started_at    INTEGER NOT NULL, -- microseconds since the epoch, real time
    duration_us   INTEGER NOT NULL,
    body_size     INTEGER NOT NULL, -- bytes of the whole body; body holds at most recorder.KEPT_BYTES of them
    response_size INTEGER NOT NULL,
    query         BLOB NOT NULL,    -- the raw query string
    headers       TEXT NOT NULL,    -- JSON object of WSGI environ names, the API key redacted
    body          BLOB NOT NULL,
    response      BLOB NOT NULL
);

-- The server start that imported FLASK_SEED_FILE (double.py): its other workers, and those replacing a worker
-- that crashed, do not import it again.
CREATE TABLE IF NOT EXISTS seed_import (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    server_start TEXT NOT NULL
);

-- The highest journal id given before entries were deleted: the next ids go on from it, never back to a
-- deleted one. (AUTOINCREMENT would do the same at the cost of one more page written by every request.)
CREATE TABLE IF NOT EXISTS journal_ids (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    highest INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO journal_ids (id) VALUES (1);

-- Written by every GET /_double/health: it is healthy while a write as large as its room can be stored.
CREATE TABLE IF NOT EXISTS health_probe (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    writes INTEGER NOT NULL DEFAULT 0,
    room   BLOB
);
INSERT OR IGNORE INTO health_probe (id) VALUES (1);

-- The faults table of earlier versions had no developer column: what was armed there is dropped.
DROP TABLE IF EXISTS faults;
CREATE TABLE IF NOT EXISTS armed_faults (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    developer_id TEXT,              -- whose requests it plays on (multi-tenant mode); NULL: everyone's
    method       TEXT,              -- NULL: any method
    path         TEXT NOT NULL,     -- GLOB pattern over the path without the /api prefix
    status       INTEGER,           -- NULL: processed normally after the delay
    body         TEXT NOT NULL,     -- JSON
    headers      TEXT NOT NULL,     -- JSON object
    delay_ms     INTEGER NOT NULL,
    times        INTEGER NOT NULL,
    remaining    INTEGER NOT NULL
);
-- A spent fault is gone, so "is any fault armed?" is a look at an empty table.
CREATE TRIGGER IF NOT EXISTS armed_fault_spent AFTER UPDATE OF remaining ON armed_faults WHEN NEW.remaining = 0 BEGIN
    DELETE FROM armed_faults WHERE id = NEW.id;
END;

-- A developer's own frozen clock and count of ids made under a frozen clock (multi-tenant mode): their requests
-- see it over double_state's, which is everyone else's.
CREATE TABLE IF NOT EXISTS developer_clocks (
    developer_id TEXT PRIMARY KEY,
    frozen_now   INTEGER,                    -- NULL: double_state's clock
    frozen_ids   INTEGER NOT NULL DEFAULT 0  -- since the developer's last reset
) WITHOUT ROWID;

-- A user's docs, one row per chunk (each string of a doc's content), as the hosted docs table keeps them; the
-- one owner doc_owners gives a doc is user_id here. chunk_id is never reused (AUTOINCREMENT), so that
-- text_index.py can tell from the owner's count and newest chunk_id whether its in-process index is current.
CREATE TABLE IF NOT EXISTS docs (
    chunk_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    developer_id   TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    doc_id         TEXT NOT NULL,
    idx            INTEGER NOT NULL, -- the chunk's place in the doc's content
    title          TEXT NOT NULL,
    content        TEXT NOT NULL,
    metadata       TEXT NOT NULL,    -- JSON object as jsonb gives it back (jsonb.py)
    created_at     INTEGER NOT NULL, -- microseconds since the epoch, the same for every chunk of a doc
    content_hash   TEXT NOT NULL,    -- md5(title || '|' || content), what the duplicate rule compares
    search_tsv     TEXT NOT NULL,    -- the chunk's tsvector (text_index.py), computed once at create
    embedding      BLOB,             -- 1,024 float4 values, NULL until embedded
    embedding_json TEXT,             -- the same as the API writes it
    UNIQUE (developer_id, doc_id, idx)
);
CREATE INDEX IF NOT EXISTS docs_by_owner ON docs (developer_id, user_id, content_hash);
