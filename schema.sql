-- Applied at every start-up: every statement must be idempotent.
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
