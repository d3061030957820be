-- +goose Up
-- Single-use recovery codes for the second factor. Only the SHA-256 of a
-- code is stored: codes are 80 random bits, so a plain hash cannot be
-- reversed by guessing, and a copy of the database yields no usable code.
-- used_at is set once, when the code is spent; a regeneration deletes the
-- user's codes and inserts new ones.
CREATE TABLE recovery_codes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    used_at    TEXT,
    PRIMARY KEY (user_id, code_hash)
) STRICT;

-- The IANA zone in which the user reads times; stored values are UTC.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- +goose Down
ALTER TABLE users DROP COLUMN time_zone;
DROP TABLE recovery_codes;
