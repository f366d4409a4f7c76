DROP INDEX attachments_realisation_idx;
ALTER TABLE attachments DROP CONSTRAINT attachments_realisation_has_plan;
ALTER TABLE attachments DROP COLUMN realisation_id;
ALTER TABLE attachments DROP COLUMN action_plan_id;
