-- Complaints (pengaduan, aspirasi, permintaan informasi) and what hangs on them.

-- The last tracking-code number handed out per Pemda and year. Gaps are allowed (a failed intake burns a number);
-- uniqueness is guaranteed by complaints_tracking_code_key.
CREATE TABLE tracking_sequences (
    pemda_id    uuid    NOT NULL REFERENCES units (id),
    year        integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    last_value  bigint  NOT NULL CHECK (last_value > 0),
    PRIMARY KEY (pemda_id, year)
);

CREATE TABLE complaints (
    id                   uuid             PRIMARY KEY,
    pemda_id             uuid             NOT NULL REFERENCES units (id),
    tracking_code        text             NOT NULL,
    classification       text             NOT NULL CHECK (classification IN ('pengaduan', 'aspirasi', 'permintaan_informasi')),
    supervision          boolean          NOT NULL DEFAULT false,
    channel              text             NOT NULL CHECK (channel IN ('web', 'mobile', 'lapor_sync', 'sms', 'whatsapp',
                                              'social_media', 'news_media', 'in_person', 'letter', 'phone', 'email', 'complaint_box')),
    category_id          uuid                      REFERENCES categories (id),
    title                text             NOT NULL CHECK (length(title) BETWEEN 1 AND 150),
    body                 text             NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    incident_date        date             NOT NULL,
    service_date         date,
    region_id            uuid                      REFERENCES regions (id),
    location             text                      CHECK (length(location) <= 500),
    latitude             double precision          CHECK (latitude BETWEEN -90 AND 90),
    longitude            double precision          CHECK (longitude BETWEEN -180 AND 180),
    anonymous            boolean          NOT NULL DEFAULT false,
    confidential         boolean          NOT NULL DEFAULT false,
    source_url           text                      CHECK (source_url ~ '^https?://' AND length(source_url) <= 2000),
    source_platform      text                      CHECK (length(source_platform) BETWEEN 1 AND 60),
    source_captured_at   timestamptz,
    status               text             NOT NULL CHECK (status IN ('submitted', 'postponed', 'verified', 'archived',
                                              'forwarded', 'disposed', 'in_progress', 'awaiting_reporter', 'finished')),
    archive_reason       text                      CHECK (archive_reason IN ('spam', 'duplicate', 'too_general', 'not_government', 'other')),
    duplicate_of         uuid                      REFERENCES complaints (id),
    forwarded_to         text                      CHECK (length(forwarded_to) BETWEEN 1 AND 200),
    policy_id            uuid             NOT NULL REFERENCES deadline_policies (id),
    verify_by            timestamptz      NOT NULL,
    first_response_by    timestamptz      NOT NULL,
    resolve_by           timestamptz      NOT NULL,
    reporter_reply_by    timestamptz,
    verified_at          timestamptz,
    reporter_secret_hash bytea            NOT NULL CHECK (length(reporter_secret_hash) = 32),
    created_by           uuid                      REFERENCES users (id),
    search               tsvector         GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || body)) STORED,
    version              integer          NOT NULL DEFAULT 1,
    created_at           timestamptz      NOT NULL DEFAULT now(),
    updated_at           timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT complaints_tracking_code_key UNIQUE (tracking_code),
    CONSTRAINT complaints_supervision_is_a_complaint CHECK (NOT supervision OR classification = 'pengaduan'),
    CONSTRAINT complaints_coordinates_in_pairs CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CONSTRAINT complaints_source_evidence CHECK (
        channel NOT IN ('social_media', 'news_media')
        OR (source_url IS NOT NULL AND source_platform IS NOT NULL AND source_captured_at IS NOT NULL)),
    CONSTRAINT complaints_archive_has_reason CHECK (status <> 'archived' OR archive_reason IS NOT NULL),
    CONSTRAINT complaints_duplicate_names_original CHECK ((archive_reason = 'duplicate') = (duplicate_of IS NOT NULL)),
    CONSTRAINT complaints_forward_has_target CHECK (status <> 'forwarded' OR forwarded_to IS NOT NULL)
);

-- The staff list: newest first within a Pemda, by status and category, by deadline; and full-text search.
CREATE INDEX complaints_pemda_created_idx ON complaints (pemda_id, created_at DESC, id DESC);
CREATE INDEX complaints_pemda_status_category_idx ON complaints (pemda_id, status, category_id, created_at DESC, id DESC);
CREATE INDEX complaints_pemda_updated_idx ON complaints (pemda_id, updated_at DESC, id DESC);
CREATE INDEX complaints_open_resolve_by_idx ON complaints (pemda_id, resolve_by, id)
    WHERE status NOT IN ('archived', 'forwarded', 'finished');
CREATE INDEX complaints_search_idx ON complaints USING gin (search);

-- Reporter identity (name, NIK, phone, e-mail, address) as one AEAD-sealed document, readable only with the key in
-- the service's configuration: a database dump alone reveals no reporter.
CREATE TABLE complaint_reporters (
    complaint_id  uuid  PRIMARY KEY REFERENCES complaints (id),
    nonce         bytea NOT NULL CHECK (length(nonce) = 24),
    ciphertext    bytea NOT NULL
);

-- Every read of reporter identity, kept for audit; append-only like the audit trail.
CREATE TABLE reporter_access_log (
    id            uuid        PRIMARY KEY,
    complaint_id  uuid        NOT NULL REFERENCES complaints (id),
    user_id       uuid        NOT NULL REFERENCES users (id),
    accessed_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX reporter_access_log_complaint_idx ON reporter_access_log (complaint_id, accessed_at);
CREATE INDEX reporter_access_log_accessed_idx ON reporter_access_log (accessed_at, id);

CREATE TRIGGER reporter_access_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON reporter_access_log
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

-- What a reporter added when asked for missing data.
CREATE TABLE complaint_supplements (
    id            uuid        PRIMARY KEY,
    complaint_id  uuid        NOT NULL REFERENCES complaints (id),
    body          text        NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX complaint_supplements_complaint_idx ON complaint_supplements (complaint_id, created_at);

-- Uploaded files, stored on disk by content hash. An upload not attached to a complaint within a day is removed.
CREATE TABLE attachments (
    id            uuid        PRIMARY KEY,
    sha256        text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes    integer     NOT NULL CHECK (size_bytes > 0),
    content_type  text        NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png', 'image/webp')),
    file_name     text                 CHECK (length(file_name) BETWEEN 1 AND 255),
    complaint_id  uuid                 REFERENCES complaints (id),
    uploaded_by   uuid                 REFERENCES users (id),
    uploaded_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX attachments_complaint_idx ON attachments (complaint_id);
CREATE INDEX attachments_unattached_idx ON attachments (uploaded_at) WHERE complaint_id IS NULL;
CREATE INDEX attachments_sha256_idx ON attachments (sha256);

-- Responses of create requests sent with an Idempotency-Key, so a retry gets the first answer instead of a second
-- record. The stored body is sealed like reporter identity: it may hold a reporter secret.
CREATE TABLE idempotency_keys (
    scope         text        NOT NULL CHECK (length(scope) BETWEEN 1 AND 100),
    key           text        NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash  bytea       NOT NULL CHECK (length(request_hash) = 32),
    status        smallint    NOT NULL,
    nonce         bytea       NOT NULL CHECK (length(nonce) = 24),
    response      bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
