-- Reference data each Pemda keeps for itself: complaint categories (a tree), its administrative regions, its
-- working-day calendar, and the versioned deadline policies its complaint handling follows.

CREATE TABLE categories (
    id          uuid        PRIMARY KEY,
    pemda_id    uuid        NOT NULL REFERENCES units (id),
    code        text        NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    parent_id   uuid                 REFERENCES categories (id),
    active      boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT categories_code_key UNIQUE (pemda_id, code),
    CONSTRAINT categories_not_own_parent CHECK (parent_id IS DISTINCT FROM id)
);

CREATE INDEX categories_parent_id_idx ON categories (parent_id);

-- Kecamatan at the top, desa/kelurahan below.
CREATE TABLE regions (
    id          uuid        PRIMARY KEY,
    pemda_id    uuid        NOT NULL REFERENCES units (id),
    kind        text        NOT NULL CHECK (kind IN ('kecamatan', 'desa')),
    code        text        NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    parent_id   uuid                 REFERENCES regions (id),
    active      boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT regions_code_key UNIQUE (pemda_id, code),
    CONSTRAINT regions_desa_below_kecamatan CHECK ((kind = 'kecamatan') = (parent_id IS NULL))
);

CREATE INDEX regions_parent_id_idx ON regions (parent_id);

-- Non-working dates besides weekends. National holidays and cuti bersama are copied into each Pemda's calendar, so
-- a Pemda can move or drop a date (the Islamic dates may shift after the sighting) without touching another's.
CREATE TABLE holidays (
    pemda_id    uuid        NOT NULL REFERENCES units (id),
    date        date        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('national', 'cuti_bersama', 'local')),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    source      text                 CHECK (length(source) <= 500),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pemda_id, date)
);

-- Deadlines in working days, versioned: a complaint takes the policy valid on the day it arrives and keeps the
-- deadlines computed then, whatever policy comes later.
CREATE TABLE deadline_policies (
    id                    uuid        PRIMARY KEY,
    pemda_id              uuid        NOT NULL REFERENCES units (id),
    classification        text        NOT NULL CHECK (classification IN ('pengaduan', 'aspirasi', 'permintaan_informasi')),
    supervision           boolean     NOT NULL,
    verify_days           integer     NOT NULL CHECK (verify_days BETWEEN 0 AND 365),
    first_response_days   integer     NOT NULL CHECK (first_response_days BETWEEN 0 AND 365),
    resolve_days          integer     NOT NULL CHECK (resolve_days BETWEEN 1 AND 365),
    reporter_window_days  integer     NOT NULL CHECK (reporter_window_days BETWEEN 1 AND 365),
    regulation            text        NOT NULL CHECK (length(regulation) BETWEEN 1 AND 500),
    valid_from            date        NOT NULL,
    valid_to              date,
    created_by            uuid                 REFERENCES users (id),
    created_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT deadline_policies_period CHECK (valid_to IS NULL OR valid_to >= valid_from),
    CONSTRAINT deadline_policies_supervision_is_a_complaint CHECK (NOT supervision OR classification = 'pengaduan')
);

CREATE INDEX deadline_policies_lookup_idx ON deadline_policies (pemda_id, classification, supervision, valid_from);
