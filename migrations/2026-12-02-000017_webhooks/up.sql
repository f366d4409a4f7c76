-- Webhook subscriptions of a Pemda (Standard Webhooks). Each is fed from the change feed (`changes`) past its own
-- cursor, so deliveries follow the feed's total order and a late commit is never skipped. The signing secret is needed
-- to sign, so it is kept sealed (XChaCha20-Poly1305 under the service's sealing key), never in clear.
CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    pemda_id uuid NOT NULL REFERENCES units (id),
    url text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    description text NOT NULL CHECK (length(description) <= 500),
    event_types text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 8),
    secret_sealed bytea NOT NULL,
    previous_secret_sealed bytea,
    previous_secret_valid_until timestamptz,
    active boolean NOT NULL,
    -- Why the service switched it off: 'failing' (failed for days) or 'gone' (it answered 410); NULL otherwise.
    disabled_reason text CHECK (disabled_reason IN ('failing', 'gone')),
    -- Since when every attempt has failed; NULL after a success.
    failing_since timestamptz,
    -- The last change handed to this endpoint: (transaction id, change row), as in the change feed's cursor.
    cursor_txid bigint NOT NULL,
    cursor_row bigint NOT NULL,
    created_by uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX webhook_endpoints_pemda ON webhook_endpoints (pemda_id, created_at);
CREATE INDEX webhook_endpoints_active ON webhook_endpoints (id) WHERE active;

-- One message to one endpoint: the payload is stored exactly as signed and sent, so every retry and a redelivery send
-- the same bytes under the same webhook-id.
CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    change_id bigint NOT NULL,
    event_type text NOT NULL,
    payload text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    -- While being sent: until `next_attempt_at` (the lease), this claim alone may record the attempt.
    claim uuid,
    next_attempt_at timestamptz,
    last_attempt_at timestamptz,
    last_response_status integer,
    last_duration_ms integer,
    last_error text,
    created_at timestamptz NOT NULL,
    delivered_at timestamptz,
    UNIQUE (endpoint_id, change_id)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

-- Every attempt, for the delivery log.
CREATE TABLE webhook_attempts (
    id bigserial PRIMARY KEY,
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    attempted_at timestamptz NOT NULL,
    response_status integer,
    duration_ms integer NOT NULL,
    error text,
    succeeded boolean NOT NULL
);

CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
