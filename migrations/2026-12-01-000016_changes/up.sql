-- The change feed: one row per change of a complaint, disposition, follow-up or action plan, written by triggers in
-- the same transaction as the change. Rows are read in (txid, id) order and only once every transaction that could
-- still add a row before them has ended (txid below the reader's snapshot xmin): a transaction that started earlier
-- but commits later can never slip in behind a reader's cursor. No personal data: ids, status, version, time.
CREATE TABLE changes (
    id bigserial PRIMARY KEY,
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    pemda_id uuid NOT NULL,
    entity_type text NOT NULL CHECK (entity_type IN ('complaint', 'disposition', 'follow_up', 'action_plan')),
    entity_id uuid NOT NULL,
    action text NOT NULL CHECK (action IN ('created', 'updated')),
    status text NOT NULL,
    version integer NOT NULL,
    -- Supervision complaints (and their dispositions and answers) are the Inspektorat's: kept out of machine feeds.
    supervision boolean NOT NULL DEFAULT false,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX changes_feed ON changes (pemda_id, txid, id);

CREATE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pemda uuid;
    is_supervision boolean := false;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status AND OLD.version IS NOT DISTINCT FROM NEW.version THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'complaints' THEN
        pemda := NEW.pemda_id;
        is_supervision := NEW.supervision;
    ELSIF TG_TABLE_NAME = 'action_plans' THEN
        SELECT p.pemda_id INTO pemda FROM action_plan_periods p WHERE p.id = NEW.period_id;
    ELSE
        SELECT c.pemda_id, c.supervision INTO pemda, is_supervision FROM complaints c WHERE c.id = NEW.complaint_id;
    END IF;
    INSERT INTO changes (pemda_id, entity_type, entity_id, action, status, version, supervision)
    VALUES (
        pemda,
        CASE TG_TABLE_NAME
            WHEN 'complaints' THEN 'complaint'
            WHEN 'dispositions' THEN 'disposition'
            WHEN 'follow_ups' THEN 'follow_up'
            ELSE 'action_plan'
        END,
        NEW.id,
        CASE TG_OP WHEN 'INSERT' THEN 'created' ELSE 'updated' END,
        NEW.status,
        NEW.version,
        is_supervision
    );
    RETURN NEW;
END;
$$;

CREATE TRIGGER complaints_changes AFTER INSERT OR UPDATE ON complaints FOR EACH ROW EXECUTE FUNCTION record_change();
CREATE TRIGGER dispositions_changes AFTER INSERT OR UPDATE ON dispositions FOR EACH ROW EXECUTE FUNCTION record_change();
CREATE TRIGGER follow_ups_changes AFTER INSERT OR UPDATE ON follow_ups FOR EACH ROW EXECUTE FUNCTION record_change();
CREATE TRIGGER action_plans_changes AFTER INSERT OR UPDATE ON action_plans FOR EACH ROW EXECUTE FUNCTION record_change();
