-- E-mail. Each staff member chooses how notifications reach their inbox (no row: immediately).
CREATE TABLE mail_preferences (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    mode text NOT NULL CHECK (mode IN ('immediate', 'daily', 'off')),
    -- Until when notifications went into a digest already.
    last_digest_at timestamptz,
    updated_at timestamptz NOT NULL
);

-- The outbox: messages are written in the transaction that causes them and sent afterwards, with retries. A staff
-- member is named by account (the address is read when sending); a reporter's address is personal data and stays
-- sealed here, as it is with the complaint.
CREATE TABLE mail_outbox (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind ~ '^[a-z_]+$'),
    recipient_user uuid REFERENCES users (id) ON DELETE CASCADE,
    recipient_sealed bytea,
    subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    claim uuid,
    next_attempt_at timestamptz,
    last_error text,
    created_at timestamptz NOT NULL,
    sent_at timestamptz,
    CONSTRAINT mail_outbox_one_recipient CHECK ((recipient_user IS NULL) <> (recipient_sealed IS NULL))
);

CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'pending';

-- Where the reporter mails stand in the change feed (one row); they start from the feed's present.
CREATE TABLE mail_feed_cursor (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    txid bigint NOT NULL,
    row_id bigint NOT NULL
);
INSERT INTO mail_feed_cursor (txid, row_id) VALUES (pg_snapshot_xmin(pg_current_snapshot())::text::bigint, 0);

-- A change's previous state, to tell a status change from another update; and the feed read across every Pemda.
CREATE INDEX changes_entity ON changes (entity_id, txid, id);
CREATE INDEX changes_order ON changes (txid, id);
