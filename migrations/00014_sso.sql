-- +goose Up
-- Accounts that sign in through an OpenID Connect provider, linked by the
-- provider's ID (as configured) and the token's subject, which the
-- provider promises never to reuse. A user signs in either with a
-- password or through their provider: an SSO user's password_hash is ''.
CREATE TABLE sso_identities (
    provider     TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    user_id      INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT    NOT NULL,
    last_sign_in TEXT    NOT NULL,
    PRIMARY KEY (provider, subject)
) STRICT;

-- Break-glass admins may still sign in with their password when local
-- password sign-in is switched off (-local-sign-in break-glass).
ALTER TABLE users ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0 CHECK (break_glass IN (0, 1));

-- +goose Down
ALTER TABLE users DROP COLUMN break_glass;
DROP TABLE sso_identities;
