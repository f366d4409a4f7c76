-- Organisation units: the Pemda (province, regency, city) at the top, its OPDs below, their sub-units (bidang) below
-- those. Every permission scope in the system is a subtree of this table.
CREATE TABLE units (
    id          uuid        PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind IN ('province', 'regency', 'city', 'opd', 'sub_unit')),
    code        text        NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{1,31}$'),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    short_name  text                 CHECK (length(short_name) BETWEEN 1 AND 60),
    parent_id   uuid                 REFERENCES units (id),
    active      boolean     NOT NULL DEFAULT true,
    version     integer     NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT units_code_key UNIQUE (code),
    CONSTRAINT units_not_own_parent CHECK (parent_id IS DISTINCT FROM id),
    -- Only a Pemda may stand at the top of a tree; an OPD always belongs to one.
    CONSTRAINT units_root_is_pemda CHECK (parent_id IS NOT NULL OR kind IN ('province', 'regency', 'city'))
);

CREATE INDEX units_parent_id_idx ON units (parent_id);
CREATE INDEX units_kind_created_idx ON units (kind, created_at, id);
CREATE INDEX units_created_idx ON units (created_at, id);
