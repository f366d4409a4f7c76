-- The audit trail: who did what to which record, and when. Rows are only ever appended.
CREATE TABLE audit_events (
    id           uuid        PRIMARY KEY,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    actor_id     uuid                 REFERENCES users (id),
    entity_type  text        NOT NULL CHECK (entity_type ~ '^[a-z_]+$'),
    entity_id    uuid        NOT NULL,
    action       text        NOT NULL CHECK (action ~ '^[a-z_]+$'),
    details      jsonb       NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, occurred_at);

CREATE FUNCTION audit_events_reject_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change();
