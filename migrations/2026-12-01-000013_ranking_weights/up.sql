-- Versions of the weights that turn an OPD's or a kabupaten/kota's figures into one ranking score. A version applies
-- from its date until the next one of the same Pemda and level; rows are never changed, so a past ranking can be
-- recomputed as it was. A Pemda without a version uses the built-in default (40 / 40 / 20, see the README).
CREATE TABLE ranking_weights (
    id uuid PRIMARY KEY,
    pemda_id uuid NOT NULL REFERENCES units (id),
    level text NOT NULL CHECK (level IN ('opd', 'pemda')),
    follow_up integer NOT NULL CHECK (follow_up BETWEEN 0 AND 100),
    on_time integer NOT NULL CHECK (on_time BETWEEN 0 AND 100),
    satisfaction integer NOT NULL CHECK (satisfaction BETWEEN 0 AND 100),
    reasoning text NOT NULL,
    valid_from date NOT NULL,
    created_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL,
    CHECK (follow_up + on_time + satisfaction > 0),
    UNIQUE (pemda_id, level, valid_from)
);
