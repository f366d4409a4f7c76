-- Quarterly monitoring (monev) of approved Rencana Aksi: what each row achieved, with its evidence, checked by the
-- review team.
CREATE TABLE action_plan_realisations (
    id                uuid             PRIMARY KEY,
    plan_id           uuid             NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    row_id            uuid             NOT NULL REFERENCES action_plan_rows (id) ON DELETE CASCADE,
    year              integer          NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    quarter           smallint         NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    realised_value    double precision,
    realised_text     text                      CHECK (length(realised_text) BETWEEN 1 AND 2000),
    percent_achieved  double precision          CHECK (percent_achieved >= 0),
    obstacles         text                      CHECK (length(obstacles) BETWEEN 1 AND 2000),
    evidence_urls     jsonb            NOT NULL DEFAULT '[]'::jsonb,
    status            text             NOT NULL CHECK (status IN ('recorded', 'verified', 'returned')),
    review_comment    text                      CHECK (length(review_comment) BETWEEN 1 AND 2000),
    recorded_by       uuid             NOT NULL REFERENCES users (id),
    reviewed_by       uuid                      REFERENCES users (id),
    version           integer          NOT NULL DEFAULT 1,
    updated_at        timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT action_plan_realisations_once UNIQUE (row_id, year, quarter),
    CONSTRAINT action_plan_realisations_something CHECK (realised_value IS NOT NULL OR realised_text IS NOT NULL)
);

CREATE INDEX action_plan_realisations_plan_idx ON action_plan_realisations (plan_id, year, quarter);
