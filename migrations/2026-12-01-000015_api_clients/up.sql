-- Machine clients of a Pemda (OAuth 2.0 client credentials). The secret is stored only as its SHA-256 (it has 256
-- random bits: nothing to brute-force); after a rotation the previous hash keeps working until
-- `previous_secret_valid_until`. Revocation is final; `active` can be switched back on.
CREATE TABLE api_clients (
    id uuid PRIMARY KEY,
    pemda_id uuid NOT NULL REFERENCES units (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    scopes text[] NOT NULL CHECK (cardinality(scopes) BETWEEN 1 AND 4),
    channel text,
    secret_hash bytea NOT NULL,
    previous_secret_hash bytea,
    previous_secret_valid_until timestamptz,
    rate_limit_per_minute integer NOT NULL CHECK (rate_limit_per_minute BETWEEN 1 AND 100000),
    expires_at timestamptz,
    active boolean NOT NULL,
    revoked_at timestamptz,
    last_used_at timestamptz,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX api_clients_pemda ON api_clients (pemda_id, created_at);
