-- Rencana Aksi: periods define the matrix (columns are data), each targeted OPD fills in one form per period, and
-- every submission freezes a numbered version.

CREATE TABLE action_plan_periods (
    id                   uuid        PRIMARY KEY,
    pemda_id             uuid        NOT NULL REFERENCES units (id),
    name                 text        NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    first_year           integer     NOT NULL CHECK (first_year BETWEEN 2000 AND 2100),
    last_year            integer     NOT NULL,
    legal_basis          text                 CHECK (length(legal_basis) BETWEEN 1 AND 2000),
    submission_deadline  date,
    matrix               jsonb       NOT NULL,
    version              integer     NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT action_plan_periods_years CHECK (last_year BETWEEN first_year AND first_year + 9)
);

CREATE INDEX action_plan_periods_pemda_idx ON action_plan_periods (pemda_id, first_year);

-- The units a period targets (they fill in forms) and the units whose reviewers must approve each form.
CREATE TABLE action_plan_period_units (
    period_id  uuid NOT NULL REFERENCES action_plan_periods (id) ON DELETE CASCADE,
    unit_id    uuid NOT NULL REFERENCES units (id),
    role       text NOT NULL CHECK (role IN ('target', 'reviewer')),
    PRIMARY KEY (period_id, role, unit_id)
);

CREATE TABLE action_plans (
    id               uuid        PRIMARY KEY,
    period_id        uuid        NOT NULL REFERENCES action_plan_periods (id),
    unit_id          uuid        NOT NULL REFERENCES units (id),
    status           text        NOT NULL CHECK (status IN ('draft', 'submitted', 'in_review', 'revision_requested', 'approved', 'sent')),
    current_version  integer     NOT NULL DEFAULT 0 CHECK (current_version >= 0),
    submitted_at     timestamptz,
    version          integer     NOT NULL DEFAULT 1,
    created_by       uuid                 REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT action_plans_one_per_unit UNIQUE (period_id, unit_id)
);

CREATE TABLE action_plan_rows (
    id          uuid        PRIMARY KEY,
    plan_id     uuid        NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    position    integer     NOT NULL CHECK (position >= 1),
    template    boolean     NOT NULL DEFAULT false,
    cells       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX action_plan_rows_plan_idx ON action_plan_rows (plan_id, position);

-- What each submission looked like: reviewers approve a version, and two versions can be compared.
CREATE TABLE action_plan_versions (
    plan_id       uuid        NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    number        integer     NOT NULL CHECK (number >= 1),
    rows          jsonb       NOT NULL,
    submitted_by  uuid                 REFERENCES users (id),
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plan_id, number)
);

-- Reviews by the required reviewer units, each of one submitted version.
CREATE TABLE action_plan_reviews (
    id              uuid        PRIMARY KEY,
    plan_id         uuid        NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    version_number  integer     NOT NULL,
    reviewer_unit_id uuid       NOT NULL REFERENCES units (id),
    reviewer_id     uuid        NOT NULL REFERENCES users (id),
    decision        text        NOT NULL CHECK (decision IN ('approve', 'request_revision')),
    comment         text                 CHECK (length(comment) BETWEEN 1 AND 4000),
    row_comments    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX action_plan_reviews_plan_idx ON action_plan_reviews (plan_id, version_number, created_at);

-- The letter that sent the compiled plan to KemenPAN-RB; once recorded the form is locked.
ALTER TABLE action_plans
    ADD COLUMN letter_number        text        CHECK (length(letter_number) BETWEEN 1 AND 200),
    ADD COLUMN letter_date          date,
    ADD COLUMN letter_attachment_id uuid        REFERENCES attachments (id);
