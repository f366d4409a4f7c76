-- Dispositions of verified complaints to OPDs, their follow-up answers, the reporter's responses, deadline
-- escalations and the notification outbox.

ALTER TABLE complaints
    ADD COLUMN reopen_count     integer     NOT NULL DEFAULT 0 CHECK (reopen_count >= 0),
    ADD COLUMN escalation_level smallint    NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 3),
    ADD COLUMN closed_reason    text                 CHECK (closed_reason IN ('satisfied', 'auto_closed')),
    ADD COLUMN finished_at      timestamptz,
    ADD COLUMN first_response_at timestamptz;

-- The escalation job looks for open complaints past a deadline and for reports waiting on their reporter.
CREATE INDEX complaints_awaiting_reporter_idx ON complaints (reporter_reply_by) WHERE status = 'awaiting_reporter';

CREATE TABLE dispositions (
    id                uuid        PRIMARY KEY,
    complaint_id      uuid        NOT NULL REFERENCES complaints (id),
    unit_id           uuid        NOT NULL REFERENCES units (id),
    delegated_to      uuid                 REFERENCES units (id),
    status            text        NOT NULL CHECK (status IN ('sent', 'accepted', 'returned', 'delegated', 'completed')),
    instruction       text        NOT NULL CHECK (length(instruction) BETWEEN 1 AND 2000),
    share_contact     boolean     NOT NULL DEFAULT false,
    due_at            timestamptz NOT NULL,
    return_reason     text                 CHECK (return_reason IN ('wrong_disposition', 'not_our_authority')),
    return_note       text                 CHECK (length(return_note) BETWEEN 1 AND 1000),
    escalation_level  smallint    NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 3),
    -- When this unit's first answer of the current round was published (reset when the complaint is reopened).
    first_answer_at   timestamptz,
    created_by        uuid                 REFERENCES users (id),
    version           integer     NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dispositions_return_has_reason CHECK (status <> 'returned' OR return_reason IS NOT NULL)
);

-- One live disposition per complaint and unit: a unit that returned a report may receive it again later.
CREATE UNIQUE INDEX dispositions_live_target_key ON dispositions (complaint_id, unit_id) WHERE status <> 'returned';
CREATE INDEX dispositions_complaint_idx ON dispositions (complaint_id);
CREATE INDEX dispositions_unit_created_idx ON dispositions (unit_id, created_at DESC, id DESC);
CREATE INDEX dispositions_delegated_idx ON dispositions (delegated_to) WHERE delegated_to IS NOT NULL;
CREATE INDEX dispositions_open_due_idx ON dispositions (due_at) WHERE status IN ('sent', 'accepted', 'delegated');

CREATE TABLE follow_ups (
    id                uuid        PRIMARY KEY,
    disposition_id    uuid        NOT NULL REFERENCES dispositions (id),
    complaint_id      uuid        NOT NULL REFERENCES complaints (id),
    body              text        NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    visibility        text        NOT NULL CHECK (visibility IN ('public', 'internal')),
    final             boolean     NOT NULL DEFAULT false,
    status            text        NOT NULL CHECK (status IN ('pending_approval', 'approved', 'rejected', 'internal')),
    rejection_reason  text                 CHECK (length(rejection_reason) BETWEEN 1 AND 1000),
    created_by        uuid        NOT NULL REFERENCES users (id),
    decided_by        uuid                 REFERENCES users (id),
    decided_at        timestamptz,
    version           integer     NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT follow_ups_internal_notes_need_no_approval CHECK ((visibility = 'internal') = (status = 'internal')),
    CONSTRAINT follow_ups_rejection_has_reason CHECK (status <> 'rejected' OR rejection_reason IS NOT NULL)
);

CREATE INDEX follow_ups_disposition_idx ON follow_ups (disposition_id, created_at);
CREATE INDEX follow_ups_complaint_idx ON follow_ups (complaint_id, created_at);

ALTER TABLE attachments ADD COLUMN follow_up_id uuid REFERENCES follow_ups (id);

-- The reporter's responses to final answers: one per round (a dissatisfied response reopens the follow-up).
CREATE TABLE complaint_feedback (
    id            uuid        PRIMARY KEY,
    complaint_id  uuid        NOT NULL REFERENCES complaints (id),
    rating        smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    satisfied     boolean     NOT NULL,
    comment       text                 CHECK (length(comment) BETWEEN 1 AND 2000),
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX complaint_feedback_complaint_idx ON complaint_feedback (complaint_id, created_at);

-- Missed deadlines. A level is recorded once per subject, deadline and round (a reopened complaint starts a new
-- round); the status never changes because of it.
CREATE TABLE escalations (
    id              uuid        PRIMARY KEY,
    complaint_id    uuid        NOT NULL REFERENCES complaints (id),
    disposition_id  uuid                 REFERENCES dispositions (id),
    deadline        text        NOT NULL CHECK (deadline IN ('verify', 'first_response', 'resolve')),
    round           integer     NOT NULL DEFAULT 0 CHECK (round >= 0),
    level           smallint    NOT NULL CHECK (level BETWEEN 1 AND 3),
    due_at          timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX escalations_once_key
    ON escalations (complaint_id, coalesce(disposition_id, '00000000-0000-0000-0000-000000000000'::uuid), deadline, round, level);

-- The notification outbox: one row per recipient, written in the transaction of the event. Webhook delivery to
-- external systems will read from here.
CREATE TABLE notifications (
    id              uuid        PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES users (id),
    kind            text        NOT NULL CHECK (kind ~ '^[a-z_]+$'),
    complaint_id    uuid                 REFERENCES complaints (id),
    disposition_id  uuid                 REFERENCES dispositions (id),
    follow_up_id    uuid                 REFERENCES follow_ups (id),
    message         text        NOT NULL CHECK (length(message) BETWEEN 1 AND 500),
    created_at      timestamptz NOT NULL DEFAULT now(),
    read_at         timestamptz
);

CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);

-- Supervision complaints go to the unit that is the Inspektorat; the seed marks Sekadau's.
ALTER TABLE units ADD COLUMN inspectorate boolean NOT NULL DEFAULT false;

-- Set when every OPD returned a complaint: the main admin must dispose it again.
ALTER TABLE complaints ADD COLUMN needs_redisposition boolean NOT NULL DEFAULT false;
