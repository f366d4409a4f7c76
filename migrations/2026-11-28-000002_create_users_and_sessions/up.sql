-- Staff accounts. Citizens (pelapor) never get an account: they hold a per-report secret instead.
CREATE TABLE users (
    id                  uuid        PRIMARY KEY,
    email               text        NOT NULL CHECK (email = lower(email) AND email LIKE '_%@_%'),
    name                text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    nip                 text                 CHECK (nip ~ '^[0-9]{18}$'),
    phone               text                 CHECK (phone ~ '^\+?[0-9]{8,15}$'),
    unit_id             uuid        NOT NULL REFERENCES units (id),
    role                text        NOT NULL CHECK (role IN ('super_admin', 'admin', 'opd_operator', 'opd_official',
                                                           'inspector', 'action_plan_reviewer', 'leader')),
    active              boolean     NOT NULL DEFAULT true,
    password_hash       text        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    version             integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Addresses are stored lower-cased; the index on lower() keeps the rule even for a row written by hand.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_unit_id_idx ON users (unit_id);
CREATE INDEX users_created_idx ON users (created_at, id);

-- A session is one login; its refresh tokens form a rotation family. Revoking the session ends every token of it,
-- access tokens included (they carry the session id and the extractor checks it).
CREATE TABLE sessions (
    id              uuid        PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    revoked_reason  text        CHECK (revoked_reason IN ('logout', 'refresh_token_reuse', 'password_changed')),
    CONSTRAINT sessions_revocation_has_reason CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id) WHERE revoked_at IS NULL;

-- Only the SHA-256 of a refresh token is kept: a copy of this table does not let anyone sign in.
CREATE TABLE refresh_tokens (
    token_hash  bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    session_id  uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);
