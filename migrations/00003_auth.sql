-- +goose Up
-- Users of the dashboard. There is no default account: the first admin is
-- made with `rolegate user add`. password_hash is a PHC argon2id string.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('viewer', 'requester', 'approver', 'admin')),
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    mfa_secret    TEXT    NOT NULL DEFAULT '',  -- base32 TOTP secret; '' when not enrolled
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
) STRICT;

-- Server-side sessions. The cookie carries a random ID; only its SHA-256
-- is stored, so a copy of the database does not yield usable cookies.
CREATE TABLE sessions (
    id_hash    TEXT    PRIMARY KEY,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    data       BLOB    NOT NULL,
    created_at INTEGER NOT NULL,  -- unix seconds
    last_seen  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL   -- absolute expiry
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- +goose Down
DROP TABLE sessions;
DROP TABLE users;
