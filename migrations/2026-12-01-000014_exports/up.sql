-- Asynchronous complaint exports. A request stores the list filter as it was resolved for the requester (their reach,
-- the period's instants), waits in `queued` until a worker of any instance claims it (FOR UPDATE SKIP LOCKED) and
-- holds a lease (`locked_until`) while writing the file into the data folder; a worker that dies leaves a lease that
-- runs out, and the next worker takes the job again (at most three attempts). Files expire 24 hours after they are
-- done: housekeeping removes them and marks the row `expired` (the row stays as the record of the export).
CREATE TABLE exports (
    id uuid PRIMARY KEY,
    requested_by uuid NOT NULL REFERENCES users (id),
    format text NOT NULL CHECK (format IN ('csv', 'xlsx')),
    filter jsonb NOT NULL,
    status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'expired')),
    attempts smallint NOT NULL DEFAULT 0,
    locked_until timestamptz,
    row_count bigint,
    size_bytes bigint,
    file_name text,
    error text,
    created_at timestamptz NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    expires_at timestamptz,
    CHECK (status NOT IN ('done', 'expired') OR file_name IS NOT NULL)
);

-- What a worker looks for: waiting jobs, oldest first, and running ones whose lease ran out.
CREATE INDEX exports_waiting ON exports (created_at) WHERE status IN ('queued', 'running');
-- What housekeeping looks for.
CREATE INDEX exports_expiring ON exports (expires_at) WHERE status = 'done';
CREATE INDEX exports_requested_by ON exports (requested_by, created_at DESC);
