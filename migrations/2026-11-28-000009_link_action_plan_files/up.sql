-- Files of Rencana Aksi: the scanned letter that sent a plan and the evidence of quarterly realisations. Linking them
-- to their plan lets whoever may read the form download them, and keeps them out of the sweep of abandoned uploads.
ALTER TABLE attachments ADD COLUMN action_plan_id uuid REFERENCES action_plans (id);
ALTER TABLE attachments ADD COLUMN realisation_id uuid REFERENCES action_plan_realisations (id);
ALTER TABLE attachments ADD CONSTRAINT attachments_realisation_has_plan
    CHECK (realisation_id IS NULL OR action_plan_id IS NOT NULL);

UPDATE attachments SET action_plan_id = plans.id
FROM action_plans plans
WHERE plans.letter_attachment_id = attachments.id
  AND attachments.complaint_id IS NULL
  AND attachments.follow_up_id IS NULL;

CREATE INDEX attachments_realisation_idx ON attachments (realisation_id) WHERE realisation_id IS NOT NULL;
