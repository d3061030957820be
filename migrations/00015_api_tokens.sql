-- +goose Up
-- Service accounts: users without a password, for pipelines. Their row in
-- users has an empty password_hash (no password ever matches it); this
-- table marks them, so that the pages can say so and only admins make
-- their tokens.
CREATE TABLE service_accounts (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL
) STRICT;

-- Personal access tokens of the automation API. Only the SHA-256 of the
-- secret is stored: secrets carry 256 random bits, so a copy of the
-- database yields no usable token. prefix is the start of the secret,
-- shown to tell tokens apart. A token is refused after expires_at or once
-- revoked_at is set; rows are kept for the audit trail.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'request')),
    secret_hash  TEXT    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;

CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

-- The API token an audit event's actor used (NULL for browsers, the shell
-- and Rolegate itself). It enters the event's hash (audit.v3), so it
-- cannot be changed or dropped unnoticed; adding the column rewrites no
-- row, so the append-only triggers stand.
ALTER TABLE audit_events ADD COLUMN actor_token INTEGER;

-- +goose Down
ALTER TABLE audit_events DROP COLUMN actor_token;
DROP TABLE api_tokens;
DROP TABLE service_accounts;
